import { and, asc, eq, inArray, lt, sql } from 'drizzle-orm';
import { preparedInsert } from '../platform/prepared.js';
import type { Db } from '../db/types.js';
import { paymentRefunds, payments, stripeEvents } from './payments.table.js';

export type PaymentRow = typeof payments.$inferSelect;
export type PaymentStatus = PaymentRow['status'];
export type RefundRow = typeof paymentRefunds.$inferSelect;

/** What a new tender row says; the rest (id, refunded amount, timestamps) comes from the table's defaults. */
export type NewPayment = Pick<
  typeof payments.$inferInsert,
  | 'orderId'
  | 'userId'
  | 'method'
  | 'provider'
  | 'intentId'
  | 'giftCardId'
  | 'amountCents'
  | 'currency'
  | 'status'
  | 'cardLast4'
>;
/** Every purchase writes one or more: prepared once (see preparedInsert). */
const paymentInsert = preparedInsert(
  payments,
  [
    'orderId',
    'userId',
    'method',
    'provider',
    'intentId',
    'giftCardId',
    'amountCents',
    'currency',
    'status',
    'cardLast4',
  ],
  'payment_insert',
);

export function insertPayment(db: Db, values: NewPayment): Promise<PaymentRow> {
  return paymentInsert(db, values);
}

/**
 * Writes a tender row unless its intent has one already (payments_intent_unique); returns the
 * new row's id, or undefined when there was one.
 */
export async function insertPaymentOnce(db: Db, values: NewPayment): Promise<{ id: string } | undefined> {
  const [row] = await db.insert(payments).values(values).onConflictDoNothing().returning({ id: payments.id });
  return row;
}

/** The intent's card payment, authorized → voided; undefined when there was none to move. */
export async function voidAuthorizedPayment(db: Db, intentId: string): Promise<{ id: string } | undefined> {
  const [row] = await db
    .update(payments)
    .set({ status: 'voided', updatedAt: new Date() })
    .where(and(eq(payments.intentId, intentId), eq(payments.status, 'authorized')))
    .returning({ id: payments.id });
  return row;
}

/**
 * An order unwound after its commit: its card payment voided (never captured) and its gift-card
 * tenders marked refunded in full (the caller credits the cards in the same transaction).
 */
export async function unwindPaymentsOfOrder(tx: Db, orderId: string): Promise<void> {
  await tx
    .update(payments)
    .set({ status: 'voided' })
    .where(and(eq(payments.orderId, orderId), eq(payments.method, 'card')));
  await tx
    .update(payments)
    .set({ status: 'refunded', refundedCents: payments.amountCents })
    .where(and(eq(payments.orderId, orderId), eq(payments.method, 'gift_card')));
}

/** Moves a payment from one of `from` to `to`; returns null when another actor moved it first. */
export async function transitionPayment(
  db: Db,
  id: string,
  from: readonly PaymentStatus[],
  to: PaymentStatus,
  extra: Partial<Pick<PaymentRow, 'refundedCents'>> = {},
): Promise<PaymentRow | null> {
  const [row] = await db
    .update(payments)
    .set({ status: to, ...extra, updatedAt: sql`now()` })
    .where(and(eq(payments.id, id), inArray(payments.status, [...from])))
    .returning();
  return row ?? null;
}

export async function paymentsOfOrder(db: Db, orderId: string): Promise<PaymentRow[]> {
  return db
    .select()
    .from(payments)
    .where(eq(payments.orderId, orderId))
    .orderBy(asc(payments.createdAt), asc(payments.id));
}

export async function paymentByIntent(db: Db, intentId: string): Promise<PaymentRow | undefined> {
  const [row] = await db.select().from(payments).where(eq(payments.intentId, intentId));
  return row;
}

/** Adds to a payment's refunded amount; the table's CHECK refuses refunding more than was paid. */
export async function addRefunded(db: Db, id: string, cents: number): Promise<PaymentRow> {
  const [row] = await db
    .update(payments)
    .set({
      refundedCents: sql`${payments.refundedCents} + ${cents}`,
      status: sql`case when ${payments.refundedCents} + ${cents} >= ${payments.amountCents} then 'refunded' else 'partially_refunded' end`,
      updatedAt: sql`now()`,
    })
    .where(eq(payments.id, id))
    .returning();
  return row!;
}

