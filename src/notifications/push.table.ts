import { boolean, index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from '../auth/auth.table.js';

/**
 * A browser's Web Push subscription (RFC 8030 endpoint, RFC 8291 keys), one per endpoint: the
 * push service issues an endpoint to one browser profile, so a second subscribe of the same
 * endpoint (another account signed in on that device) moves it rather than doubling it. A 404 or
 * 410 from the push service means the browser dropped it: the row is deleted then.
 */
export const pushSubscriptions = pgTable(
  'push_subscriptions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    endpoint: text('endpoint').notNull().unique(),
    /** The browser's P-256 public key (base64url, uncompressed point). */
    p256dh: text('p256dh').notNull(),
    /** The 16-byte authentication secret (base64url). */
    auth: text('auth').notNull(),
    /** What the page said the device is ("Chrome on Android"), for the account page's list. */
    label: text('label'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastSuccessAt: timestamp('last_success_at', { withTimezone: true }),
    lastFailureAt: timestamp('last_failure_at', { withTimezone: true }),
    lastError: text('last_error'),
  },
  // Serves "an account's subscriptions" (the account page, and every push the dispatcher sends).
  (t) => [index('push_subscriptions_user_idx').on(t.userId)],
);

/**
 * Which channels an account allows for "your turn" messages (admission and its reminder). No
 * row: the defaults, push on (it needs a subscription anyway) and email on.
 */
export const notificationPreferences = pgTable('notification_preferences', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  turnPush: boolean('turn_push').notNull().default(true),
  turnEmail: boolean('turn_email').notNull().default(true),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
