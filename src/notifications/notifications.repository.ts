import { and, desc, eq, inArray, isNull, lt, sql } from 'drizzle-orm';
import { events } from '../catalog/catalog.joinable.js';
import type { Db } from '../db/types.js';
import { englishWords, type NoticeMessage } from './notice-message.js';
import { notifications, watches } from './notifications.table.js';
import { OUTBOX_CHANNEL } from './outbox.repository.js';
import { outbox } from './outbox.table.js';

export type NotificationRow = typeof notifications.$inferSelect;

export type Notice = {
  userId: string;
  kind: string;
  /** The raw values the text names (instants as ISO strings) and, for an event's times, its `timeZone`. */
  data?: Record<string, unknown>;
  /** Makes the notice once-only per cause and person; omit for notices that may repeat. */
  dedupeKey?: string;
  /**
   * Also mail it to this address (the account's email). The mail's text is the notice's, kept
   * in clear like the feed row: a mail that carries a secret goes through enqueueEmail, which seals it.
   */
  email?: string;
} & (
  | {
      /**
       * What it says, as catalogue keys and values (notice-message.ts), written in the reader's
       * language when read; a time is a placeholder (`timeIn('startsAt')`, notice-text.ts) for a value in `data`.
       */
      message: NoticeMessage;
    }
  | {
      /** Words in one language, shown as they are to every reader (a tool's or a test's notice). */
      title: string;
      body: string;
    }
);

/** A notice's stored form: English words for the title and body columns, and its message beside them. */
function stored(notice: Notice): {
  title: string;
  body: string;
  data: Record<string, unknown>;
  message: NoticeMessage | null;
} {
  const data = notice.data ?? {};
  if (!('message' in notice)) return { title: notice.title, body: notice.body, data, message: null };
  return { ...englishWords(notice.message), data, message: notice.message };
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
    const kept = stored(notice);
    const data = JSON.stringify(kept.data);
    const message = kept.message && JSON.stringify(kept.message);
    const rows = await tx.execute<{ id: number | string }>(sql`
      with feed as (
        insert into ${notifications} (user_id, kind, title, body, data, message, dedupe_key)
        values (${notice.userId}, ${notice.kind}, ${kept.title}, ${kept.body}, ${data}::jsonb, ${message}::jsonb, ${notice.dedupeKey ?? null})
        on conflict (dedupe_key) do nothing
        returning id
      ), queued as (
        insert into ${outbox} (user_id, kind, channel, recipient, subject, body, payload)
        select ${notice.userId}::uuid, ${notice.kind}, c.channel, c.recipient, ${kept.title}, ${kept.body}, jsonb_build_object('notificationId', feed.id, 'data', ${data}::jsonb) || case when ${message}::jsonb is null then '{}'::jsonb else jsonb_build_object('message', ${message}::jsonb) end
        from feed cross join (values ('push', ${notice.userId}::text), ('email', ${notice.email ?? null}::text)) as c(channel, recipient)
        where c.recipient is not null
        returning 1
      )
      select feed.id, pg_notify(${OUTBOX_CHANNEL}, '')::text as woke from feed`);
    ids.push(...[...rows].map((r) => Number(r.id)));
  }
  return ids;
}

/**
 * What notify() does (feed row, push, optional mail, NOTIFY; a used dedupe key writes
 * nothing), as two statements for a whole batch instead of two per person: a cancellation
 * tells thousands. Rows are matched back by their dedupe key, which is unique, so every
 * mail goes to the person whose notice was new. Every notice here has a dedupe key.
 */
export async function notifyBatch(tx: Db, notices: readonly (Notice & { dedupeKey: string })[]): Promise<number> {
  const kept = new Map(notices.map((n) => [n.dedupeKey, stored(n)]));
  const written = await tx
    .insert(notifications)
    .values(
      notices.map((n) => {
        const { title, body, data, message } = kept.get(n.dedupeKey)!;
        return { userId: n.userId, kind: n.kind, title, body, data, message, dedupeKey: n.dedupeKey };
      }),
    )
    .onConflictDoNothing({ target: notifications.dedupeKey })
    .returning({ id: notifications.id, dedupeKey: notifications.dedupeKey });
  if (written.length === 0) return 0;
  const byKey = new Map(notices.map((n) => [n.dedupeKey, n]));
  const rows = written.flatMap(({ id, dedupeKey }) => {
    const n = byKey.get(dedupeKey!)!;
    const { title, body, data, message: said } = kept.get(dedupeKey!)!;
    const payload = { notificationId: id, data, ...(said ? { message: said } : {}) };
    const message = { userId: n.userId, kind: n.kind, subject: title, body, payload };
    return [
      { ...message, channel: 'push' as const, recipient: n.userId },
      ...(n.email ? [{ ...message, channel: 'email' as const, recipient: n.email }] : []),
    ];
  });
  await tx.insert(outbox).values(rows);
  await tx.execute(sql`select pg_notify(${OUTBOX_CHANNEL}, '')`);
  return written.length;
}

/** A page of an account's feed, newest first, before the id `before` (served by notifications_user_idx). */
export async function feedPage(
  db: Db,
  userId: string,
  options: { unreadOnly: boolean; before?: number; limit: number },
): Promise<NotificationRow[]> {
  return db
    .select()
    .from(notifications)
    .where(
      and(
        eq(notifications.userId, userId),
        options.unreadOnly ? isNull(notifications.readAt) : undefined,
        options.before ? lt(notifications.id, options.before) : undefined,
      ),
    )
    .orderBy(desc(notifications.id))
    .limit(options.limit);
}

export async function countUnread(db: Db, userId: string): Promise<number> {
  const [count] = await db
    .select({ unread: sql<number>`count(*)::int` })
    .from(notifications)
    .where(and(eq(notifications.userId, userId), isNull(notifications.readAt)));
  return count?.unread ?? 0;
}

/** Marks the account's unread notices with these ids (or all of them) read; returns how many. */
export async function markRead(db: Db, userId: string, ids: number[] | 'all'): Promise<number> {
  const updated = await db
    .update(notifications)
    .set({ readAt: sql`now()` })
    .where(
      and(
        eq(notifications.userId, userId),
        isNull(notifications.readAt),
        ids === 'all' ? undefined : inArray(notifications.id, ids),
      ),
    )
    .returning({ id: notifications.id });
  return updated.length;
}

export async function addWatch(db: Db, userId: string, eventId: string): Promise<void> {
  await db.insert(watches).values({ userId, eventId }).onConflictDoNothing();
}

export async function removeWatch(db: Db, userId: string, eventId: string): Promise<void> {
  await db.delete(watches).where(and(eq(watches.userId, userId), eq(watches.eventId, eventId)));
}

/** The events an account watches, soonest first, with when it started watching each. */
export async function watchedEvents(
  db: Db,
  userId: string,
): Promise<{ eventId: string; title: string; startsAt: Date; status: string; since: Date }[]> {
  return db
    .select({
      eventId: watches.eventId,
      title: events.title,
      startsAt: events.startsAt,
      status: events.status,
      since: watches.createdAt,
    })
    .from(watches)
    .innerJoin(events, eq(events.id, watches.eventId))
    .where(eq(watches.userId, userId))
    .orderBy(events.startsAt);
}
