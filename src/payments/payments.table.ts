import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from '../auth/auth.table.js';

/**
 * One row per tender of a purchase: the card authorization and each gift card used. An order
 * paid 30 with a gift card and 70 by card has two rows; refunds go back through them, gift
 * card first.
 */
export const payments = pgTable(
  'payments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** The order paid; null when a fan buys a gift card. */
    orderId: uuid('order_id'),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    method: text('method', { enum: ['card', 'gift_card'] }).notNull(),
    provider: text('provider', { enum: ['stripe', 'sandbox', 'gift_card'] }).notNull(),
    /** The processor's PaymentIntent id for a card. */
    intentId: text('intent_id'),
    giftCardId: uuid('gift_card_id'),
    amountCents: integer('amount_cents').notNull(),
    currency: text('currency').notNull(),
    status: text('status', { enum: ['authorized', 'captured', 'voided', 'refunded', 'partially_refunded'] }).notNull(),
    refundedCents: integer('refunded_cents').notNull().default(0),
    cardLast4: text('card_last4'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('payments_amount_positive', sql`${t.amountCents} > 0`),
    check('payments_refund_bounded', sql`${t.refundedCents} between 0 and ${t.amountCents}`),
    // Serves the webhook's "which payment is this intent" and makes one row per intent.
    uniqueIndex('payments_intent_unique')
      .on(t.intentId)
      .where(sql`${t.intentId} is not null`),
    // Serves an order's tenders (order page, refunds).
    index('payments_order_idx').on(t.orderId),
  ],
);

/**
 * A refund to a card is written here (pending) in the transaction that cancels the tickets,
 * then sent to the processor after commit; the reconciler resends any still pending, with the
 * same idempotency key, so a crash never loses or doubles a refund.
 */
export const paymentRefunds = pgTable(
  'payment_refunds',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    paymentId: uuid('payment_id')
      .notNull()
      .references(() => payments.id),
    orderId: uuid('order_id'),
    amountCents: integer('amount_cents').notNull(),
    status: text('status', { enum: ['pending', 'succeeded', 'failed'] })
      .notNull()
      .default('pending'),
    providerRefundId: text('provider_refund_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
  },
  (t) => [
    check('payment_refunds_amount_positive', sql`${t.amountCents} > 0`),
    // Serves the reconciler's scan for refunds not yet sent.
    index('payment_refunds_pending_idx').on(t.status, t.createdAt),
  ],
);

/** Each Stripe event once, by its id; `processedAt` stays null until the reconcile it triggered finished. */
export const stripeEvents = pgTable('stripe_events', {
  id: text('id').primaryKey(),
  type: text('type').notNull(),
  intentId: text('intent_id'),
  receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  processedAt: timestamp('processed_at', { withTimezone: true }),
});
