import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { catalogErrors } from '../catalog/catalog.errors.js';
import type { SeatSpec } from '../catalog/layout.js';
import { preparedOnce } from '../platform/prepared.js';
import type { Db } from '../db/types.js';
import { isCheckViolation, isUniqueViolation } from '../db/errors.js';
import { offerReturnedPlaces } from '../waitlist/waitlist.repository.js';
import { gaInventory, seats } from './inventory.table.js';

/**
 * Every change of a seat's or a GA counter's state is ONE conditional statement whose WHERE
 * clause is the rule (`status = 'available'`, `held + sold + n <= capacity`); callers compare
 * the number of rows it touched with what they asked for and roll back on a shortfall. Nothing
 * here reads a state and then decides to write it.
 */

export type SeatRef = {
  id: string;
  section: string;
  row: string;
  number: number;
  accessible: boolean;
};

/** Rows per INSERT: well under Postgres' 65,535 bind parameters (9 columns each). */
const INSERT_CHUNK = 1000;

export async function insertSeats(
  db: Db,
  eventId: string,
  tierId: string,
  specs: readonly SeatSpec[],
): Promise<number> {
  try {
    for (let i = 0; i < specs.length; i += INSERT_CHUNK) {
      await db.insert(seats).values(specs.slice(i, i + INSERT_CHUNK).map((s) => ({ ...s, eventId, tierId })));
    }
    return specs.length;
  } catch (err) {
    if (isUniqueViolation(err, 'seats_position_unique')) throw catalogErrors.seatExists();
    throw err;
  }
}

export async function insertGaInventory(
  db: Db,
  values: { tierId: string; eventId: string; capacity: number },
): Promise<void> {
  await db.insert(gaInventory).values(values);
}

/** The CHECK (held + sold <= capacity) refuses a capacity below what is already taken. */
export async function setGaCapacity(db: Db, tierId: string, capacity: number): Promise<void> {
  try {
    await db.update(gaInventory).set({ capacity }).where(eq(gaInventory.tierId, tierId));
  } catch (err) {
    if (isCheckViolation(err, 'ga_inventory_within_capacity')) throw catalogErrors.capacityBelowTaken();
    throw err;
  }
}

export async function seatMap(db: Db, eventId: string, tierId?: string) {
  return db
    .select({
      id: seats.id,
      tierId: seats.tierId,
      section: seats.section,
      row: seats.row,
      number: seats.number,
      accessible: seats.accessible,
      available: sql<boolean>`${seats.status} = 'available'`,
    })
    .from(seats)
    .where(tierId ? and(eq(seats.eventId, eventId), eq(seats.tierId, tierId)) : eq(seats.eventId, eventId))
    .orderBy(asc(seats.section), asc(seats.rowIndex), asc(seats.number));
}

/** Which of these ids are seats of this event and tier (the rest are unknown or another event's). */
export async function existingSeatIds(
  db: Db,
  eventId: string,
  tierId: string,
  ids: readonly string[],
): Promise<Set<string>> {
  const rows = await db
    .select({ id: seats.id })
    .from(seats)
    .where(and(inArray(seats.id, [...ids]), eq(seats.eventId, eventId), eq(seats.tierId, tierId)));
  return new Set(rows.map((r) => r.id));
}

/** What is left right now: only used to word a refusal, never to decide one. */
export async function remaining(db: Db, tierId: string, kind: 'reserved' | 'ga'): Promise<number> {
  if (kind === 'ga') {
    const [row] = await db
      .select({ left: sql<number>`(${gaInventory.capacity} - ${gaInventory.held} - ${gaInventory.sold})::int` })
      .from(gaInventory)
      .where(eq(gaInventory.tierId, tierId));
    return row?.left ?? 0;
  }
  const [row] = await db
    .select({ left: sql<number>`count(*)::int` })
    .from(seats)
    .where(and(eq(seats.tierId, tierId), eq(seats.status, 'available')));
  return row?.left ?? 0;
}

/**
 * Gives a hold's inventory back: its held seats become available, or its GA quantity leaves `held`.
 * Then, in the same transaction, a sold-out sale's waitlist gets first call on it (every return
 * below does the same: src/waitlist/waitlist.repository.ts, offerReturnedPlaces).
 */
