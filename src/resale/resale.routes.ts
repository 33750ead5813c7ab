import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../http/route.js';
import type { ResalePurchases } from './resale.purchase.js';
import { listBody, listingView, purchaseBody, purchaseView, quoteView } from './resale.schemas.js';
import type { ResaleService } from './resale.service.js';

const tag = 'Resale';
const idParams = z.object({ id: z.uuid() });

const listingRefusals = [
  'tickets.not_found',
  'resale.not_allowed',
  'resale.ticket_not_valid',
  'resale.ticket_used',
  'resale.transfer_pending',
  'resale.already_listed',
  'resale.event_closed',
  'resale.price_above_cap',
  'resale.price_too_low',
];

const purchaseRefusals = [
  'resale.not_found',
  'resale.unavailable',
  'resale.offered_to_waitlist',
  'resale.own_listing',
  'resale.gift_card_not_accepted',
  'resale.gift_card_currency',
  'giftcards.not_found',
  'giftcards.insufficient_balance',
  'sales.limit_exceeded',
  'payments.card_declined',
  'payments.insufficient_funds',
  'payments.authentication_required',
  'payments.card_invalid',
  'payments.card_expired',
  'payments.sandbox_card_unknown',
  'payments.provider_unavailable',
];

export function resaleRoutes(resale: ResaleService, purchases: ResalePurchases): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/tickets/:id/resale',
      summary:
        'What listing my ticket for resale would pay: face value, cap, fee and payout, or why it cannot be listed',
      tag,
      access: 'user',
      params: idParams,
      response: { status: 200, schema: quoteView },
      errors: ['tickets.not_found'],
      handler: (ctx) => resale.quote(ctx.user, ctx.params.id),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/tickets/:id/resale',
      summary: 'List my ticket for resale at most at face value; waitlisted fans are offered it first',
      tag,
      access: 'user',
      params: idParams,
      body: listBody,
      idempotency: 'required',
      response: { status: 201, schema: listingView },
      errors: listingRefusals,
      handler: (ctx) => resale.list(ctx.user, ctx.params.id, ctx.body.priceCents),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/me/resale',
      summary: 'My resale listings, newest first',
      tag,
      access: 'user',
      response: { status: 200, schema: z.object({ listings: z.array(listingView) }) },
      handler: async (ctx) => ({ listings: await resale.mine(ctx.user) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/events/:id/resale',
      summary: "An event's resale tickets on sale (face value or less)",
      tag,
      access: 'optional',
      params: idParams,
      response: { status: 200, schema: z.object({ listings: z.array(listingView) }) },
      handler: async (ctx) => ({ listings: await resale.ofEvent(ctx.principal, ctx.params.id) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/resale/:id',
      summary: 'One resale listing',
      tag,
      access: 'optional',
      params: idParams,
      response: { status: 200, schema: listingView },
      errors: ['resale.not_found'],
      handler: (ctx) => resale.get(ctx.principal, ctx.params.id),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/resale/:id/withdraw',
      summary: 'Withdraw my listing (until it is sold)',
      tag,
      access: 'user',
      params: idParams,
      idempotency: 'required',
      response: { status: 200, schema: listingView },
      errors: ['resale.not_found', 'resale.not_listed'],
      handler: (ctx) => resale.withdraw(ctx.user, ctx.params.id),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/resale/:id/pass',
      summary: 'Let a listing offered to me from the waitlist pass to the next fan',
      tag,
      access: 'user',
      params: idParams,
      idempotency: 'required',
      response: { status: 200, schema: listingView },
      errors: ['resale.not_found', 'resale.no_offer'],
      handler: (ctx) => resale.pass(ctx.user, ctx.params.id),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/resale/:id/purchase',
      summary: 'Buy a resale ticket by card or gift card: the ticket is re-issued to me, the seller refunded',
      tag,
      access: 'user',
      params: idParams,
      body: purchaseBody,
      idempotency: 'required',
      response: { status: 201, schema: purchaseView },
      errors: purchaseRefusals,
      handler: (ctx) => purchases.buy(ctx.user, ctx.params.id, ctx.body),
    }),
  ];
}
