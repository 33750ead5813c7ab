import { randomUUID } from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { events, priceTiers, venues } from '../../src/catalog/catalog.table.js';
import { holds } from '../../src/sales/holds.table.js';
import { gaInventory, seats } from '../../src/sales/inventory.table.js';
import { onsaleSettings } from '../../src/sales/onsale.table.js';
import { signedIn } from './fixtures.js';
import type { TestEnv } from './env.js';

/** Fixtures for payments/orders tests: plain rows in the catalog and sales tables. */

export const CARDS = {
  ok: { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2034, cvc: '123' },
  declined: { number: '4000 0000 0000 0002', expMonth: 12, expYear: 2034, cvc: '123' },
  insufficient: { number: '4000 0000 0000 9995', expMonth: 12, expYear: 2034, cvc: '123' },
  authentication: { number: '4000 0027 6000 3184', expMonth: 12, expYear: 2034, cvc: '123' },
} as const;

export interface SaleFixture {
  organizer: { token: string; userId: string };
  eventId: string;
  seatedTierId: string;
  gaTierId: string;
  seatIds: string[];
  unitCents: number;
  priceCents: number;
  feeCents: number;
  currency: string;
}

export async function createSale(
  env: TestEnv,
  options: {
    seats?: number;
    gaCapacity?: number;
    priceCents?: number;
    feeCents?: number;
    currency?: string;
    refundable?: boolean;
    perAccountLimit?: number | null;
  } = {},
): Promise<SaleFixture> {
  const db = env.infra.database.db;
  const organizer = await signedIn(env, ['organizer']);
  const priceCents = options.priceCents ?? 4000;
  const feeCents = options.feeCents ?? 500;
  const currency = options.currency ?? 'EUR';
  const [venue] = await db
    .insert(venues)
    .values({
      ownerId: organizer.userId,
      name: 'Hall',
      address: '1 Main St',
      city: 'Paris',
      country: 'FR',
      latitude: 48.85,
      longitude: 2.35,
      timeZone: 'Europe/Paris',
    })
    .returning();
  const day = 24 * 3600 * 1000;
  const [event] = await db
    .insert(events)
    .values({
      organizerId: organizer.userId,
      venueId: venue!.id,
      title: `Show ${randomUUID().slice(0, 6)}`,
      startsAt: new Date(Date.now() + 30 * day),
      status: 'on_sale',
      refundableUntil: options.refundable === false ? null : new Date(Date.now() + 20 * day),
      perAccountLimit: options.perAccountLimit ?? null,
    })
    .returning();
  const [seated] = await db
    .insert(priceTiers)
    .values({ eventId: event!.id, name: 'Stalls', kind: 'reserved', priceCents, feeCents, currency })
    .returning();
  const [ga] = await db
    .insert(priceTiers)
    .values({ eventId: event!.id, name: 'Floor', kind: 'ga', priceCents, feeCents, currency })
    .returning();
  const n = options.seats ?? 20;
  const perRow = 10;
  const seatRows = Array.from({ length: n }, (_, i) => ({
    eventId: event!.id,
    tierId: seated!.id,
    section: 'A',
    row: String(Math.floor(i / perRow) + 1),
    rowIndex: Math.floor(i / perRow) + 1,
    number: (i % perRow) + 1,
  }));
  const inserted = n > 0 ? await db.insert(seats).values(seatRows).returning({ id: seats.id }) : [];
  await db.insert(gaInventory).values({ tierId: ga!.id, eventId: event!.id, capacity: options.gaCapacity ?? 50 });
  await db.insert(onsaleSettings).values({
    eventId: event!.id,
    mode: 'open',
    saleStartsAt: new Date(Date.now() - 3600_000),
    perAccountLimit: options.perAccountLimit ?? null,
  });
  return {
    organizer,
    eventId: event!.id,
    seatedTierId: seated!.id,
    gaTierId: ga!.id,
    seatIds: inserted.map((r) => r.id),
    unitCents: priceCents + feeCents,
    priceCents,
    feeCents,
    currency,
  };
}

/**
 * A hold taken the way the sales core takes it (conditional UPDATE, all or nothing), for tests
 * that exercise orders without going through POST /v1/holds.
 */
export async function holdDirect(
  env: TestEnv,
  sale: SaleFixture,
  userId: string,
  what: { seatIds: string[] } | { quantity: number },
  ttlSeconds = 480,
): Promise<string> {
  const db = env.infra.database.db;
  return db.transaction(async (tx) => {
    const isSeats = 'seatIds' in what;
    const quantity = isSeats ? what.seatIds.length : what.quantity;
    const [hold] = await tx
      .insert(holds)
      .values({
        userId,
        eventId: sale.eventId,
        tierId: isSeats ? sale.seatedTierId : sale.gaTierId,
        kind: isSeats ? 'seats' : 'ga',
        quantity,
        seatIds: isSeats ? what.seatIds : [],
        unitPriceCents: sale.priceCents,
        unitFeeCents: sale.feeCents,
        currency: sale.currency,
        expiresAt: sql`now() + make_interval(secs => ${ttlSeconds})`,
        idempotencyKey: randomUUID(),
      })
      .returning();
    if (isSeats) {
      const taken = await tx
        .update(seats)
        .set({ status: 'held', holdId: hold!.id })
        .where(and(inArray(seats.id, what.seatIds), eq(seats.status, 'available')))
        .returning({ id: seats.id });
      if (taken.length !== quantity) throw new Error('seats not available');
    } else {
      const ok = await tx
        .update(gaInventory)
        .set({ held: sql`${gaInventory.held} + ${quantity}` })
        .where(
          and(
            eq(gaInventory.tierId, sale.gaTierId),
            sql`${gaInventory.held} + ${gaInventory.sold} + ${quantity} <= ${gaInventory.capacity}`,
          ),
        )
        .returning({ tierId: gaInventory.tierId });
      if (ok.length !== 1) throw new Error('sold out');
    }
    return hold!.id;
  });
}

export const idem = () => `test-${randomUUID()}`;

/** POST /v1/orders with a fresh (or given) Idempotency-Key. */
export function order(env: TestEnv, token: string, body: unknown, key = idem()) {
  return env.api.post('/v1/orders', body, { token, headers: { 'idempotency-key': key } });
}

/** Counts rows of the tables an order writes, to assert "database unchanged". */
export async function commerceCounts(env: TestEnv) {
  const sqlc = env.infra.database.sql;
  const [row] = await sqlc`
    select (select count(*)::int from orders) as orders,
           (select count(*)::int from order_items) as items,
           (select count(*)::int from tickets) as tickets,
           (select count(*)::int from payments) as payments,
           (select count(*)::int from sandbox_payment_intents) as intents,
           (select count(*)::int from gift_card_ledger) as ledger,
           (select count(*)::int from seats where status = 'sold') as sold_seats,
           (select coalesce(sum(sold), 0)::int from ga_inventory) as sold_ga,
           (select count(*)::int from holds where status = 'converted') as converted`;
  return row!;
}
