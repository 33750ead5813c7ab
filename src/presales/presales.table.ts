import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, text, timestamp, unique, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from '../auth/auth.table.js';
import { events } from '../catalog/catalog.table.js';
import { presaleGates, presaleModes, presaleStates } from './vocabulary.js';

/**
 * A presale window of an event: from `opens_at` to `closes_at`, before the general sale, only
 * accounts its gate lets through may hold. Windows of one event never overlap and close by the
 * general sale's start (the service checks both), so at any moment at most one is open, and
 * `fd_hold_create` finds it by time alone. A queue-mode window is its own waiting room, whose
 * room id is the window's id.
 */
export const presaleWindows = pgTable(
  'presale_windows',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    eventId: uuid('event_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    gate: text('gate', { enum: presaleGates }).notNull(),
    mode: text('mode', { enum: presaleModes }).notNull(),
    /** Queue mode: when its pre-queue opens (the draw is at `opens_at`). */
    prequeueOpensAt: timestamp('prequeue_opens_at', { withTimezone: true }),
    opensAt: timestamp('opens_at', { withTimezone: true }).notNull(),
    closesAt: timestamp('closes_at', { withTimezone: true }).notNull(),
    state: text('state', { enum: presaleStates }).notNull().default('scheduled'),
    createdBy: uuid('created_by').references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('presale_window_times', sql`${t.opensAt} < ${t.closesAt}`),
    check(
      'presale_window_prequeue',
      sql`(${t.mode} = 'queue') = (${t.prequeueOpensAt} is not null) and (${t.prequeueOpensAt} is null or ${t.prequeueOpensAt} <= ${t.opensAt})`,
    ),
    check('presale_window_gate', sql`${t.gate} in ('code','allowlist','staff')`),
    check('presale_window_mode', sql`${t.mode} in ('queue','open')`),
    check('presale_window_state', sql`${t.state} in ('scheduled','closed')`),
    // Serves "the window open now for this event" (fd_hold_create) and "an event's windows".
    index('presale_windows_event_idx').on(t.eventId, t.opensAt),
  ],
);

/**
 * A presale code, stored only as its keyed hash (HMAC with a secret derived from the platform
 * key: a copy of the database grants nothing and is no table to guess against). Single-use is
 * `max_uses = 1`; every use binds one account (presale_redemptions) and counts here, under the
 * row's lock, so `uses` never passes `max_uses`.
 */
export const presaleCodes = pgTable(
  'presale_codes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    windowId: uuid('window_id')
      .notNull()
      .references(() => presaleWindows.id, { onDelete: 'cascade' }),
    codeHash: text('code_hash').notNull(),
    /** The code's last four characters, so an organizer can tell codes apart without the code. */
    hint: text('hint').notNull(),
    maxUses: integer('max_uses').notNull(),
    uses: integer('uses').notNull().default(0),
    /** `generated` or `imported`. */
    source: text('source').notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Serves the redemption's lookup by hash; one code per hash per window.
    uniqueIndex('presale_codes_window_hash_unique').on(t.windowId, t.codeHash),
    check('presale_code_uses', sql`${t.maxUses} > 0 and ${t.uses} between 0 and ${t.maxUses}`),
  ],
);

/** An account's use of a code: the code is bound to it from then on (one row per account and window). */
export const presaleRedemptions = pgTable(
  'presale_redemptions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    windowId: uuid('window_id')
      .notNull()
      .references(() => presaleWindows.id, { onDelete: 'cascade' }),
    codeId: uuid('code_id')
      .notNull()
      .references(() => presaleCodes.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Serves "may this account buy in this window" (fd_presale_eligible) and keeps one code per account per window.
    unique('presale_redemptions_window_user_unique').on(t.windowId, t.userId),
    // Serves "who redeemed this code".
    index('presale_redemptions_code_idx').on(t.codeId),
  ],
);

/** An allow-list entry: an account, or an address (matched, lower-cased, to a confirmed account address). */
export const presaleAllowlist = pgTable(
  'presale_allowlist',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    windowId: uuid('window_id')
      .notNull()
      .references(() => presaleWindows.id, { onDelete: 'cascade' }),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
    email: text('email'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('presale_allowlist_one', sql`(${t.userId} is null) <> (${t.email} is null)`),
    // Serve fd_presale_eligible's two lookups and keep each entry once.
    uniqueIndex('presale_allowlist_user_unique').on(t.windowId, t.userId),
    uniqueIndex('presale_allowlist_email_unique').on(t.windowId, t.email),
  ],
);
