import { boolean, check, integer, pgTable, timestamp, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { events } from '../catalog/catalog.table.js';

/**
 * How an event's tickets are coded. No row means the defaults (generation 1, phones only,
 * codes valid from the event's creation): most events never touch this.
 */
export const eventTicketSettings = pgTable(
  'event_ticket_settings',
  {
    eventId: uuid('event_id')
      .primaryKey()
      .references(() => events.id, { onDelete: 'cascade' }),
    /** Static (printed) codes admit at this event: for fans without phones, at the cost of screenshot resistance. */
    printedCodesAllowed: boolean('printed_codes_allowed').notNull().default(false),
    /** Which derived key pair signs this event's codes; bumping it kills every code issued before. */
    keyGeneration: integer('key_generation').notNull().default(1),
    /** Codes do not admit before this (null: from when the event was created). */
    checkinOpensAt: timestamp('checkin_opens_at', { withTimezone: true }),
    /** Holders may list tickets for resale at face value (src/resale/); off: no new listings. */
    resaleEnabled: boolean('resale_enabled').notNull().default(true),
    /** The resale price cap, as a percentage of what was paid for the ticket (100: face value). */
    resaleCapPercent: integer('resale_cap_percent').notNull().default(100),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('event_ticket_settings_generation', sql`${t.keyGeneration} > 0`),
    check('event_ticket_settings_resale_cap', sql`${t.resaleCapPercent} between 1 and 100`),
  ],
);
