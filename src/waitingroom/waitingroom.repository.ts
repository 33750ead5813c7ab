import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/types.js';
import { queueReceiptProgress } from './waitingroom.table.js';

/**
 * The waiting room's own rows: how far each receipt stream of a room has been written to
 * Postgres. What it reads and writes of an on-sale, an event or its inventory goes through the
 * sales and catalog repositories (onsale.repository, inventory.repository, catalog.repository).
 */

export async function receiptProgress(db: Db, eventId: string): Promise<Map<string, number>> {
  const rows = await db
    .select({ stream: queueReceiptProgress.stream, done: queueReceiptProgress.done })
    .from(queueReceiptProgress)
    .where(eq(queueReceiptProgress.eventId, eventId));
  return new Map(rows.map((r) => [r.stream, r.done]));
}

/**
 * Moves a stream's mark from `from` to `to`, in the receipts' transaction. Answers false when
 * the mark was not at `from` (another writer got there first): the caller rolls back.
 */
export async function advanceReceipts(
  tx: Db,
  eventId: string,
  stream: string,
  from: number,
  to: number,
): Promise<boolean> {
  if (from === 0) {
    const inserted = await tx
      .insert(queueReceiptProgress)
      .values({ eventId, stream, done: to })
      .onConflictDoNothing()
      .returning({ done: queueReceiptProgress.done });
    if (inserted.length > 0) return true;
  }
  const rows = await tx
    .update(queueReceiptProgress)
    .set({ done: to, updatedAt: sql`now()` })
    .where(
      and(
        eq(queueReceiptProgress.eventId, eventId),
        eq(queueReceiptProgress.stream, stream),
        eq(queueReceiptProgress.done, from),
      ),
    )
    .returning({ done: queueReceiptProgress.done });
  return rows.length > 0;
}
