import { sql } from 'drizzle-orm';
import type { Db } from '../db/types.js';
import { outbox } from './outbox.table.js';
import { notifications } from './notifications.table.js';

export const OUTBOX_CHANNEL = 'fairdrop_outbox';

export interface Notice {
  userId: string;
  kind: string;
  title: string;
  body: string;
  data?: Record<string, unknown>;
  /** Makes the notice once-only per cause and person; omit for notices that may repeat. */
  dedupeKey?: string;
  /** Also mail it to this address (the account's email). */
  email?: string;
}

/**
 * Records notices in the caller's transaction: the feed row, a push and (optionally) a mail
 * in the outbox, and a NOTIFY that wakes the dispatcher when the transaction commits. Returns
 * the ids of the notices written (a dedupe key already used writes nothing).
 */
export async function notify(tx: Db, notices: readonly Notice[]): Promise<number[]> {
  const ids: number[] = [];
  // One statement per notice: with ON CONFLICT skipping some rows, RETURNING could not be
  // matched back to the notices (and their mail addresses) reliably in a single insert.
  for (const notice of notices) {
    const [row] = await tx
      .insert(notifications)
      .values({ userId: notice.userId, kind: notice.kind, title: notice.title, body: notice.body, data: notice.data ?? {}, dedupeKey: notice.dedupeKey ?? null })
      .onConflictDoNothing({ target: notifications.dedupeKey })
      .returning({ id: notifications.id });
    if (!row) continue;
    const message = { userId: notice.userId, kind: notice.kind, subject: notice.title, body: notice.body, payload: { notificationId: row.id, data: notice.data ?? {} } };
    await tx.insert(outbox).values([
      { ...message, channel: 'push', recipient: notice.userId },
      ...(notice.email ? [{ ...message, channel: 'email' as const, recipient: notice.email }] : []),
    ]);
    ids.push(row.id);
  }
  if (ids.length > 0) await tx.execute(sql`select pg_notify(${OUTBOX_CHANNEL}, '')`);
  return ids;
}
