import { sql } from 'drizzle-orm';
import { bigserial, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from '../auth/auth.table.js';

/**
 * Every message to a person is written here in the same transaction as its cause, then
 * delivered by a worker. A crash can delay a message, never lose or invent one.
 */
export const outbox = pgTable(
  'notification_outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
    kind: text('kind').notNull(),
    /** `push`: socket.io to the open pages; `webpush`: Web Push to the account's devices (push.sender.ts). */
    channel: text('channel', { enum: ['email', 'push', 'webpush'] }).notNull(),
    recipient: text('recipient').notNull(),
    subject: text('subject').notNull(),
    body: text('body').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
    /**
     * A mail that may carry a secret (enqueueEmail): its text and payload, sealed under a key
     * derived from the platform key; `body` is empty then and `payload` holds only ids. Cleared
     * once the mail is sent or has failed for good.
     */
    sealed: text('sealed'),
    /** `skipped`: not needed by the time it was due (a reminder of a pass already used). */
    status: text('status', { enum: ['pending', 'sent', 'failed', 'skipped'] })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    /** Not before this time: a failed delivery backs off instead of hammering a broken SMTP server. */
    availableAt: timestamp('available_at', { withTimezone: true }).notNull().defaultNow(),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
  },
  // Serves the delivery worker's "oldest pending first" scan (only pending rows are indexed).
  (t) => [
    index('outbox_pending_idx')
      .on(t.availableAt, t.id)
      .where(sql`${t.status} = 'pending'`),
  ],
);
