import { sql } from 'drizzle-orm';
import type { Db } from '../db/types.js';
import { queueAdmissions, queueDraws, queueRefusals } from './reports.table.js';

/**
 * Writes of the drop's facts that only the post-drop report reads (reports.table.ts): each one
 * statement for a whole batch, called behind the hot path by the admission scheduler and the
 * refusal counter.
 */

export interface AdmissionFact {
  eventId: string;
  ticketNumber: number;
  entryId: string;
  userId: string;
  tokenHash: string;
  admittedAt: Date;
  tokenExpiresAt: Date;
}

/** One admit call's admissions in one insert; a ticket number already recorded is left as it is. */
export async function recordAdmissions(db: Db, rows: readonly AdmissionFact[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insert(queueAdmissions)
    .values([...rows])
    .onConflictDoNothing();
}

/** The draw of an event's lottery; a second scheduler that finished the same draw keeps the first record. */
export async function recordDraw(
  db: Db,
  row: { eventId: string; drawSize: number; drawnAt: Date; drawMs: number },
): Promise<void> {
  await db.insert(queueDraws).values(row).onConflictDoNothing();
}

export interface RefusalCount {
  eventId: string;
  reason: string;
  minute: Date;
  count: number;
}

/** Adds refusal counts, one upsert for all of them (rows must not repeat a key). */
export async function addRefusals(db: Db, rows: readonly RefusalCount[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insert(queueRefusals)
    .values([...rows])
    .onConflictDoUpdate({
      target: [queueRefusals.eventId, queueRefusals.reason, queueRefusals.minute],
      set: { count: sql`${queueRefusals.count} + excluded.count` },
    });
}