export async function releaseInventory(
  db: Db,
  hold: { id: string; kind: 'seats' | 'ga'; tierId: string; quantity: number },
): Promise<number> {
  if (hold.kind === 'ga') {
    await db
      .update(gaInventory)
      .set({ held: sql`${gaInventory.held} - ${hold.quantity}` })
      .where(eq(gaInventory.tierId, hold.tierId));
    await offerReturnedPlaces(db, { tierId: hold.tierId, quantity: hold.quantity });
    return hold.quantity;
  }
  const rows = await db
    .update(seats)
    .set({ status: 'available', holdId: null, updatedAt: sql`now()` })
    .where(and(eq(seats.holdId, hold.id), eq(seats.status, 'held')))
    .returning({ id: seats.id });
  await offerReturnedPlaces(db, { tierId: hold.tierId, seatIds: rows.map((r) => r.id) });
  return rows.length;
}

/** Every seated purchase runs it: prepared once (see preparedOnce). */
const seatSale = preparedOnce((db) =>
  db
    .update(seats)
    .set({ status: 'sold', updatedAt: sql`now()` })
    .where(and(eq(seats.holdId, sql.placeholder('holdId')), eq(seats.status, 'held')))
    .returning({
      id: seats.id,
      section: seats.section,
      row: seats.row,
      number: seats.number,
      accessible: seats.accessible,
    })
    .prepare('seats_sell'),
);

/** Turns a hold's inventory into sold inventory; returns the seats (empty for GA). */
export async function sellInventory(
  db: Db,
  hold: { id: string; kind: 'seats' | 'ga'; tierId: string; quantity: number },
): Promise<SeatRef[]> {
  if (hold.kind === 'ga') {
    await db
      .update(gaInventory)
      .set({ held: sql`${gaInventory.held} - ${hold.quantity}`, sold: sql`${gaInventory.sold} + ${hold.quantity}` })
      .where(eq(gaInventory.tierId, hold.tierId));
    return [];
  }
  return seatSale(db).execute({ holdId: hold.id });
}

/**
 * Gives sold inventory back (a cancelled ticket, the old seats of an exchange, an order whose
 * payment could not be captured). Conditional on `sold`, so running it twice gives back once.
 */
export async function returnSoldSeats(tx: Db, seatIds: readonly string[]): Promise<number> {
  if (seatIds.length === 0) return 0;
  const rows = await tx
    .update(seats)
    .set({ status: 'available', holdId: null, updatedAt: sql`now()` })
    .where(and(inArray(seats.id, [...seatIds]), eq(seats.status, 'sold')))
    .returning({ id: seats.id, tierId: seats.tierId });
  const tiers = new Map<string, string[]>();
  for (const r of rows) tiers.set(r.tierId, [...(tiers.get(r.tierId) ?? []), r.id]);
  for (const [tierId, ids] of tiers) await offerReturnedPlaces(tx, { tierId, seatIds: ids });
  return rows.length;
}

export async function returnSoldGa(tx: Db, tierId: string, quantity: number): Promise<void> {
  if (quantity <= 0) return;
  const rows = await tx
    .update(gaInventory)
    .set({ sold: sql`${gaInventory.sold} - ${quantity}` })
    .where(and(eq(gaInventory.tierId, tierId), sql`${gaInventory.sold} >= ${quantity}`))
    .returning({ tierId: gaInventory.tierId });
  if (rows.length > 0) await offerReturnedPlaces(tx, { tierId, quantity });
}

/** Seats and GA places still on sale (available; held and sold ones are not). */
export async function unsoldCount(db: Db, eventId: string): Promise<number> {
  const [row] = await db.execute<{ n: number }>(sql`
    select (select count(*) from ${seats} where ${seats.eventId} = ${eventId} and ${seats.status} = 'available')
         + (select coalesce(sum(${gaInventory.capacity} - ${gaInventory.held} - ${gaInventory.sold}), 0) from ${gaInventory} where ${gaInventory.eventId} = ${eventId})
      as n`);
  return Number(row?.n ?? 0);
}

/** Places sold and places still on sale, seats and GA together. */
export async function salesFigures(db: Db, eventId: string): Promise<{ sold: number; remaining: number }> {
  const [row] = await db.execute<{ sold: number; remaining: number }>(sql`
    select (select count(*) from ${seats} where ${seats.eventId} = ${eventId} and ${seats.status} = 'sold')
         + (select coalesce(sum(${gaInventory.sold}), 0) from ${gaInventory} where ${gaInventory.eventId} = ${eventId}) as sold,
           (select count(*) from ${seats} where ${seats.eventId} = ${eventId} and ${seats.status} = 'available')
         + (select coalesce(sum(${gaInventory.capacity} - ${gaInventory.held} - ${gaInventory.sold}), 0) from ${gaInventory} where ${gaInventory.eventId} = ${eventId}) as remaining`);
  return { sold: Number(row?.sold ?? 0), remaining: Number(row?.remaining ?? 0) };
}
