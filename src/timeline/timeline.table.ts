import { sql } from 'drizzle-orm';
import { bigserial, index, integer, jsonb, pgTable, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { users } from '../auth/auth.table.js';

/**
 * Each account's receipts: every state change of its queue entries, holds, orders, payments
 * and tickets, signed with the platform key and chained by the previous entry's hash, so a
 * fan can later prove where they stood and nobody can quietly rewrite the history.
 */
export const timelineEntries = pgTable(
  'timeline_entries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** 1, 2, 3… per account; unique, so the chain can never fork. */
    seq: integer('seq').notNull(),
    kind: text('kind').notNull(),
    subjectType: text('subject_type').notNull(),
    subjectId: text('subject_id').notNull(),
    eventId: uuid('event_id'),
    /** Who caused it: the account itself, an organizer, staff, or null for the system. */
    actorId: uuid('actor_id'),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true, precision: 3 }).notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
    /**
     * Null for a moment after a purchase-path function wrote the entry: its hash chains it at
     * once, and the process that made it signs it right after the commit (src/timeline/receipt-signer.ts;
     * the worker's sweep signs any a crash left, and a read signs what it finds unsigned).
     */
    signature: text('signature'),
    keyId: text('key_id'),
  },
  (t) => [
    unique('timeline_user_seq_unique').on(t.userId, t.seq),
    // Serves GET /v1/orders/:id/timeline and friends.
    index('timeline_subject_idx').on(t.subjectType, t.subjectId),
    // Serves the post-drop report's arrivals: one event's queue receipts (src/reports/report.repository.ts).
    index('timeline_queue_event_idx')
      .on(t.eventId, t.kind)
      .where(sql`${t.subjectType} = 'queue_entry'`),
    // Serves the sweep that signs receipts a crash left unsigned (normally empty).
    index('timeline_unsigned_idx')
      .on(t.id)
      .where(sql`${t.signature} is null`),
  ],
);
