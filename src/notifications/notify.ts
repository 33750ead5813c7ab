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
  /**
   * Also mail it to this address (the account's email). The mail's text is the notice's, kept
   * in clear like the feed row: a mail that carries a secret goes through enqueueEmail, which seals it.
   */
  email?: string;
}

/**
 * Records notices in the caller's transaction: the feed row, a push and (optionally) a mail
 * in the outbox, and a NOTIFY that wakes the dispatcher when the transaction commits. Returns
 * the ids of the notices written (a dedupe key already used writes nothing).
 *
 * One statement per notice: the feed row's insert, the outbox rows made from what it returned
 * (none when ON CONFLICT skipped it) and the NOTIFY (only then too), as data-modifying CTEs.
 * Several NOTIFYs of one transaction on one channel reach listeners as one.
 */
export async function notify(tx: Db, notices: readonly Notice[]): Promise<number[]> {
  const ids: number[] = [];
  for (const notice of notices) {
    const data = JSON.stringify(notice.data ?? {});
    const rows = await tx.execute<{ id: number | string }>(sql`
      with feed as (
        insert into ${notifications} (user_id, kind, title, body, data, dedupe_key)
        values (${notice.userId}, ${notice.kind}, ${notice.title}, ${notice.body}, ${data}::jsonb, ${notice.dedupeKey ?? null})
        on conflict (dedupe_key) do nothing
        returning id
      ), queued as (
        insert into ${outbox} (user_id, kind, channel, recipient, subject, body, payload)
        select ${notice.userId}::uuid, ${notice.kind}, c.channel, c.recipient, ${notice.title}, ${notice.body}, jsonb_build_object('notificationId', feed.id, 'data', ${data}::jsonb)
        from feed cross join (values ('push', ${notice.userId}::text), ('email', ${notice.email ?? null}::text)) as c(channel, recipient)
        where c.recipient is not null
        returning 1
      )
      select feed.id, pg_notify(${OUTBOX_CHANNEL}, '')::text as woke from feed`);
    ids.push(...[...rows].map((r) => Number(r.id)));
  }
  return ids;
}
