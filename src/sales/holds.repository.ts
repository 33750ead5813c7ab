import { and, asc, eq, gt, inArray, lte, sql } from 'drizzle-orm';
import { clientOf, preparedOnce } from '../platform/prepared.js';
import type { Db } from '../db/types.js';
import { tickets } from '../tickets/tickets.joinable.js';
import { holds } from './holds.table.js';
import type { SeatRef } from './inventory.repository.js';
import { seats } from './inventory.table.js';
import type { WrittenReceipt } from '../timeline/receipt-signer.js';

export type HoldRow = typeof holds.$inferSelect;

export async function findHold(db: Db, id: string): Promise<HoldRow | undefined> {
  const [row] = await db.select().from(holds).where(eq(holds.id, id));
  return row;
}

export async function findHoldByKey(db: Db, userId: string, key: string): Promise<HoldRow | undefined> {
  const [row] = await db
    .select()
    .from(holds)
    .where(and(eq(holds.userId, userId), eq(holds.idempotencyKey, key)));
  return row;
}

/*
 * The three ways out of `active`. Each is one conditional UPDATE: only a hold that is still
 * active (and, for expiry, due; for conversion, not yet due) moves, so running any of them
 * twice, or two of them at once, changes a hold exactly once.
 */

export async function markReleased(db: Db, id: string): Promise<HoldRow | undefined> {
  const [row] = await db
    .update(holds)
    .set({ status: 'released', endedAt: sql`now()` })
    .where(and(eq(holds.id, id), eq(holds.status, 'active')))
    .returning();
  return row;
}

export async function markExpired(db: Db, id: string): Promise<HoldRow | undefined> {
  const [row] = await db
    .update(holds)
    .set({ status: 'expired', endedAt: sql`now()` })
    .where(and(eq(holds.id, id), eq(holds.status, 'active'), lte(holds.expiresAt, sql`now()`)))
    .returning();
  return row;
}

/** Every purchase runs it: prepared once (see preparedOnce). */
const conversion = preparedOnce((db) =>
  db
    .update(holds)
    .set({ status: 'converted', endedAt: sql`now()` })
    .where(
      and(
        eq(holds.id, sql.placeholder('id')),
        eq(holds.userId, sql.placeholder('userId')),
        eq(holds.status, 'active'),
        gt(holds.expiresAt, sql`now()`),
      ),
    )
    .returning()
    .prepare('hold_convert'),
);

export async function markConverted(db: Db, id: string, userId: string): Promise<HoldRow | undefined> {
  const [row] = await conversion(db).execute({ id, userId });
  return row;
}

/**
 * The per-account limit's lock (src/sales/limits.ts), on the same key as `fd_hold_create`'s.
 * Sent at once, not when awaited: a statement issued after this call (before awaiting it) goes
 * out behind it on the transaction's connection and so runs with the lock held (one round trip
 * for both).
 */
export function lockAccountEvent(tx: Db, userId: string, eventId: string): Promise<unknown> {
  return clientOf(tx)`select pg_advisory_xact_lock(hashtextextended(${`limit:${userId}:${eventId}`}, 0))`.execute();
}

/**
 * What counts against the per-account limit (src/sales/limits.ts): tickets in the account's
 * live holds (active and not yet past expiry; an expired hold cannot be paid for, even before
 * the sweeper gets to it) plus the valid tickets it holds for the event (bought, or received
 * by transfer or gift; refunded, exchanged and revoked tickets no longer count). A converted
 * hold is not counted: its tickets are, from the same transaction that converted it.
 */
export async function countTowardsLimit(tx: Db, userId: string, eventId: string): Promise<number> {
  const [row] = await tx.execute<{ count: number }>(sql`
    select (
      select coalesce(sum(${holds.quantity}), 0) from ${holds}
      where ${holds.userId} = ${userId} and ${holds.eventId} = ${eventId}
        and ${holds.status} = 'active' and ${holds.expiresAt} > now()
    ) + (
      select count(*) from ${tickets}
      where ${tickets.holderId} = ${userId} and ${tickets.eventId} = ${eventId} and ${tickets.status} = 'valid'
    ) as count`);
  return Number(row?.count ?? 0);
}

/** Active holds past their expiry, oldest first (served by holds_active_expiry_idx). */
export async function dueHoldIds(db: Db, limit: number): Promise<string[]> {
  const rows = await db
    .select({ id: holds.id })
    .from(holds)
    .where(and(eq(holds.status, 'active'), lte(holds.expiresAt, sql`now()`)))
    .orderBy(asc(holds.expiresAt))
    .limit(limit);
  return rows.map((r) => r.id);
}

export async function seatsByIds(db: Db, ids: readonly string[]): Promise<SeatRef[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select({
      id: seats.id,
      section: seats.section,
      row: seats.row,
      number: seats.number,
      accessible: seats.accessible,
    })
    .from(seats)
    .where(inArray(seats.id, [...ids]));
  return rows.sort((a, b) => ids.indexOf(a.id) - ids.indexOf(b.id));
}

/** What `createHold` answers: the hold (this request's, or the one its key made before), its seats, its receipts to sign. */
export interface CreatedHold {
  replay: boolean;
  hold: HoldRow;
  seats: SeatRef[];
  receipts: WrittenReceipt[];
}

/** A `holds` row as `to_jsonb` writes it, back into the shape drizzle reads. */
export function holdFromJson(j: Record<string, unknown>): HoldRow {
  const date = (v: unknown) => (v === null ? null : new Date(v as string));
  return {
    id: j.id as string,
    userId: j.user_id as string,
    eventId: j.event_id as string,
    tierId: j.tier_id as string,
    kind: j.kind as HoldRow['kind'],
    quantity: j.quantity as number,
    seatIds: j.seat_ids as string[],
    unitPriceCents: j.unit_price_cents as number,
    unitFeeCents: j.unit_fee_cents as number,
    currency: j.currency as string,
    status: j.status as HoldRow['status'],
    expiresAt: date(j.expires_at)!,
    idempotencyKey: j.idempotency_key as string,
    requestHash: j.request_hash as string | null,
    purchaseTokenHash: j.purchase_token_hash as string | null,
    createdAt: date(j.created_at)!,
    endedAt: date(j.ended_at),
  };
}

/**
 * POST /v1/holds in one statement: `fd_hold_create` (drizzle/0018) takes the account's lock,
 * answers a replayed key, checks the sale and the token's verdict, counts the limit, takes the
 * seats or the GA places, writes the hold and its receipt, or raises the refusal
 * (src/sales/refusals.ts) and writes nothing.
 */
export async function createHold(
  db: Db,
  q: {
    userId: string;
    eventId: string;
    tierId: string;
    quantity: number;
    seats: readonly string[] | null;
    together: boolean;
    key: string;
    requestHash: string;
    tokenHash: string | null;
    tokenRefused: boolean;
  },
): Promise<CreatedHold> {
  const seatList = q.seats ? `{${q.seats.join(',')}}` : null;
  const [row] = await clientOf(db)<{ r: Record<string, unknown> }[]>`
    select fd_hold_create(${q.userId}::uuid, ${q.eventId}::uuid, ${q.tierId}::uuid, ${q.quantity}::int,
      ${seatList}::uuid[], ${q.together}::boolean, ${q.key}::text, ${q.requestHash}::text, ${q.tokenHash}::text,
      ${q.tokenRefused}::boolean) as r`;
  const r = row!.r;
  return {
    replay: r.replay as boolean,
    hold: holdFromJson(r.hold as Record<string, unknown>),
    seats: r.seats as SeatRef[],
    receipts: r.receipts as WrittenReceipt[],
  };
}
