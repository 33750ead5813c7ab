import { integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { events } from '../catalog/catalog.table.js';

/**
 * The facts of a drop that nothing else kept in Postgres, recorded for the post-drop report
 * (GET /v1/organizer/events/:id/report). Joins, draws and admissions happen in Redis; the
 * receipts say who joined and was admitted, but not when the lottery ran, how long a token
 * lived, whether it bought anything, or how many joins were refused. Each table is written
 * in batches behind the hot path: never a round trip per join.
 */

/**
 * One row per ticket number admitted, written by the admission scheduler's tick in one
 * multi-row insert per admit call. `tokenHash` is SHA-256 of the purchase token, as
 * holds.purchase_token_hash stores it: a token is used when a hold carries its hash.
 */
export const queueAdmissions = pgTable(
  'queue_admissions',
  {
    eventId: uuid('event_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    ticketNumber: integer('ticket_number').notNull(),
    entryId: text('entry_id').notNull(),
    userId: uuid('user_id').notNull(),
    tokenHash: text('token_hash').notNull(),
    admittedAt: timestamp('admitted_at', { withTimezone: true, precision: 3 }).notNull(),
    tokenExpiresAt: timestamp('token_expires_at', { withTimezone: true, precision: 3 }).notNull(),
  },
  // The key serves the report's per-event scan and makes a replayed insert a no-op.
  (t) => [primaryKey({ columns: [t.eventId, t.ticketNumber] })],
);

/** The lottery draw of a queue on-sale: when it ran and over how many pre-queue entries. */
export const queueDraws = pgTable('queue_draws', {
  eventId: uuid('event_id')
    .primaryKey()
    .references(() => events.id, { onDelete: 'cascade' }),
  drawSize: integer('draw_size').notNull(),
  drawnAt: timestamp('drawn_at', { withTimezone: true, precision: 3 }).notNull(),
  /** How long the draw took, in milliseconds. */
  drawMs: integer('draw_ms').notNull(),
});

/**
 * Joins refused before they reached the queue (a missing or wrong proof of work, a rate limit),
 * counted per event, reason and minute. Each API node adds its counts in batches (upsert of
 * count = count + n), so a bot storm costs a few statements a second, not one per refusal.
 */
export const queueRefusals = pgTable(
  'queue_refusals',
  {
    eventId: uuid('event_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    reason: text('reason').notNull(),
    minute: timestamp('minute', { withTimezone: true }).notNull(),
    count: integer('count').notNull(),
  },
  // The key is the upsert's conflict target and serves the report's per-event read.
  (t) => [primaryKey({ columns: [t.eventId, t.reason, t.minute] })],
);
