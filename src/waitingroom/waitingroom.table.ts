import { integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { events } from '../catalog/catalog.table.js';

/**
 * How far the waiting room's timeline receipts are written, per event and stream
 * (`joined_pre`, `joined_late`, `drawn`, `admitted`). Redis keeps the queue in arrival and
 * ticket order; the receipt writer walks those lists and moves this mark in the same
 * transaction as the receipts, so every entry gets each receipt exactly once, even across a
 * crash, and joins never wait for Postgres.
 */
export const queueReceiptProgress = pgTable(
  'queue_receipt_progress',
  {
    eventId: uuid('event_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    stream: text('stream').notNull(),
    /** Items of the stream already receipted: list index for joins and the draw, ticket number for admissions. */
    done: integer('done').notNull().default(0),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  // The primary key serves the only lookup: one event's marks.
  (t) => [primaryKey({ columns: [t.eventId, t.stream] })],
);
