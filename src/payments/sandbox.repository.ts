import { and, eq, inArray, sql, TransactionRollbackError } from 'drizzle-orm';
import type { Db } from '../db/types.js';
import { sandboxIntents, sandboxRefunds } from './sandbox.table.js';

/** The sandbox processor's books (src/payments/sandbox.provider.ts). */
export type IntentRow = typeof sandboxIntents.$inferSelect;
export type NewIntent = Pick<
  typeof sandboxIntents.$inferInsert,
  'id' | 'idempotencyKey' | 'amountCents' | 'currency' | 'status' | 'failureCode' | 'cardLast4' | 'metadata'
>;
type CancelableStatus = 'requires_capture' | 'requires_payment_method' | 'requires_action';

/**
 * Writes new intents in one statement; answers, per intent and in order, the row written or the
 * one an earlier create with the same idempotency key wrote (a replay, or a twin that won).
 */
export async function createIntents(db: Db, intents: readonly NewIntent[]): Promise<IntentRow[]> {
  const written = await db
    .insert(sandboxIntents)
    .values([...intents])
    .onConflictDoNothing({ target: sandboxIntents.idempotencyKey })
    .returning();
  const byKey = new Map(written.map((row) => [row.idempotencyKey, row]));
  const missing = intents.filter((i) => !byKey.has(i.idempotencyKey)).map((i) => i.idempotencyKey);
  if (missing.length > 0) {
    const earlier = await db.select().from(sandboxIntents).where(inArray(sandboxIntents.idempotencyKey, missing));
    for (const row of earlier) byKey.set(row.idempotencyKey, row);
  }
  return intents.map((i) => byKey.get(i.idempotencyKey)!);
}

export async function intentByKey(db: Db, key: string): Promise<IntentRow | undefined> {
  const [row] = await db.select().from(sandboxIntents).where(eq(sandboxIntents.idempotencyKey, key));
  return row;
}

export async function intentById(db: Db, id: string): Promise<IntentRow | undefined> {
  const [row] = await db.select().from(sandboxIntents).where(eq(sandboxIntents.id, id));
  return row;
}

/** Captures every given intent still awaiting capture, in one statement; answers those it moved. */
export function captureIntents(db: Db, ids: readonly string[]): Promise<IntentRow[]> {
  return db
    .update(sandboxIntents)
    .set({ status: 'succeeded', amountCapturedCents: sql`${sandboxIntents.amountCents}`, updatedAt: sql`now()` })
    .where(and(inArray(sandboxIntents.id, [...ids]), eq(sandboxIntents.status, 'requires_capture')))
    .returning();
}

export async function cancelIntent(
  db: Db,
  id: string,
  from: readonly CancelableStatus[],
): Promise<IntentRow | undefined> {
  const [row] = await db
    .update(sandboxIntents)
    .set({ status: 'canceled', updatedAt: sql`now()` })
    .where(and(eq(sandboxIntents.id, id), inArray(sandboxIntents.status, [...from])))
    .returning();
  return row;
}

export type RefundOutcome =
  | { kind: 'refunded'; refundId: string }
  | { kind: 'replayed'; refundId: string; intentId: string; amountCents: number }
  | { kind: 'exceeds_capture' };

/** Refunds part of a captured intent, once per idempotency key, never beyond what was captured. */
export function refundIntent(
  db: Db,
  refund: { id: string; intentId: string; idempotencyKey: string; amountCents: number },
): Promise<RefundOutcome> {
  return db
    .transaction(async (tx) => {
      const [inserted] = await tx
        .insert(sandboxRefunds)
        .values(refund)
        .onConflictDoNothing({ target: sandboxRefunds.idempotencyKey })
        .returning();
      if (!inserted) {
        const [prior] = await tx
          .select()
          .from(sandboxRefunds)
          .where(eq(sandboxRefunds.idempotencyKey, refund.idempotencyKey));
        return {
          kind: 'replayed' as const,
          refundId: prior!.id,
          intentId: prior!.intentId,
          amountCents: prior!.amountCents,
        };
      }
      const [updated] = await tx
        .update(sandboxIntents)
        .set({
          amountRefundedCents: sql`${sandboxIntents.amountRefundedCents} + ${refund.amountCents}`,
          updatedAt: sql`now()`,
        })
        .where(
          and(
            eq(sandboxIntents.id, refund.intentId),
            eq(sandboxIntents.status, 'succeeded'),
            sql`${sandboxIntents.amountRefundedCents} + ${refund.amountCents} <= ${sandboxIntents.amountCapturedCents}`,
          ),
        )
        .returning({ id: sandboxIntents.id });
      // Raising rolls the refund row back with the transaction.
      if (!updated) tx.rollback();
      return { kind: 'refunded' as const, refundId: inserted.id };
    })
    .catch((err: unknown) => {
      if (err instanceof TransactionRollbackError) return { kind: 'exceeds_capture' as const };
      throw err;
    });
}