export async function insertRefund(
  db: Db,
  values: { paymentId: string; orderId: string | null; amountCents: number },
): Promise<RefundRow> {
  const [row] = await db.insert(paymentRefunds).values(values).returning();
  return row!;
}

export async function completeRefund(
  db: Db,
  id: string,
  status: 'succeeded' | 'failed',
  providerRefundId: string | null,
): Promise<void> {
  await db
    .update(paymentRefunds)
    .set({ status, providerRefundId, completedAt: sql`now()` })
    .where(and(eq(paymentRefunds.id, id), eq(paymentRefunds.status, 'pending')));
}

/** Card refunds written but not yet confirmed by the processor, oldest first. */
export async function pendingRefunds(
  db: Db,
  olderThan: Date,
  limit = 100,
): Promise<(RefundRow & { intentId: string | null; provider: PaymentRow['provider'] })[]> {
  return db
    .select({
      id: paymentRefunds.id,
      paymentId: paymentRefunds.paymentId,
      orderId: paymentRefunds.orderId,
      amountCents: paymentRefunds.amountCents,
      status: paymentRefunds.status,
      providerRefundId: paymentRefunds.providerRefundId,
      createdAt: paymentRefunds.createdAt,
      completedAt: paymentRefunds.completedAt,
      intentId: payments.intentId,
      provider: payments.provider,
    })
    .from(paymentRefunds)
    .innerJoin(payments, eq(payments.id, paymentRefunds.paymentId))
    .where(and(eq(paymentRefunds.status, 'pending'), lt(paymentRefunds.createdAt, olderThan)))
    .orderBy(asc(paymentRefunds.createdAt))
    .limit(limit);
}

/** Card refunds of an order written but not yet confirmed by the processor (a crash came between). */
export async function unsentCardRefunds(db: Db, orderId: string) {
  return db
    .select({
      id: paymentRefunds.id,
      amountCents: paymentRefunds.amountCents,
      intentId: payments.intentId,
      provider: payments.provider,
    })
    .from(paymentRefunds)
    .innerJoin(payments, eq(payments.id, paymentRefunds.paymentId))
    .where(
      and(
        eq(paymentRefunds.orderId, orderId),
        eq(paymentRefunds.status, 'pending'),
        inArray(payments.provider, ['stripe', 'sandbox']),
      ),
    );
}

/** Card payments for gift cards left authorized by a crash between issuing and capturing. */
export async function strandedGiftCardPayments(db: Db, olderThan: Date, limit = 100): Promise<PaymentRow[]> {
  return db
    .select()
    .from(payments)
    .where(and(eq(payments.status, 'authorized'), sql`${payments.orderId} is null`, lt(payments.createdAt, olderThan)))
    .limit(limit);
}

/** Stores a Stripe event by its id; false when it was stored before (a duplicate delivery). */
export async function insertStripeEvent(
  db: Db,
  event: { id: string; type: string; intentId: string | null },
): Promise<boolean> {
  const inserted = await db
    .insert(stripeEvents)
    .values(event)
    .onConflictDoNothing({ target: stripeEvents.id })
    .returning({ id: stripeEvents.id });
  return inserted.length > 0;
}

/** Whether a stored Stripe event's reconcile has finished. */
export async function stripeEventProcessed(db: Db, id: string): Promise<boolean> {
  const [prior] = await db
    .select({ processedAt: stripeEvents.processedAt })
    .from(stripeEvents)
    .where(eq(stripeEvents.id, id));
  return Boolean(prior?.processedAt);
}

export async function markStripeEventProcessed(db: Db, id: string): Promise<void> {
  await db
    .update(stripeEvents)
    .set({ processedAt: sql`now()` })
    .where(eq(stripeEvents.id, id));
}

/** How a payment is shown: a sandbox payment always says so. */
export function paymentView(row: PaymentRow) {
  return {
    id: row.id,
    method: row.method,
    provider: row.provider,
    sandbox: row.provider === 'sandbox',
    amountCents: row.amountCents,
    refundedCents: row.refundedCents,
    currency: row.currency,
    status: row.status,
    cardLast4: row.cardLast4,
    giftCardId: row.giftCardId,
  };
}
