import { sql } from 'drizzle-orm';
import { bigserial, boolean, check, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from '../auth/auth.table.js';
import { events } from '../catalog/catalog.table.js';
import { onsaleModes, onsaleStates } from './vocabulary.js';

export type { OnsaleState } from './vocabulary.js';

/**
 * How an event goes on sale. `queue`: fans wait in the waiting room and need a purchase token
 * to hold seats; `open`: anyone signed in may hold from `sale_starts_at`. The API validates
 * the tuning numbers with tighter bounds than these CHECKs, which only keep nonsense out.
 */
export const onsaleSettings = pgTable(
  'onsale_settings',
  {
    eventId: uuid('event_id')
      .primaryKey()
      .references(() => events.id, { onDelete: 'cascade' }),
    mode: text('mode', { enum: onsaleModes }).notNull(),
    prequeueOpensAt: timestamp('prequeue_opens_at', { withTimezone: true }),
    saleStartsAt: timestamp('sale_starts_at', { withTimezone: true }).notNull(),
    saleEndsAt: timestamp('sale_ends_at', { withTimezone: true }),
    /** Admission as a rate… */
    admitPerMinute: integer('admit_per_minute'),
    /** …or as a batch every tick. */
    batchSize: integer('batch_size'),
    tickSeconds: integer('tick_seconds'),
    purchaseTokenTtlSeconds: integer('purchase_token_ttl_seconds').notNull().default(600),
    holdTtlSeconds: integer('hold_ttl_seconds').notNull().default(480),
    perAccountLimit: integer('per_account_limit'),
    /** Leading zero bits asked of the join proof-of-work; 0 turns it off. */
    powDifficulty: integer('pow_difficulty').notNull().default(0),
    /**
     * Queue mode: only accounts with a confirmed email address may join the waiting room, so a
     * crowd of throwaway sign-ups cannot dilute the draw. The API writes it on every PUT (true
     * unless the organizer says otherwise for a queue sale, false for an open one); the
     * column's default is the safe side for a queue row written any other way.
     */
    requireVerifiedEmail: boolean('require_verified_email').notNull().default(true),
    state: text('state', { enum: onsaleStates }).notNull().default('scheduled'),
    updatedBy: uuid('updated_by').references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('onsale_mode_valid', sql`${t.mode} in ('queue','open')`),
    check('onsale_state_valid', sql`${t.state} in ('scheduled','paused','closed')`),
    check(
      'onsale_times_ordered',
      sql`(${t.prequeueOpensAt} is null or ${t.prequeueOpensAt} <= ${t.saleStartsAt}) and (${t.saleEndsAt} is null or ${t.saleEndsAt} > ${t.saleStartsAt})`,
    ),
    check('onsale_ttls_positive', sql`${t.holdTtlSeconds} > 0 and ${t.purchaseTokenTtlSeconds} > 0`),
    check('onsale_pow_range', sql`${t.powDifficulty} between 0 and 32`),
    check('onsale_limit_positive', sql`${t.perAccountLimit} is null or ${t.perAccountLimit} > 0`),
  ],
);

/**
 * Every change to an on-sale once fans could see it (from the pre-queue opening): who changed
 * what, before and after. Fans who waited can be shown that the rules did not move under them,
 * or exactly when and how they did.
 */
export const onsaleAudit = pgTable(
  'onsale_audit',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    eventId: uuid('event_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    actorId: uuid('actor_id').references(() => users.id),
    /** `settings.updated`, and later `paused`, `resumed`, `closed` from the waiting room. */
    action: text('action').notNull(),
    before: jsonb('before').$type<Record<string, unknown>>(),
    after: jsonb('after').$type<Record<string, unknown>>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  // Serves "the audit trail of an event, oldest first".
  (t) => [index('onsale_audit_event_idx').on(t.eventId, t.id)],
);
