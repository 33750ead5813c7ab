import { z } from 'zod';
import { requestLocale } from '../http/request-locale.js';
import { defineRoute, Reply, type AnyRoute } from '../http/route.js';
import type { PkpassFile, WalletService } from './wallet.service.js';

const tag = 'Wallet passes';
const idParams = z.object({ id: z.uuid() });
/** Apple's device library identifier: an opaque string it picks. */
const deviceId = z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'an opaque identifier: letters, digits, . _ -');
const passTypeId = z.string().min(1).max(200);
const serial = z.string().min(1).max(64);
const PKPASS = 'application/vnd.apple.pkpass';
const langQuery = z.object({
  lang: z
    .string()
    .max(16)
    .optional()
    .describe(
      'The pass’s language: en, de or es (another value is ignored). Without it, the fd_lang cookie, then Accept-Language.',
    ),
});

/**
 * The language a pass is written in: the holder's as this download negotiates it. The pass keeps
 * it (wallet_passes.locale) for the refreshes a device or Google asks for later, without them.
 */
const holderLocale = requestLocale;

const pkpassReply = (file: PkpassFile, extra: Record<string, string> = {}) =>
  new Reply(200, file.bytes, {
    'Content-Type': PKPASS,
    'Last-Modified': file.lastModified.toUTCString(),
    // A pass carries the holder's door code: never kept by a proxy.
    'Cache-Control': 'no-store',
    ...extra,
  });

/**
 * The holder's passes (`/v1/tickets/:id/pass.pkpass`, `/v1/tickets/:id/google-wallet`), which
 * wallets this server offers, and Apple's PassKit web service under `/v1/passkit` (the pass's
 * webServiceURL): devices authenticate with the pass's `Authorization: ApplePass <token>`, not
 * a session, so those routes are public and the service checks the token.
 */
export function walletRoutes(wallet: WalletService): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/wallet',
      summary: 'Which wallets this server can add tickets to (Apple Wallet, Google Wallet)',
      tag,
      access: 'public',
      response: { status: 200, schema: z.object({ apple: z.boolean(), google: z.boolean() }) },
      handler: async () => wallet.providers(),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/tickets/:id/pass.pkpass',
      summary: 'My ticket as an Apple Wallet pass (.pkpass): the door admits its code online and offline',
      tag,
      access: 'user',
      params: idParams,
      query: langQuery,
      response: { status: 200, description: `The pass (${PKPASS})` },
      errors: ['tickets.not_found', 'tickets.not_valid', 'wallet.apple_unavailable'],
      handler: async (ctx) =>
        pkpassReply(await wallet.applePass(ctx.user, ctx.params.id, holderLocale(ctx)), {
          'Content-Disposition': 'attachment; filename="ticket.pkpass"',
        }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/tickets/:id/google-wallet',
      summary: 'A signed "Save to Google Wallet" link for my ticket',
      tag,
      access: 'user',
      params: idParams,
      query: langQuery,
      response: { status: 200, schema: z.object({ url: z.url(), objectId: z.string() }) },
      errors: ['tickets.not_found', 'tickets.not_valid', 'wallet.google_unavailable'],
      handler: async (ctx) => {
        ctx.setHeader('Cache-Control', 'no-store');
        return wallet.googleLink(ctx.user, ctx.params.id, Date.now(), holderLocale(ctx));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/passkit/v1/devices/:deviceId/registrations/:passTypeId/:serial',
      summary: 'PassKit: a device registers for a pass’s updates (201 new, 200 already registered)',
      tag,
      access: 'public',
      // Registering twice is registering once: the device's retry gets the same outcome.
      idempotency: 'natural',
      params: z.object({ deviceId, passTypeId, serial }),
      body: z.object({ pushToken: z.string().min(1).max(512) }),
      response: { status: 201 },
      errors: ['wallet.pass_unauthorized', 'wallet.pass_not_found'],
      handler: async (ctx) => {
        const created = await wallet.registerDevice(
          ctx.params.passTypeId,
          ctx.params.serial,
          ctx.requestHeader('authorization'),
          ctx.params.deviceId,
          ctx.body.pushToken,
        );
        return new Reply(created ? 201 : 200, undefined);
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/passkit/v1/devices/:deviceId/registrations/:passTypeId/:serial',
      summary: 'PassKit: a device stops following a pass (the pass was removed)',
      tag,
      access: 'public',
      idempotency: 'natural',
      params: z.object({ deviceId, passTypeId, serial }),
      response: { status: 200 },
      errors: ['wallet.pass_unauthorized', 'wallet.pass_not_found'],
      handler: async (ctx) => {
        await wallet.unregisterDevice(
          ctx.params.passTypeId,
          ctx.params.serial,
          ctx.requestHeader('authorization'),
          ctx.params.deviceId,
        );
        return new Reply(200, undefined);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/passkit/v1/devices/:deviceId/registrations/:passTypeId',
      summary: 'PassKit: the serials of a device’s passes that changed since its last tag (204: none)',
      tag,
      access: 'public',
      params: z.object({ deviceId, passTypeId }),
      query: z.object({ passesUpdatedSince: z.string().max(32).optional() }),
      response: {
        status: 200,
        schema: z.object({ serialNumbers: z.array(z.string()), lastUpdated: z.string() }),
      },
      errors: ['wallet.pass_not_found'],
      handler: async (ctx) => {
        const changed = await wallet.changedSerials(
          ctx.params.passTypeId,
          ctx.params.deviceId,
          ctx.query.passesUpdatedSince,
        );
        return changed ?? new Reply(204, undefined);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/passkit/v1/passes/:passTypeId/:serial',
      summary:
        'PassKit: the pass as it is now (voided once the ticket changed hands or was cancelled); 304 if unchanged',
      tag,
      access: 'public',
      params: z.object({ passTypeId, serial }),
      response: { status: 200, description: `The pass (${PKPASS})` },
      errors: ['wallet.pass_unauthorized', 'wallet.pass_not_found'],
      handler: async (ctx) => {
        const file = await wallet.latestPass(
          ctx.params.passTypeId,
          ctx.params.serial,
          ctx.requestHeader('authorization'),
          ctx.requestHeader('if-modified-since'),
        );
        return file ? pkpassReply(file) : new Reply(304, undefined);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/passkit/v1/log',
      summary: 'PassKit: a device reports problems with a pass (logged)',
      tag,
      access: 'public',
      idempotency: 'natural',
      body: z.object({ logs: z.array(z.string().max(2000)).max(100) }),
      response: { status: 200 },
      rateLimits: ({ ip }) => [{ bucket: 'passkit-log', subject: ip, limit: 60, windowSeconds: 60 }],
      handler: async (ctx) => {
        ctx.log.warn({ passkit: ctx.body.logs }, 'a wallet device reported problems with a pass');
        return new Reply(200, undefined);
      },
    }),
  ];
}
