import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { toSource } from '../payments/payments.schemas.js';
import {
  orderDetails,
  orderIdParams,
  orderListEntry,
  orderTimeline,
  patchOrderBody,
  paymentOptions,
  placeOrderBody,
} from './orders.schemas.js';
import type { OrderService } from './orders.service.js';
import { standingCodes } from './ticket-standing.js';

const tag = 'Orders';

export function orderRoutes(orders: OrderService): AnyRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/orders',
      summary: 'Buy a hold: gift cards first, a card for the rest; answers once the seats are guaranteed',
      tag,
      access: 'user',
      body: placeOrderBody,
      // The order is keyed by (account, key): its statement answers a retry, another request → 422.
      idempotency: 'natural-required',
      // The hot path of every drop: answered without Express around it (src/http/lean.ts).
      lean: true,
      response: { status: 201, schema: orderDetails, description: 'The confirmed order, its payments and tickets' },
      errors: [
        'sales.hold_not_found',
        'sales.hold_expired',
        'sales.hold_not_active',
        'orders.hold_already_ordered',
        'orders.currency_mismatch',
        'orders.attendees_mismatch',
        'orders.payment_required',
        'giftcards.invalid_code',
        'giftcards.insufficient_balance',
        'giftcards.not_valid_for_event',
        'payments.card_declined',
        'payments.insufficient_funds',
        'payments.authentication_required',
        'payments.sandbox_card_unknown',
        'payments.requires_action',
        'payments.raw_card_refused',
        'payments.invalid_payment_method',
        'payments.provider_unavailable',
        'orders.failed',
        'idempotency.key_reused',
        'idempotency.in_progress',
        'sales.not_on_sale',
      ],
      handler: (ctx) => {
        const { payment, ...rest } = ctx.body;
        return orders.place(ctx.user, {
          ...rest,
          card: payment.card ? toSource(payment.card) : undefined,
          giftCards: payment.giftCards,
          idempotencyKey: ctx.requestHeader('idempotency-key')!,
        });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/orders/:id/complete',
      summary:
        "Finish an order whose card asked for 3-D Secure, once the fan's browser has run it (the processor's state decides)",
      tag,
      access: 'user',
      params: orderIdParams,
      idempotency: 'required',
      response: { status: 200, schema: orderDetails, description: 'The confirmed order, its payments and tickets' },
      errors: [
        'orders.not_found',
        'orders.not_completable',
        'payments.requires_action',
        'payments.card_declined',
        'payments.insufficient_funds',
        'payments.authentication_required',
        'sales.hold_expired',
        'sales.hold_not_active',
      ],
      handler: (ctx) => orders.checkout.complete(ctx.user, ctx.params.id),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/payments/config',
      summary: 'How the checkout takes cards: Stripe Elements (with the publishable key), the sandbox, or none',
      tag,
      access: 'public',
      response: { status: 200, schema: paymentOptions },
      handler: async () => orders.checkout.paymentOptions(),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/orders/:id',
      summary: 'One of my orders, with its payments and tickets',
      tag,
      access: 'user',
      params: orderIdParams,
      response: { status: 200, schema: orderDetails },
      errors: ['orders.not_found'],
      handler: (ctx) => orders.get(ctx.user, ctx.params.id),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/me/orders',
      summary: 'My purchases, newest first: one per hold, its declined attempts folded into it',
      tag,
      access: 'user',
      query: z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
      response: { status: 200, schema: z.object({ orders: z.array(orderListEntry) }) },
      handler: async (ctx) => ({ orders: await orders.mine(ctx.user, ctx.query.limit) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/orders/:id/timeline',
      summary: "The order's signed receipts: placed, authorized, confirmed, tickets issued, captured…",
      tag,
      access: 'user',
      params: orderIdParams,
      response: { status: 200, schema: orderTimeline },
      errors: ['orders.not_found'],
      handler: async (ctx) => ({ receipts: await orders.timeline(ctx.user, ctx.params.id) }),
    }),
    defineRoute({
      method: 'patch',
      path: '/v1/orders/:id',
      summary:
        'Cancel some or all tickets (refunded, gift cards first) or exchange seats within the event; only tickets the buyer still holds, unused and not on offer',
      tag,
      access: 'user',
      params: orderIdParams,
      body: patchOrderBody,
      idempotency: 'required',
      response: { status: 200, schema: orderDetails },
      errors: [
        'orders.not_found',
        'orders.policy_forbids',
        'orders.not_cancellable',
        'orders.not_exchangeable',
        'orders.nothing_to_cancel',
        'orders.unknown_ticket',
        ...standingCodes,
        'orders.exchange_other_event',
        'orders.exchange_mismatch',
        'orders.exchange_price_differs',
        'sales.hold_not_found',
      ],
      handler: (ctx) =>
        'cancel' in ctx.body
          ? orders.changes.cancel(ctx.user, ctx.params.id, ctx.body.cancel.ticketIds)
          : orders.changes.exchange(ctx.user, ctx.params.id, ctx.body.exchange),
    }),
  ];
}
