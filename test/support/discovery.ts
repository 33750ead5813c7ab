import { randomUUID } from 'node:crypto';
import { inArray } from 'drizzle-orm';
import { events, priceTiers, venues } from '../../src/catalog/catalog.table.js';
import type { Transit } from '../../src/catalog/vocabulary.js';
import type { Db } from '../../src/db/types.js';
import { holds } from '../../src/sales/holds.table.js';
import { gaInventory, seats } from '../../src/sales/inventory.table.js';
import { onsaleSettings } from '../../src/sales/onsale.table.js';

/** Catalog rows written straight to the tables, so discovery's tests do not depend on the catalog API. */

export const transit: Transit = {
  stops: [{ name: 'Central', lines: ['U1', 'S5'], walkingMinutes: 4 }],
  parking: 'Garage on Main St',
};

export async function venue(
  db: Db,
  ownerId: string,
  values: Partial<typeof venues.$inferInsert> & { latitude: number; longitude: number },
) {
  const [row] = await db
    .insert(venues)
    .values({
      ownerId,
      name: 'Hall',
      address: '1 Main St',
      city: 'Berlin',
      country: 'DE',
      timeZone: 'Europe/Berlin',
      transit,
      ...values,
    })
    .returning();
  return row!;
}

export async function event(
  db: Db,
  organizerId: string,
  venueId: string,
  values: Partial<typeof events.$inferInsert> & { startsAt: Date },
) {
  const [row] = await db
    .insert(events)
    .values({ organizerId, venueId, title: 'Untitled', status: 'on_sale', ...values })
    .returning();
  return row!;
}

/** A GA tier with its counter. */
export async function gaTier(
  db: Db,
  eventId: string,
  o: { price: number; fee?: number; capacity: number; held?: number; sold?: number; name?: string; currency?: string },
) {
  const [tier] = await db
    .insert(priceTiers)
    .values({
      eventId,
      name: o.name ?? `GA ${o.price}`,
      kind: 'ga',
      priceCents: o.price,
      feeCents: o.fee ?? 0,
      currency: o.currency ?? 'EUR',
    })
    .returning();
  await db
    .insert(gaInventory)
    .values({ tierId: tier!.id, eventId, capacity: o.capacity, held: o.held ?? 0, sold: o.sold ?? 0 });
  return tier!;
}

/** A reserved tier with `rows` × `perRow` seats in section `section`; seat 1 of row 1 is accessible. */
export async function seatedTier(
  db: Db,
  eventId: string,
  o: { price: number; fee?: number; rows: number; perRow: number; section?: string; name?: string },
) {
  const [tier] = await db
    .insert(priceTiers)
    .values({
      eventId,
      name: o.name ?? `Seats ${o.price}`,
      kind: 'reserved',
      priceCents: o.price,
      feeCents: o.fee ?? 0,
      currency: 'EUR',
    })
    .returning();
  const values: (typeof seats.$inferInsert)[] = [];
  for (let r = 1; r <= o.rows; r++) {
    for (let n = 1; n <= o.perRow; n++) {
      values.push({
        eventId,
        tierId: tier!.id,
        section: o.section ?? 'A',
        row: String(r),
        rowIndex: r,
        number: n,
        accessible: r === 1 && n === 1,
      });
    }
  }
  const rows = await db.insert(seats).values(values).returning({ id: seats.id });
  return { tier: tier!, seatIds: rows.map((r) => r.id) };
}

/** Marks seats held (an active hold) or sold (a converted hold), as the sales code would. */
export async function takeSeats(
  db: Db,
  userId: string,
  eventId: string,
  tierId: string,
  seatIds: string[],
  status: 'held' | 'sold',
) {
  const [hold] = await db
    .insert(holds)
    .values({
      userId,
      eventId,
      tierId,
      kind: 'seats',
      quantity: seatIds.length,
      seatIds,
      unitPriceCents: 0,
      unitFeeCents: 0,
      currency: 'EUR',
      status: status === 'held' ? 'active' : 'converted',
      endedAt: status === 'held' ? null : new Date(),
      expiresAt: new Date(Date.now() + 600_000),
      idempotencyKey: randomUUID(),
    })
    .returning();
  await db.update(seats).set({ status, holdId: hold!.id }).where(inArray(seats.id, seatIds));
  return hold!;
}

export async function onsale(db: Db, eventId: string, values: Omit<typeof onsaleSettings.$inferInsert, 'eventId'>) {
  await db.insert(onsaleSettings).values({ eventId, ...values });
}

/** Reference great-circle distance (plain haversine, R = 6371 km), independent of src/. */
export function referenceKm(a: { lat: number; lng: number }, b: { lat: number; lng: number }): number {
  const r = (d: number) => (d * Math.PI) / 180;
  const h =
    Math.sin(r(b.lat - a.lat) / 2) ** 2 + Math.cos(r(a.lat)) * Math.cos(r(b.lat)) * Math.sin(r(b.lng - a.lng) / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}

/** A point `km` due north of `p` (on the reference sphere). */
export function north(p: { lat: number; lng: number }, km: number) {
  return { lat: p.lat + (km / 6371.0088) * (180 / Math.PI), lng: p.lng };
}
