import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from '../auth/auth.table.js';
import { events } from '../catalog/catalog.table.js';

/**
 * An event's cancellation: written with the event's status change, then worked off by one
 * refund job per order. `completedAt` is set when no order is left pending.
 */
export const eventCancellations = pgTable('event_cancellations', {
  eventId: uuid('event_id')
    .primaryKey()
    .references(() => events.id),
  reason: text('reason').notNull(),
  requestedBy: uuid('requested_by')
    .notNull()
    .references(() => users.id),
  ordersTotal: integer('orders_total').notNull(),
  ticketsRevoked: integer('tickets_revoked').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  /** Set once every holder and watcher has been told (the sweeper finishes an interrupted announcement). */
  announcedAt: timestamp('announced_at', { withTimezone: true }),
  completedAt: timestamp('completed_at', { withTimezone: true }),
});

/**
 * One row per order to refund: the work list the jobs, the sweeper and the progress report
 * share. A row leaves `pending` in the same transaction that refunds its order, so a crash
 * leaves it pending and the work is found again.
 */
export const cancellationRefunds = pgTable(
  'cancellation_refunds',
  {
    eventId: uuid('event_id').notNull(),
    orderId: uuid('order_id').notNull(),
    /** refunded: money went back; voided: the card was never captured; skipped: nothing was paid or it was already refunded. */
    status: text('status', { enum: ['pending', 'refunded', 'voided', 'skipped'] })
      .notNull()
      .default('pending'),
    refundedCents: integer('refunded_cents').notNull().default(0),
    attempts: integer('attempts').notNull().default(0),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.eventId, t.orderId] }),
    // Serves the sweeper's "pending orders of this event" and the progress counts.
    index('cancellation_refunds_pending_idx')
      .on(t.eventId)
      .where(sql`${t.status} = 'pending'`),
    check('cancellation_refunds_status_valid', sql`${t.status} in ('pending','refunded','voided','skipped')`),
  ],
);

/** Each postponement or change of time, doors or venue, as announced to holders and watchers. */
export const eventChanges = pgTable(
  'event_changes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    eventId: uuid('event_id')
      .notNull()
      .references(() => events.id),
    kind: text('kind', { enum: ['postponed', 'changed'] }).notNull(),
    /** What changed, before and after (`startsAt`, `doorsAt`, `venueId`), for the announcement and the audit. */
    before: jsonb('before').$type<Record<string, string | null>>().notNull(),
    after: jsonb('after').$type<Record<string, string | null>>().notNull(),
    /** Postponements: holders may ask for a refund until then. */
    refundUntil: timestamp('refund_until', { withTimezone: true }),
    note: text('note'),
    createdBy: uuid('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  // Serves an event's change history.
  (t) => [index('event_changes_event_idx').on(t.eventId, t.createdAt)],
);
