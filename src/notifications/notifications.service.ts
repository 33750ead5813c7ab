import { findEvent } from '../catalog/catalog.repository.js';
import type { Db } from '../db/types.js';
import { notFound } from '../shared/errors.js';
import { renderNotice } from './notice-message.js';
import { recipientLocales } from './outbox.repository.js';
import { DEFAULT_LOCALE } from '../i18n/index.js';
import { addWatch, countUnread, feedPage, markRead, removeWatch, watchedEvents } from './notifications.repository.js';

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
    const rows = await feedPage(this.db, userId, options);
    const unread = await countUnread(this.db, userId);
    const locale = (await recipientLocales(this.db, [userId])).get(userId) ?? DEFAULT_LOCALE;
    return {
      // Stored as its message and raw values in `data`; the words are made here, in the account's language.
      items: rows.map((r) => ({
        id: r.id,
        kind: r.kind,
        ...renderNotice(r, 'app', locale),
        data: r.data,
        read: r.readAt !== null,
        createdAt: r.createdAt.toISOString(),
      })),
      unread,
      nextBefore: rows.length === options.limit ? rows.at(-1)!.id : null,
    };
  }

  /** Marks the given notices (or all) read; another account's ids are silently not touched. */
  async markRead(userId: string, ids: number[] | 'all'): Promise<number> {
    return markRead(this.db, userId, ids);
  }

  async watch(userId: string, eventId: string): Promise<void> {
    const event = await findEvent(this.db, eventId);
    // A draft is not public yet: watching it answers as a missing event does.
    if (!event || event.status === 'draft') throw notFound('catalog.event_not_found', 'No event with this id.');
    await addWatch(this.db, userId, eventId);
  }

  async unwatch(userId: string, eventId: string): Promise<void> {
    await removeWatch(this.db, userId, eventId);
  }

  async watching(
    userId: string,
  ): Promise<{ eventId: string; title: string; startsAt: string; status: string; since: string }[]> {
    const rows = await watchedEvents(this.db, userId);
    return rows.map((r) => ({ ...r, startsAt: r.startsAt.toISOString(), since: r.since.toISOString() }));
  }
}
