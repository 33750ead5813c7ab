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

/** The intent columns as raw SQL returns them, for the batched statements below. */
const INTENT_COLUMNS =
  sql.raw(`id, idempotency_key as "idempotencyKey", amount_cents as "amountCents", currency, status,
  amount_captured_cents as "amountCapturedCents", amount_refunded_cents as "amountRefundedCents",
  failure_code as "failureCode", card_last4 as "cardLast4", metadata,
  created_at as "createdAt", updated_at as "updatedAt"`);

type RawIntent = Omit<IntentRow, 'createdAt' | 'updatedAt'> & { createdAt: string; updatedAt: string };
const intentOf = (raw: RawIntent): IntentRow => ({
  ...raw,
  createdAt: new Date(raw.createdAt),
  updatedAt: new Date(raw.updatedAt),
});

/**
 * Writes new intents in one statement; answers, per intent and in order, the row written or the
 * one an earlier create with the same idempotency key wrote (a replay, or a twin that won).
 * The intents travel as one JSON parameter, so every batch size runs the same prepared statement.
 */
export async function createIntents(db: Db, intents: readonly NewIntent[]): Promise<IntentRow[]> {
  const rows = JSON.stringify(
    intents.map((i) => ({
      id: i.id,
      idempotency_key: i.idempotencyKey,
      amount_cents: i.amountCents,
      currency: i.currency,
      status: i.status,
      failure_code: i.failureCode ?? null,
      card_last4: i.cardLast4 ?? null,
      metadata: i.metadata ?? {},
    })),
  );
  const written = await db.execute<RawIntent>(sql`
    insert into ${sandboxIntents} (id, idempotency_key, amount_cents, currency, status, failure_code, card_last4, metadata)
    select r.id, r.idempotency_key, r.amount_cents, r.currency, r.status, r.failure_code, r.card_last4, r.metadata
    from jsonb_to_recordset(${rows}::jsonb) as r(id text, idempotency_key text, amount_cents int, currency text,
      status text, failure_code text, card_last4 text, metadata jsonb)
    on conflict (idempotency_key) do nothing
    returning ${INTENT_COLUMNS}`);
  const byKey = new Map([...written].map((raw) => [raw.idempotencyKey, intentOf(raw)]));
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
export async function captureIntents(db: Db, ids: readonly string[]): Promise<IntentRow[]> {
  const captured = await db.execute<RawIntent>(sql`
    update ${sandboxIntents} set status = 'succeeded', amount_captured_cents = amount_cents, updated_at = now()
    where id in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)) and status = 'requires_capture'
    returning ${INTENT_COLUMNS}`);
  return [...captured].map(intentOf);
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
