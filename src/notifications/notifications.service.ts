import { and, desc, eq, inArray, isNull, lt, ne, sql } from 'drizzle-orm';
import { events } from '../catalog/catalog.table.js';
import type { Db } from '../db/types.js';
import { notFound } from '../shared/errors.js';
import { notifications, watches } from './notifications.table.js';

export interface FeedItem {
  id: number;
  kind: string;
  title: string;
  body: string;
  data: Record<string, unknown>;
  read: boolean;
  createdAt: string;
}

export class NotificationService {
  constructor(private readonly db: Db) {}

  async feed(
    userId: string,
    options: { unreadOnly: boolean; before?: number; limit: number },
  ): Promise<{ items: FeedItem[]; unread: number; nextBefore: number | null }> {
    const rows = await this.db
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
    const [count] = await this.db
      .select({ unread: sql<number>`count(*)::int` })
      .from(notifications)
      .where(and(eq(notifications.userId, userId), isNull(notifications.readAt)));
    return {
      items: rows.map((r) => ({
        id: r.id,
        kind: r.kind,
        title: r.title,
        body: r.body,
        data: r.data,
        read: r.readAt !== null,
        createdAt: r.createdAt.toISOString(),
      })),
      unread: count?.unread ?? 0,
      nextBefore: rows.length === options.limit ? rows.at(-1)!.id : null,
    };
  }

  /** Marks the given notices (or all) read; another account's ids are silently not touched. */
  async markRead(userId: string, ids: number[] | 'all'): Promise<number> {
    const updated = await this.db
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

  async watch(userId: string, eventId: string): Promise<void> {
    const [event] = await this.db
      .select({ id: events.id })
      .from(events)
      .where(and(eq(events.id, eventId), ne(events.status, 'draft')));
    if (!event) throw notFound('catalog.event_not_found', 'No event with this id.');
    await this.db.insert(watches).values({ userId, eventId }).onConflictDoNothing();
  }

  async unwatch(userId: string, eventId: string): Promise<void> {
    await this.db.delete(watches).where(and(eq(watches.userId, userId), eq(watches.eventId, eventId)));
  }

  async watching(
    userId: string,
  ): Promise<{ eventId: string; title: string; startsAt: string; status: string; since: string }[]> {
    const rows = await this.db
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
    return rows.map((r) => ({ ...r, startsAt: r.startsAt.toISOString(), since: r.since.toISOString() }));
  }
}
