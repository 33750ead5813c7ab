import { defineRoute, type AnyRoute } from '../http/route.js';
import { hold, holdBody, holdParams } from './holds.schemas.js';
import type { HoldService } from './holds.service.js';

const tag = 'Holds';

export function holdRoutes(holds: HoldService): AnyRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/holds',
      summary: 'Hold seats (specific, best available, side by side) or general-admission places, all or nothing',
      tag,
      access: 'user',
      body: holdBody,
      // A retried hold must find the first one, never take a second set of seats: the hold is
      // keyed by (account, key) and its statement answers a retry (another request → 422).
      idempotency: 'natural-required',
      // The hot path of every drop: answered without Express around it (src/http/lean.ts).
      lean: true,
      response: { status: 201, schema: hold, description: 'The hold, with its seats and expiry' },
      errors: [
        'sales.seat_unavailable',
        'sales.sold_out',
        'sales.not_enough_seats',
        'sales.not_enough_together',
        'sales.limit_exceeded',
        'sales.not_on_sale',
        'sales.unknown_seat',
        'sales.wrong_tier_kind',
        'sales.purchase_token_required',
        'sales.purchase_token_invalid',
        'queue.token_invalid',
        'queue.token_wrong_account',
        'queue.token_expired',
        'queue.token_used',
        'catalog.event_not_found',
        'catalog.tier_not_found',
        'sales.idempotency_key_reused',
      ],
      handler: (ctx) => holds.create(ctx.user, ctx.body, ctx.requestHeader('idempotency-key')!),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/holds/:id',
      summary: 'One of my holds',
      tag,
      access: 'user',
      params: holdParams,
      response: { status: 200, schema: hold },
      errors: ['sales.hold_not_found'],
      handler: (ctx) => holds.get(ctx.user, ctx.params.id),
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/holds/:id',
      summary: 'Let go of a hold: its seats go back on sale at once',
      tag,
      access: 'user',
      params: holdParams,
      response: { status: 200, schema: hold },
      errors: ['sales.hold_not_found', 'sales.hold_expired', 'sales.hold_not_active'],
      handler: (ctx) => holds.release(ctx.user, ctx.params.id),
    }),
  ];
}
