import { z } from 'zod';
import type { Config } from '../config.js';
import { defineRoute, Reply, type AnyRoute } from '../http/route.js';
import type { TicketService } from './tickets.service.js';
import type { TransferService } from './transfers.service.js';
import {
  acceptBody,
  claimBody,
  orderTransferBody,
  ticketCode,
  ticketSettingsPatch,
  ticketSettingsView,
  ticketView,
  transferBody,
  transferView,
} from './tickets.schemas.js';

const tag = 'Tickets';
const idParams = z.object({ id: z.uuid() });
const settingsOut = (s: {
  printedCodesAllowed: boolean;
  keyGeneration: number;
  checkinOpensAt: Date | null;
  resaleEnabled: boolean;
  resaleCapPercent: number;
}) => ({
  ...s,
  checkinOpensAt: s.checkinOpensAt?.toISOString() ?? null,
});

export function ticketRoutes(
  tickets: TicketService,
  transfers: TransferService,
  config: Pick<Config, 'AUTH_LIMIT_PER_IP' | 'AUTH_LIMIT_WINDOW_SECONDS'>,
): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/me/tickets',
      summary: 'My tickets (valid and used; ended ones with ?all=true)',
      tag,
      access: 'user',
      query: z.object({
        all: z
          .enum(['true', 'false'])
          .default('false')
          .transform((v) => v === 'true'),
        limit: z.coerce.number().int().min(1).max(500).default(200),
      }),
      response: { status: 200, schema: z.object({ tickets: z.array(ticketView) }) },
      handler: async (ctx) => ({
        tickets: await tickets.mine(ctx.user, { includeEnded: ctx.query.all, limit: ctx.query.limit }),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/tickets/:id',
      summary: 'One of my tickets',
      tag,
      access: 'user',
      params: idParams,
      response: { status: 200, schema: ticketView },
      errors: ['tickets.not_found'],
      handler: (ctx) => tickets.get(ctx.user, ctx.params.id),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/tickets/:id/code',
      summary: "The ticket's code now (rotates every 30 s), when it changes, and its QR as SVG",
      tag,
      access: 'user',
      params: idParams,
      response: { status: 200, schema: ticketCode },
      errors: ['tickets.not_found', 'tickets.not_valid'],
      handler: async (ctx) => {
        const code = await tickets.code(ctx.user, ctx.params.id);
        // A code is a bearer credential for the door: never cached by a proxy or the browser.
        ctx.setHeader('Cache-Control', 'no-store');
        return { ...code, refreshAt: code.refreshAt.toISOString() };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/events/:id/keys',
      summary: "The event's public ticket-signing key (codes' signatures verify offline with it)",
      tag,
      access: 'public',
      params: idParams,
      response: {
        status: 200,
        schema: z.object({
          eventId: z.uuid(),
          keys: z.array(
            z.object({
              keyId: z.string(),
              algorithm: z.literal('Ed25519'),
              publicKeyPem: z.string(),
              generation: z.number().int(),
            }),
          ),
        }),
      },
      handler: (ctx) => tickets.publicKeys(ctx.params.id),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/events/:id/ticket-settings',
      summary: "The event's ticket settings (organizer)",
      tag,
      access: { roles: ['organizer'] },
      params: idParams,
      response: { status: 200, schema: ticketSettingsView },
      handler: async (ctx) => settingsOut(await tickets.settings(ctx.user, ctx.params.id)),
    }),
    defineRoute({
      method: 'patch',
      path: '/v1/events/:id/ticket-settings',
      summary:
        'Allow printed codes, set when check-in opens, retire the signing key, set the resale policy (organizer)',
      tag,
      access: { roles: ['organizer'] },
      params: idParams,
      body: ticketSettingsPatch,
      response: { status: 200, schema: ticketSettingsView },
      errors: ['catalog.not_organizer', 'catalog.event_not_found'],
      handler: async (ctx) => settingsOut(await tickets.updateSettings(ctx.user, ctx.params.id, ctx.body)),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/tickets/:id/transfers',
      summary: 'Offer a ticket to a named person by email (face value only: there is no price)',
      tag,
      access: 'user',
      params: idParams,
      body: transferBody,
      response: { status: 201, schema: transferView },
      errors: [
        'tickets.not_found',
        'transfers.not_allowed',
        'transfers.already_used',
        'transfers.pending_exists',
        'transfers.listed_for_resale',
        'transfers.to_self',
        'transfers.event_closed',
      ],
      handler: (ctx) => transfers.offer(ctx.user, ctx.params.id, ctx.body),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/orders/:id/transfers',
      summary: 'Send every ticket of my order to the attendee named on it, in one call',
      tag,
      access: 'user',
      params: idParams,
      body: orderTransferBody,
      response: { status: 201, schema: z.object({ transfers: z.array(transferView) }) },
      errors: ['orders.not_found', 'transfers.no_attendees', 'transfers.listed_for_resale'],
      handler: async (ctx) => ({
        transfers: await transfers.offerOrderToAttendees(ctx.user, ctx.params.id, ctx.body.message ?? null),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/me/transfers',
      summary: 'Transfers I sent, received, or that wait for me',
      tag,
      access: 'user',
      query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
      response: { status: 200, schema: z.object({ transfers: z.array(transferView) }) },
      handler: async (ctx) => ({ transfers: await transfers.list(ctx.user, ctx.query.limit) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/transfers/:id/accept',
      summary:
        'Accept a ticket offered to my address, once the address is confirmed (the invitation token is optional; a wrong one is refused)',
      tag,
      access: 'user',
      params: idParams,
      body: acceptBody,
      response: { status: 200, schema: transferView },
      errors: [
        'transfers.not_found',
        'transfers.invalid_token',
        'transfers.wrong_recipient',
        'transfers.email_unverified',
        'transfers.not_pending',
        'transfers.stale',
        'transfers.already_used',
        'transfers.not_allowed',
        'transfers.event_closed',
        'sales.limit_exceeded',
      ],
      handler: (ctx) => transfers.accept(ctx.user, ctx.params.id, ctx.body?.token),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/transfers/:id/claim',
      summary:
        'Create an account from the invitation and accept the ticket (the mailed token proves the address: the account starts confirmed)',
      tag,
      access: 'public',
      params: idParams,
      body: claimBody,
      response: {
        status: 201,
        schema: z.object({ token: z.string(), expiresAt: z.iso.datetime(), userId: z.uuid(), transfer: transferView }),
      },
      errors: [
        'transfers.account_exists',
        'transfers.invalid_token',
        'transfers.not_pending',
        'transfers.stale',
        'transfers.not_allowed',
        'transfers.event_closed',
        'transfers.already_used',
        'auth.email_taken',
      ],
      // It creates an account: the same per-IP budget as registering.
      rateLimits: ({ ip }) => [
        {
          bucket: 'register-ip',
          subject: ip,
          limit: config.AUTH_LIMIT_PER_IP,
          windowSeconds: config.AUTH_LIMIT_WINDOW_SECONDS,
        },
      ],
      handler: async (ctx) => {
        const { session, transfer } = await transfers.claim(ctx.params.id, ctx.body, {
          ip: ctx.ip,
          userAgent: ctx.requestHeader('user-agent') ?? null,
        });
        return new Reply(201, {
          token: session.token,
          expiresAt: session.expiresAt,
          userId: session.user.id,
          transfer,
        });
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/transfers/:id',
      summary: 'Cancel a transfer I sent, before it is accepted',
      tag,
      access: 'user',
      params: idParams,
      response: { status: 200, schema: transferView },
      errors: ['transfers.not_found', 'transfers.not_pending'],
      handler: (ctx) => transfers.cancel(ctx.user, ctx.params.id),
    }),
  ];
}
