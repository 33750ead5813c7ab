import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, pgTable, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { events, priceTiers } from '../catalog/catalog.table.js';
import { holds } from './holds.table.js';

export const seatStatuses = ['available', 'held', 'sold'] as const;
export type SeatStatus = (typeof seatStatuses)[number];

/**
 * One reserved seat. Its status only ever changes through conditional UPDATEs
 * (`… where status = 'available'`), so two buyers can never both take it; the CHECK ties
 * "not available" to "belongs to a hold", so no code path can leave an orphaned held seat.
 */
export const seats = pgTable(
  'seats',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    eventId: uuid('event_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    tierId: uuid('tier_id')
      .notNull()
      .references(() => priceTiers.id, { onDelete: 'cascade' }),
    section: text('section').notNull(),
    row: text('row').notNull(),
    /** The row's position from the stage (1 = front), so "best" can order rows named A, B, AA… */
    rowIndex: integer('row_index').notNull(),
    /** Seat number in the row; consecutive numbers are side by side. */
    number: integer('number').notNull(),
    accessible: boolean('accessible').notNull().default(false),
    status: text('status', { enum: seatStatuses }).notNull().default('available'),
    /** The hold that took it (kept once sold, so the order and the limit count can trace it). */
    holdId: uuid('hold_id').references(() => holds.id),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Also serves the seat map of an event (`where event_id = $1`, its leading column).
    unique('seats_position_unique').on(t.eventId, t.section, t.row, t.number),
    // Serves best-available picking: `tier_id = $1 and status = 'available' order by section, row_index, number`.
    index('seats_available_idx')
      .on(t.tierId, t.section, t.rowIndex, t.number)
      .where(sql`${t.status} = 'available'`),
    // Serves release, expiry and conversion: `where hold_id = $1`.
    index('seats_hold_idx')
      .on(t.holdId)
      .where(sql`${t.holdId} is not null`),
    check('seats_status_valid', sql`${t.status} in ('available','held','sold')`),
    check('seats_hold_matches_status', sql`(${t.status} = 'available') = (${t.holdId} is null)`),
    check('seats_number_positive', sql`${t.number} > 0 and ${t.rowIndex} > 0`),
  ],
);

/**
 * The counter of a general-admission tier. Holding is `held = held + n where held + sold + n
 * <= capacity`; the CHECK makes overselling a constraint violation even for a buggy caller.
 */
export const gaInventory = pgTable(
  'ga_inventory',
  {
    tierId: uuid('tier_id')
      .primaryKey()
      .references(() => priceTiers.id, { onDelete: 'cascade' }),
    eventId: uuid('event_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    capacity: integer('capacity').notNull(),
    held: integer('held').notNull().default(0),
    sold: integer('sold').notNull().default(0),
  },
  (t) => [
    // Serves "GA availability of an event" on the event page and in discovery.
    index('ga_inventory_event_idx').on(t.eventId),
    check('ga_inventory_non_negative', sql`${t.capacity} >= 0 and ${t.held} >= 0 and ${t.sold} >= 0`),
    check('ga_inventory_within_capacity', sql`${t.held} + ${t.sold} <= ${t.capacity}`),
  ],
);
