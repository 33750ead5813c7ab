import { sql } from 'drizzle-orm';
import { check, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * The sandbox processor's own books. It keeps real state in Postgres, like a processor would,
 * so that retrieve/reconcile after a restart sees what was authorized, captured or refunded;
 * nothing in it is ever "assumed to have worked".
 */
export const sandboxIntents = pgTable(
  'sandbox_payment_intents',
  {
    id: text('id').primaryKey(),
    /** The create call's idempotency key: a replayed authorize returns this row, never a second one. */
    idempotencyKey: text('idempotency_key').notNull().unique(),
    amountCents: integer('amount_cents').notNull(),
    currency: text('currency').notNull(),
    status: text('status', {
      enum: ['requires_payment_method', 'requires_action', 'requires_capture', 'succeeded', 'canceled'],
    }).notNull(),
    amountCapturedCents: integer('amount_captured_cents').notNull().default(0),
    amountRefundedCents: integer('amount_refunded_cents').notNull().default(0),
    failureCode: text('failure_code'),
    cardLast4: text('card_last4'),
    metadata: jsonb('metadata').$type<Record<string, string>>().notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('sandbox_intent_amount_positive', sql`${t.amountCents} > 0`),
    check('sandbox_intent_refund_le_captured', sql`${t.amountRefundedCents} between 0 and ${t.amountCapturedCents}`),
    check('sandbox_intent_capture_le_amount', sql`${t.amountCapturedCents} between 0 and ${t.amountCents}`),
  ],
);

export const sandboxRefunds = pgTable('sandbox_refunds', {
  id: text('id').primaryKey(),
  intentId: text('intent_id')
    .notNull()
    .references(() => sandboxIntents.id),
  /** A replayed refund returns this row instead of refunding again. */
  idempotencyKey: text('idempotency_key').notNull().unique(),
  amountCents: integer('amount_cents').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
