import { sql } from 'drizzle-orm';
import { bigint, check, index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from '../auth/auth.table.js';
import { events } from '../catalog/catalog.table.js';
import { holds } from '../sales/holds.table.js';

export const waitlistStates = ['waiting', 'offered', 'left', 'skipped'] as const;
export type WaitlistState = (typeof waitlistStates)[number];

/**
 * A fan in line for a sold-out sale's returned places. `seq` orders the line (per event, from
 * waitlist_counters). `waiting` entries are offered the next place that comes back, in `seq`
 * order: the offer is a hold made for the fan (`hold_id`), and what became of it (bought,
 * lapsed, let go) is that hold's status. `left`: the fan left the line; `skipped`: the fan's
 * per-account limit was full when their turn came.
 */
export const waitlistEntries = pgTable(
  'waitlist_entries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    eventId: uuid('event_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    state: text('state', { enum: waitlistStates }).notNull().default('waiting'),
    /** The hold that is (or was) this fan's offer. */
    holdId: uuid('hold_id').references(() => holds.id),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    offeredAt: timestamp('offered_at', { withTimezone: true, precision: 3 }),
    leftAt: timestamp('left_at', { withTimezone: true, precision: 3 }),
  },
  (t) => [
    // One entry per account and event: joining again answers the same entry.
    uniqueIndex('waitlist_event_user_unique').on(t.eventId, t.userId),
    uniqueIndex('waitlist_event_seq_unique').on(t.eventId, t.seq),
    // A hold is one fan's offer, never two fans'.
    uniqueIndex('waitlist_hold_unique')
      .on(t.holdId)
      .where(sql`${t.holdId} is not null`),
    // Serves "next in line" and the position count: the waiting entries of an event in order.
    index('waitlist_waiting_idx')
      .on(t.eventId, t.seq)
      .where(sql`${t.state} = 'waiting'`),
    check('waitlist_state_valid', sql`${t.state} in ('waiting','offered','left','skipped')`),
    check('waitlist_offer_has_hold', sql`(${t.state} = 'offered') = (${t.holdId} is not null)`),
  ],
);

/** The last `seq` handed out per event: one row, incremented by each new entry. */
export const waitlistCounters = pgTable('waitlist_counters', {
  eventId: uuid('event_id')
    .primaryKey()
    .references(() => events.id, { onDelete: 'cascade' }),
  lastSeq: bigint('last_seq', { mode: 'number' }).notNull().default(0),
});
