import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from '../auth/auth.table.js';
import { events, priceTiers } from '../catalog/catalog.table.js';
import { holds } from '../sales/holds.table.js';
import { seats } from '../sales/inventory.table.js';

/**
 * The order state machine. Every arrow is a conditional UPDATE (`… where status = <from>`), so
 * the request, the reconciler and a webhook can race on one order and only one move wins.
 *
 *   pending ──authorize──▶ authorized ──commit──▶ confirmed ──capture──▶ captured ──cancel all──▶ cancelled
 *      │                       │                      │
 *      └─declined─▶ failed     └─commit failed─▶ voided◀─capture impossible (seats given back)
 *
 * A gift-card-only order goes pending ─commit─▶ captured in one transaction.
 */
export const orderStatuses = [
  'pending',
  'authorized',
  'confirmed',
  'captured',
  'failed',
  'voided',
  'cancelled',
] as const;
export type OrderStatus = (typeof orderStatuses)[number];

export interface OrderPlan {
  giftCards: { giftCardId: string; amountCents: number }[];
  attendees: { name: string; email: string }[] | null;
}

export const orders = pgTable(
  'orders',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    holdId: uuid('hold_id')
      .notNull()
      .references(() => holds.id),
    eventId: uuid('event_id')
      .notNull()
      .references(() => events.id),
    status: text('status', { enum: orderStatuses }).notNull().default('pending'),
    currency: text('currency').notNull(),
    totalCents: integer('total_cents').notNull(),
    giftCardCents: integer('gift_card_cents').notNull(),
    cardCents: integer('card_cents').notNull(),
    refundedCents: integer('refunded_cents').notNull().default(0),
    /** Which processor holds the card authorization, and its intent once known. */
    provider: text('provider', { enum: ['stripe', 'sandbox'] }),
    intentId: text('intent_id'),
    /** From the authorization, for the card payment row the commit writes. */
    cardLast4: text('card_last4'),
    /** A Stripe payment method id, kept so the reconciler can replay a crashed authorize; never card numbers. */
    paymentMethodId: text('payment_method_id'),
    plan: jsonb('plan').$type<OrderPlan>().notNull(),
    failureCode: text('failure_code'),
    /**
     * The Idempotency-Key of the request that placed it. A retry whose key claim is gone (its
     * first attempt's process died, or it failed on our side and let go of the key) finds the
     * order by it and answers it, instead of refusing the hold as already ordered.
     */
    idempotencyKey: text('idempotency_key'),
    /** What the placing request asked for (keyed by its Idempotency-Key): the same key with another request is refused. */
    requestHash: text('request_hash'),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    confirmedAt: timestamp('confirmed_at', { withTimezone: true, precision: 3 }),
    capturedAt: timestamp('captured_at', { withTimezone: true, precision: 3 }),
  },
  (t) => [
    // One live order per hold: a second checkout of the same hold (another key, another tab) is refused.
    uniqueIndex('orders_live_hold_unique')
      .on(t.holdId)
      .where(sql`${t.status} not in ('failed', 'voided')`),
    // Serves the reconciler: `status in (pending, authorized, confirmed) and updated_at < $1`.
    index('orders_unsettled_idx')
      .on(t.updatedAt)
      .where(sql`${t.status} in ('pending', 'authorized', 'confirmed')`),
    // Serves the webhook's "which order is this intent" before the commit has written the payment row.
    uniqueIndex('orders_intent_unique')
      .on(t.intentId)
      .where(sql`${t.intentId} is not null`),
    // POST /v1/orders is keyed by (account, Idempotency-Key): a retry finds its order, and a key places one order only.
    uniqueIndex('orders_user_key_unique')
      .on(t.userId, t.idempotencyKey)
      .where(sql`${t.idempotencyKey} is not null`),
    // Serves GET /v1/me/orders (newest first).
    index('orders_user_created_idx').on(t.userId, t.createdAt),
    check(
      'orders_status_valid',
      sql`${t.status} in ('pending','authorized','confirmed','captured','failed','voided','cancelled')`,
    ),
    check(
      'orders_amounts',
      sql`${t.totalCents} >= 0 and ${t.giftCardCents} >= 0 and ${t.cardCents} >= 0 and ${t.giftCardCents} + ${t.cardCents} = ${t.totalCents}`,
    ),
    check('orders_refund_bounded', sql`${t.refundedCents} between 0 and ${t.totalCents}`),
  ],
);

/** One place in an order (a seat or a GA admission), at the price the hold showed. */
export const orderItems = pgTable(
  'order_items',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orderId: uuid('order_id')
      .notNull()
      .references(() => orders.id),
    tierId: uuid('tier_id')
      .notNull()
      .references(() => priceTiers.id),
    seatId: uuid('seat_id').references(() => seats.id),
    /** All-in: face value plus fee. */
    priceCents: integer('price_cents').notNull(),
    status: text('status', { enum: ['active', 'cancelled', 'exchanged'] })
      .notNull()
      .default('active'),
  },
  // Serves an order's items.
  (t) => [index('order_items_order_idx').on(t.orderId), check('order_items_price', sql`${t.priceCents} >= 0`)],
);
