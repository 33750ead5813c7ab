import { sql } from 'drizzle-orm';
import {
  bigserial,
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
import { LOCALES } from '../i18n/locales.js';
import { tickets } from '../tickets/tickets.table.js';

export const walletKinds = ['apple', 'google'] as const;
export type WalletKind = (typeof walletKinds)[number];

/**
 * A pass handed to one holder of one ticket, in one wallet. Its id is the pass's serial number
 * (Apple) or the object's identifier (Google). A ticket that changes hands gets a new pass for
 * its new holder; the old holder's pass stays, and is served voided. `updated_at` is touched
 * by `fd_wallet_ticket_changed` (drizzle/0029_wallet_passes.sql) in the transaction that
 * changes the ticket: Apple devices ask which passes changed since a moment, and are told.
 */
export const walletPasses = pgTable(
  'wallet_passes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    ticketId: uuid('ticket_id')
      .notNull()
      .references(() => tickets.id, { onDelete: 'cascade' }),
    holderId: uuid('holder_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: walletKinds }).notNull(),
    /**
     * The language its labels and dates are written in: the holder's when they last downloaded
     * it. A device refreshing the pass, and the Google updates, have no request of the holder's
     * to negotiate from, so the pass keeps it.
     */
    locale: text('locale', { enum: LOCALES }).notNull().default('en'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // One pass per holder, ticket and wallet: downloading again serves the same serial. Its
    // leading column serves the trigger's "passes of this ticket".
    uniqueIndex('wallet_passes_ticket_holder_kind').on(t.ticketId, t.holderId, t.kind),
    check('wallet_passes_kind_valid', sql`${t.kind} in ('apple','google')`),
    check('wallet_passes_locale_valid', sql`${t.locale} in ('en','de','es')`),
  ],
);

/**
 * Apple devices that installed a pass and asked to hear of its changes (PassKit web service:
 * register / unregister). `push_token` is what APNs would be told to wake; the serials a device
 * asks about are the passes it registered for.
 */
export const walletRegistrations = pgTable(
  'wallet_registrations',
  {
    deviceId: text('device_id').notNull(),
    passId: uuid('pass_id')
      .notNull()
      .references(() => walletPasses.id, { onDelete: 'cascade' }),
    pushToken: text('push_token').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.deviceId, t.passId] })],
);

/**
 * Google Wallet objects to bring up to date (an outbox): a row is written by
 * `fd_wallet_ticket_changed` in the transaction that changed the ticket, and sent by the wallet
 * worker (wallet.jobs.ts), which builds the object's state from the ticket as it is then.
 */
export const walletGoogleUpdates = pgTable(
  'wallet_google_updates',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    passId: uuid('pass_id')
      .notNull()
      .references(() => walletPasses.id, { onDelete: 'cascade' }),
    status: text('status', { enum: ['pending', 'sent', 'failed'] })
      .notNull()
      .default('pending'),
    /** What was sent: ACTIVE (the new seat), INACTIVE (changed hands), EXPIRED (cancelled, refunded). */
    state: text('state'),
    attempts: integer('attempts').notNull().default(0),
    availableAt: timestamp('available_at', { withTimezone: true }).notNull().defaultNow(),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
  },
  (t) => [
    // Serves the worker's "oldest pending first" claim.
    index('wallet_google_updates_pending_idx')
      .on(t.availableAt, t.id)
      .where(sql`${t.status} = 'pending'`),
    check('wallet_google_updates_status_valid', sql`${t.status} in ('pending','sent','failed')`),
  ],
);
