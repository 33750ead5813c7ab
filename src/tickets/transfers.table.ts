import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from '../auth/auth.table.js';
import { tickets } from './tickets.table.js';

export const transferStatuses = ['pending', 'accepted', 'cancelled'] as const;
export type TransferStatus = (typeof transferStatuses)[number];

/**
 * A ticket offered to a named person (by email). There is deliberately no price column:
 * Fairdrop transfers are gifts at face value, so a resale market has nothing to hold on to.
 */
export const ticketTransfers = pgTable(
  'ticket_transfers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    ticketId: uuid('ticket_id')
      .notNull()
      .references(() => tickets.id),
    eventId: uuid('event_id').notNull(),
    fromUserId: uuid('from_user_id')
      .notNull()
      .references(() => users.id),
    /** Lower-cased; only the account with this address may accept. */
    toEmail: text('to_email').notNull(),
    /** Set on acceptance (the recipient may not have had an account when it was sent). */
    toUserId: uuid('to_user_id').references(() => users.id),
    message: text('message'),
    /** SHA-256 of the invitation token mailed to the recipient. */
    tokenHash: text('token_hash').notNull().unique(),
    /** The ticket version offered; a ticket changed since (exchanged, moved) cannot be accepted. */
    ticketVersion: integer('ticket_version').notNull(),
    status: text('status', { enum: transferStatuses }).notNull().default('pending'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
  },
  (t) => [
    // One open offer per ticket: a second one while the first is pending is a conflict, not a race.
    uniqueIndex('ticket_transfers_pending_unique')
      .on(t.ticketId)
      .where(sql`${t.status} = 'pending'`),
    // Serves "transfers I sent".
    index('ticket_transfers_from_idx').on(t.fromUserId, t.createdAt),
    // Serves "transfers offered to me" (by address, since the account may come later).
    index('ticket_transfers_to_email_idx')
      .on(t.toEmail)
      .where(sql`${t.status} = 'pending'`),
    check('ticket_transfers_status_valid', sql`${t.status} in ('pending','accepted','cancelled')`),
  ],
);
