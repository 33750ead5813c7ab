import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  check,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { users } from '../auth/auth.table.js';
import { events } from '../catalog/catalog.table.js';
import { tickets } from '../tickets/tickets.table.js';
import { scanResults } from './vocabulary.js';

/** Door staff of one event: added by its organizer, they may scan and download its offline bundle. */
export const eventStaff = pgTable(
  'event_staff',
  {
    eventId: uuid('event_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    addedBy: uuid('added_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  // The key serves "is this account staff of this event"; the second index serves "my events" on a scanner.
  (t) => [primaryKey({ columns: [t.eventId, t.userId] }), index('event_staff_user_idx').on(t.userId)],
);

/**
 * Every scan, admitted or refused, online or uploaded from an offline scanner. The partial
 * unique index is the "exactly once" rule: Postgres, not application code, refuses a second
 * admitted row for a ticket, whatever the number of gates racing.
 */
export const checkins = pgTable(
  'checkins',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** Null when the code could not be read as one of our tickets. */
    ticketId: uuid('ticket_id').references(() => tickets.id),
    /**
     * The event the door was scanning for: the one named in the request, or the code's when a
     * scan named none. A scan of another event's ticket is recorded here, at this door, so a
     * nonce and the door report belong to the event whose staff made the scan.
     */
    eventId: uuid('event_id'),
    ticketVersion: integer('ticket_version'),
    result: text('result', { enum: scanResults }).notNull(),
    gate: text('gate').notNull(),
    /** The scanner's id for this scan: a retried request or a re-uploaded offline batch is the same scan. */
    nonce: text('nonce').notNull(),
    staffId: uuid('staff_id').notNull(),
    /**
     * The time the scan was judged at: the server's clock for online scans; for offline ones the
     * scanner's claim moved into its bundle's window (see claimedAt). recordedAt is when we learnt of it.
     */
    scannedAt: timestamp('scanned_at', { withTimezone: true, precision: 3 }).notNull(),
    /** Offline scans only: the time the scanner claimed, kept so a re-upload answers the same and the report can show a clock outside the window. */
    claimedAt: timestamp('claimed_at', { withTimezone: true, precision: 3 }),
    recordedAt: timestamp('recorded_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    offline: boolean('offline').notNull().default(false),
  },
  (t) => [
    uniqueIndex('checkins_admitted_once')
      .on(t.ticketId)
      .where(sql`${t.result} = 'admitted'`),
    // A nonce is one scan at one event's doors: serves the retry lookup (findByNonce) and
    // refuses a second row for a retried scan; another event's nonce is not visible here.
    uniqueIndex('checkins_event_nonce_unique').on(t.eventId, t.nonce),
    // Serves an event's admitted list in the offline bundle and the door report.
    index('checkins_event_idx').on(t.eventId, t.result),
    check(
      'checkins_result_valid',
      sql`${t.result} in ('admitted','already_used','revoked','wrong_event','invalid','not_yet_valid','expired_code')`,
    ),
  ],
);
