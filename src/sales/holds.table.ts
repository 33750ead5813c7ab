import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from '../auth/auth.table.js';
import { events, priceTiers } from '../catalog/catalog.table.js';

export const holdStatuses = ['active', 'released', 'expired', 'converted'] as const;
export type HoldStatus = (typeof holdStatuses)[number];

/**
 * A fan's claim on some inventory of one tier until `expires_at`. While `active` its seats
 * point at it (`seats.hold_id`) or its quantity is counted in `ga_inventory.held`; `converted`
 * means an order bought it (the seats are sold); `released` and `expired` gave everything back.
 */
export const holds = pgTable(
  'holds',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    eventId: uuid('event_id')
      .notNull()
      .references(() => events.id),
    tierId: uuid('tier_id')
      .notNull()
      .references(() => priceTiers.id),
    kind: text('kind', { enum: ['seats', 'ga'] }).notNull(),
    quantity: integer('quantity').notNull(),
    /** The seats at the time of holding; kept after release so the fan's history still says which. */
    seatIds: uuid('seat_ids')
      .array()
      .notNull()
      .default(sql`'{}'::uuid[]`),
    /** Price per ticket when held: what the fan was shown is what the order charges. */
    unitPriceCents: integer('unit_price_cents').notNull(),
    unitFeeCents: integer('unit_fee_cents').notNull(),
    currency: text('currency').notNull(),
    status: text('status', { enum: holdStatuses }).notNull().default('active'),
    expiresAt: timestamp('expires_at', { withTimezone: true, precision: 3 }).notNull(),
    /** The client's Idempotency-Key: a retried POST /v1/holds finds its first hold instead of holding twice. */
    idempotencyKey: text('idempotency_key').notNull(),
    /** What the request asked for (canonical JSON's SHA-256): the same key with another request is refused. Null on holds made before it was kept. */
    requestHash: text('request_hash'),
    /** SHA-256 of the purchase token redeemed for this hold (queue-mode on-sales). */
    purchaseTokenHash: text('purchase_token_hash'),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    /** When it left `active` (released, expired or converted). */
    endedAt: timestamp('ended_at', { withTimezone: true, precision: 3 }),
  },
  (t) => [
    // Natural idempotency of POST /v1/holds: one hold per account and key, whatever the races.
    uniqueIndex('holds_user_key_unique').on(t.userId, t.idempotencyKey),
    // A purchase token buys one hold, even if the waiting room's single-use check were bypassed.
    uniqueIndex('holds_token_unique')
      .on(t.purchaseTokenHash)
      .where(sql`${t.purchaseTokenHash} is not null`),
    // Serves the expiry sweeper: `status = 'active' and expires_at <= now() order by expires_at`.
    index('holds_active_expiry_idx')
      .on(t.expiresAt)
      .where(sql`${t.status} = 'active'`),
    // Serves the per-account limit count (src/sales/limits.ts): an account's live holds for one event.
    index('holds_user_event_idx')
      .on(t.userId, t.eventId)
      .where(sql`${t.status} in ('active', 'converted')`),
    check('holds_status_valid', sql`${t.status} in ('active','released','expired','converted')`),
    check('holds_kind_valid', sql`${t.kind} in ('seats','ga')`),
    check('holds_quantity_positive', sql`${t.quantity} > 0`),
    check('holds_seats_match', sql`${t.kind} = 'ga' or cardinality(${t.seatIds}) = ${t.quantity}`),
    check('holds_ended_when_not_active', sql`(${t.status} = 'active') = (${t.endedAt} is null)`),
  ],
);
