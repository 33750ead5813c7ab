import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/types.js';
import { isUniqueViolation } from '../db/errors.js';
import { gaInventory, seats } from '../sales/sales.joinable.js';
import { catalogErrors } from './catalog.errors.js';
import { events, priceTiers, venues } from './catalog.table.js';

export type VenueRow = typeof venues.$inferSelect;
export type EventRow = typeof events.$inferSelect;
export type TierRow = typeof priceTiers.$inferSelect;
export interface TierWithStock extends TierRow {
  capacity: number;
  available: number;
}

export async function insertVenue(db: Db, values: typeof venues.$inferInsert): Promise<VenueRow> {
  const [row] = await db.insert(venues).values(values).returning();
  return row!;
}

export async function updateVenue(
  db: Db,
  id: string,
  patch: Partial<typeof venues.$inferInsert>,
): Promise<VenueRow | undefined> {
  const [row] = await db
    .update(venues)
    .set({ ...patch, updatedAt: sql`now()` })
    .where(eq(venues.id, id))
    .returning();
  return row;
}

export async function findVenue(db: Db, id: string): Promise<VenueRow | undefined> {
  const [row] = await db.select().from(venues).where(eq(venues.id, id));
  return row;
}

export async function insertEvent(db: Db, values: typeof events.$inferInsert): Promise<EventRow> {
  const [row] = await db.insert(events).values(values).returning();
  return row!;
}

export async function updateEvent(
  db: Db,
  id: string,
  patch: Partial<typeof events.$inferInsert>,
): Promise<EventRow | undefined> {
  const [row] = await db
    .update(events)
    .set({ ...patch, updatedAt: sql`now()` })
    .where(eq(events.id, id))
    .returning();
  return row;
}

/**
 * Moves an event in time or place (`postponed` marks it so too). A refund deadline given is
 * applied only if it is later than the event's own.
 */
export async function moveEvent(
  tx: Db,
  id: string,
  move: {
    startsAt: Date;
    doorsAt: Date | null;
    endsAt: Date | null;
    venueId: string;
    postponed: boolean;
    refundUntil: Date | null;
  },
): Promise<void> {
  await tx
    .update(events)
    .set({
      startsAt: move.startsAt,
      doorsAt: move.doorsAt,
      endsAt: move.endsAt,
      venueId: move.venueId,
      ...(move.postponed ? { status: 'postponed' as const } : {}),
      // Never shorten a refund deadline the fans already had.
      ...(move.refundUntil
        ? { refundableUntil: sql`greatest(${events.refundableUntil}, ${move.refundUntil.toISOString()}::timestamptz)` }
        : {}),
      updatedAt: new Date(),
    })
    .where(eq(events.id, id));
}

/** `forUpdate` serialises concurrent changes of one event (status transitions, tier currency). */
export async function findEvent(
  db: Db,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<EventRow | undefined> {
  const query = db.select().from(events).where(eq(events.id, id));
  const [row] = options.forUpdate ? await query.for('update') : await query;
  return row;
}

/** What an order change is judged by: the event's status, its refund deadline and its start. */
export async function eventChangePolicy(
  db: Db,
  id: string,
): Promise<Pick<EventRow, 'status' | 'refundableUntil' | 'startsAt' | 'doorsAt'> | undefined> {
  const [row] = await db
    .select({
      status: events.status,
      refundableUntil: events.refundableUntil,
      startsAt: events.startsAt,
      doorsAt: events.doorsAt,
    })
    .from(events)
    .where(eq(events.id, id));
  return row;
}

export async function insertTier(db: Db, values: typeof priceTiers.$inferInsert): Promise<TierRow> {
  try {
    const [row] = await db.insert(priceTiers).values(values).returning();
    return row!;
  } catch (err) {
    if (isUniqueViolation(err, 'price_tiers_event_name_unique')) throw catalogErrors.tierNameTaken();
    throw err;
  }
}

export async function updateTier(
  db: Db,
  id: string,
  patch: Partial<typeof priceTiers.$inferInsert>,
): Promise<TierRow | undefined> {
  try {
    const [row] = await db.update(priceTiers).set(patch).where(eq(priceTiers.id, id)).returning();
    return row;
  } catch (err) {
    if (isUniqueViolation(err, 'price_tiers_event_name_unique')) throw catalogErrors.tierNameTaken();
    throw err;
  }
}

export async function findTier(db: Db, eventId: string, tierId: string): Promise<TierRow | undefined> {
  const [row] = await db.select().from(priceTiers).where(eq(priceTiers.id, tierId));
  return row?.eventId === eventId ? row : undefined;
}

/** An event's tiers with live stock: seats not held or sold, or GA capacity minus held and sold. */
export async function listTiersWithStock(db: Db, eventId: string): Promise<TierWithStock[]> {
  const rows = await db
    .select({
      tier: priceTiers,
      gaCapacity: gaInventory.capacity,
      gaTaken: sql<number>`(${gaInventory.held} + ${gaInventory.sold})::int`,
      seatCount: sql<number>`(select count(*)::int from ${seats} where ${seats.tierId} = ${priceTiers.id})`,
      seatsFree: sql<number>`(select count(*)::int from ${seats} where ${seats.tierId} = ${priceTiers.id} and ${seats.status} = 'available')`,
    })
    .from(priceTiers)
    .leftJoin(gaInventory, eq(gaInventory.tierId, priceTiers.id))
    .where(eq(priceTiers.eventId, eventId))
    .orderBy(asc(priceTiers.sortOrder), asc(priceTiers.createdAt));
  return rows.map(({ tier, gaCapacity, gaTaken, seatCount, seatsFree }) =>
    tier.kind === 'ga'
      ? { ...tier, capacity: gaCapacity ?? 0, available: (gaCapacity ?? 0) - (gaTaken ?? 0) }
      : { ...tier, capacity: seatCount, available: seatsFree },
  );
}

export async function eventCurrency(db: Db, eventId: string): Promise<string | undefined> {
  const [row] = await db
    .select({ currency: priceTiers.currency })
    .from(priceTiers)
    .where(eq(priceTiers.eventId, eventId))
    .limit(1);
  return row?.currency;
}

/** Moves the event's status only from one of `from`: never revives a cancelled or postponed event. */
export async function moveEventStatus(
  db: Db,
  eventId: string,
  from: readonly ('scheduled' | 'on_sale' | 'sold_out')[],
  to: 'on_sale' | 'sold_out',
): Promise<boolean> {
  const rows = await db
    .update(events)
    .set({ status: to })
    .where(and(eq(events.id, eventId), inArray(events.status, [...from])))
    .returning({ id: events.id });
  return rows.length > 0;
}
