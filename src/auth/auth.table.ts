import { sql } from 'drizzle-orm';
import { check, doublePrecision, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { LOCALES } from '../i18n/locales.js';

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Stored lower-cased and trimmed; the unique constraint makes "one account per address" hold under races. */
    email: text('email').notNull().unique(),
    passwordHash: text('password_hash').notNull(),
    displayName: text('display_name').notNull(),
    roles: text('roles')
      .array()
      .notNull()
      .default(sql`'{fan}'::text[]`),
    emailVerifiedAt: timestamp('email_verified_at', { withTimezone: true }),
    interests: text('interests')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    homeLabel: text('home_label'),
    homeLat: doublePrecision('home_lat'),
    homeLng: doublePrecision('home_lng'),
    accessibilityNeeds: text('accessibility_needs')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** The most a fan wants to pay for one ticket, all-in, in minor units; used by suggestions. */
    budgetCents: integer('budget_cents'),
    /**
     * The account's language (src/i18n/locales.ts): its mails, pushes and feed are written in it
     * when they are sent or read. Set at registration from the request's language, changed by
     * PATCH /v1/me.
     */
    locale: text('locale', { enum: LOCALES }).notNull().default('en'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [check('users_locale_check', sql`${t.locale} in ('en', 'de', 'es')`)],
);

export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** SHA-256 of the bearer token: a leaked table does not leak sessions. */
    tokenHash: text('token_hash').notNull().unique(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
  },
  // Serves "sign out everywhere" and the expired-session sweep.
  (t) => [index('sessions_user_idx').on(t.userId), index('sessions_expires_idx').on(t.expiresAt)],
);

export const emailVerifications = pgTable('email_verifications', {
  tokenHash: text('token_hash').primaryKey(),
  userId: uuid('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  usedAt: timestamp('used_at', { withTimezone: true }),
});

/**
 * Password-reset links (POST /v1/auth/password-reset). Only the token's SHA-256 is kept; a link
 * works once, for 30 minutes. A request for an address with no account writes a row too, with
 * no account (its token is never mailed, so it resets nothing): both answers do the same work,
 * so their timing does not tell whether the address has an account.
 */
export const passwordResets = pgTable(
  'password_resets',
  {
    tokenHash: text('token_hash').primaryKey(),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
  },
  // Serves retiring an account's open links (a reset used, an address changed).
  (t) => [index('password_resets_user_idx').on(t.userId)],
);

/**
 * Changes of address waiting for their confirmation at the new address (POST /v1/me/email).
 * The address changes only when the link mailed there is used: once, within 24 hours.
 */
export const emailChanges = pgTable(
  'email_changes',
  {
    tokenHash: text('token_hash').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** Lower-cased and trimmed, as `users.email`. */
    newEmail: text('new_email').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
  },
  // Serves retiring an account's open changes (a newer change confirmed, a password reset).
  (t) => [index('email_changes_user_idx').on(t.userId)],
);
