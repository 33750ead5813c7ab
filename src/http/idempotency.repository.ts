import { and, eq, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/types.js';
import { idempotencyKeys } from './idempotency.table.js';

/** The queries behind the Idempotency-Key store (idempotency.ts): one row per scope and derived key. */

export type IdempotencyRow = typeof idempotencyKeys.$inferSelect;

/**
 * Claims a new key, or one whose answer was claimed before `expiredBefore` (not yet swept), in
 * one statement; false when another request holds it.
 */
export async function claimKey(
  db: Db,
  row: { scope: string; key: string; requestHash: string },
  expiredBefore: Date,
): Promise<boolean> {
  const inserted = await db
    .insert(idempotencyKeys)
    .values(row)
    .onConflictDoUpdate({
      target: [idempotencyKeys.scope, idempotencyKeys.key],
      set: {
        requestHash: row.requestHash,
        state: 'pending',
        responseStatus: null,
        responseBody: null,
        responseHeaders: null,
        lockedAt: sql`now()`,
        createdAt: sql`now()`,
      },
      setWhere: lt(idempotencyKeys.createdAt, expiredBefore),
    })
    .returning({ key: idempotencyKeys.key });
  return inserted.length > 0;
}

export async function findKey(db: Db, scope: string, key: string): Promise<IdempotencyRow | undefined> {
  const [row] = await db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
  return row;
}

/** Takes over a claim still pending and locked before `staleBefore` (its request can no longer finish). */
export async function takeOverStale(db: Db, scope: string, key: string, staleBefore: Date): Promise<boolean> {
  const taken = await db
    .update(idempotencyKeys)
    .set({ lockedAt: new Date() })
    .where(
      and(
        eq(idempotencyKeys.scope, scope),
        eq(idempotencyKeys.key, key),
        eq(idempotencyKeys.state, 'pending'),
        lt(idempotencyKeys.lockedAt, staleBefore),
      ),
    )
    .returning({ key: idempotencyKeys.key });
  return taken.length > 0;
}

/** Stores the answer (its body already sealed) and marks the claim done. */
export async function completeKey(
  db: Db,
  scope: string,
  key: string,
  answer: { status: number; sealedBody: string; headers: Record<string, string> },
): Promise<void> {
  await db
    .update(idempotencyKeys)
    .set({
      state: 'done',
      responseStatus: answer.status,
      responseBody: answer.sealedBody,
      responseHeaders: answer.headers,
    })
    .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
}

/** Frees a claim still pending (its request failed on our side). */
export async function releaseKey(db: Db, scope: string, key: string): Promise<void> {
  await db
    .delete(idempotencyKeys)
    .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key), eq(idempotencyKeys.state, 'pending')));
}

/** Deletes up to `batch` answers claimed before `cutoff` (ISO time); returns how many went. */
export async function deleteExpiredBatch(db: Db, cutoff: string, batch: number): Promise<number> {
  const rows = await db.execute(sql`
    delete from ${idempotencyKeys}
    where ${idempotencyKeys.createdAt} < ${cutoff} and (scope, key) in (
      select scope, key from ${idempotencyKeys} where ${idempotencyKeys.createdAt} < ${cutoff} limit ${batch}
    )
    returning 1`);
  return rows.length;
}
