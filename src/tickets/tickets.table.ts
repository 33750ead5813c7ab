import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from '../auth/auth.table.js';
import { events, priceTiers } from '../catalog/catalog.table.js';
import { seats } from '../sales/inventory.table.js';

export const ticketStatuses = ['valid', 'cancelled', 'exchanged', 'revoked'] as const;
export type TicketStatus = (typeof ticketStatuses)[number];

/**
 * One admission: a reserved seat or one general-admission place. `version` starts at 1 and is
 * bumped by a transfer or an exchange, which kills every code signed for the old version.
 */
export const tickets = pgTable(
  'tickets',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orderId: uuid('order_id').notNull(),
    orderItemId: uuid('order_item_id').notNull(),
    eventId: uuid('event_id')
      .notNull()
      .references(() => events.id),
    tierId: uuid('tier_id')
      .notNull()
      .references(() => priceTiers.id),
    /** Null for general admission. */
    seatId: uuid('seat_id').references(() => seats.id),
    holderId: uuid('holder_id')
      .notNull()
      .references(() => users.id),
    attendeeName: text('attendee_name'),
    attendeeEmail: text('attendee_email'),
    version: integer('version').notNull().default(1),
    /**
     * The resale listing it is on (src/resale/), null when not listed. Set and cleared under the
     * ticket's row lock, so a transfer or gift of a listed ticket is refused, never raced.
     */
    resaleListingId: uuid('resale_listing_id'),
    status: text('status', { enum: ticketStatuses }).notNull().default('valid'),
    issuedAt: timestamp('issued_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // A seat has at most one valid ticket: a second sale of a seat is a constraint violation.
    uniqueIndex('tickets_valid_seat_unique')
      .on(t.seatId)
      .where(sql`${t.status} = 'valid' and ${t.seatId} is not null`),
    // Serves "my tickets" and the per-account count.
    index('tickets_holder_event_idx').on(t.holderId, t.eventId),
    // Serves an order's tickets.
    index('tickets_order_idx').on(t.orderId),
    check('tickets_status_valid', sql`${t.status} in ('valid','cancelled','exchanged','revoked')`),
    check('tickets_version_positive', sql`${t.version} > 0`),
  ],
);
