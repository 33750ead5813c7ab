import type { NoticeMessage } from './notice-message.js';
import { bigserial, index, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from '../auth/auth.table.js';
import { events } from '../catalog/catalog.table.js';

/** A fan's in-app feed (`GET /v1/me/notifications`); each row is also pushed and, when it matters, mailed. */
export const notifications = pgTable(
  'notifications',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    title: text('title').notNull(),
    body: text('body').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
    /**
     * What it says, as catalogue keys and values (notice-message.ts): the feed writes it in the
     * account's language when read. Null for a notice written before messages: its title and
     * body (English) are shown then.
     */
    message: jsonb('message').$type<NoticeMessage>(),
    /**
     * One notification per cause and person (`event.cancelled:<event>:<user>`): a job that runs
     * twice, or a retried request, cannot notify twice.
     */
    dedupeKey: text('dedupe_key').unique(),
    readAt: timestamp('read_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  // Serves the feed: newest first, per account.
  (t) => [index('notifications_user_idx').on(t.userId, t.id)],
);

/** Fans following an event: told when its pre-queue opens, when tickets come back, when it changes. */
export const watches = pgTable(
  'watches',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    eventId: uuid('event_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  // The primary key serves "my watches"; the second index serves "who watches this event" for fan-out.
  (t) => [primaryKey({ columns: [t.userId, t.eventId] }), index('watches_event_idx').on(t.eventId)],
);
