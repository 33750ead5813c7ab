import { createHash } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { type Db, schema } from '../../src/db/index.js';
import type { EventStatus } from '../../src/catalog/index.js';
import {
  demoCities,
  ENSEMBLES,
  FIRST_NAMES,
  LAST_NAMES,
  programme,
  TITLE_WORDS,
  transitOf,
  type DemoCity,
  type DemoVenue,
  type VenueKind,
} from './catalog-data.js';
import { seedDoorStaff } from './staff.js';

const { events, gaInventory, onsaleSettings, priceTiers, users, venues } = schema;

/**
 * The demo catalog: 340 events over 8 cities, with seat maps, GA counters, sold-out,
 * postponed and cancelled events and queue-mode on-sales opening soon. Everything comes from
 * one seeded PRNG and ids are derived from names, so every run builds the same catalog
 * (times are relative to the day it runs); a second run finds its first venue and adds nothing.
 */

const EVENT_COUNT = 340;
const DAY = 86_400_000;

/** mulberry32: tiny, fast, and the same sequence on every platform for a given seed. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
  };
}

/** A UUID derived from a name, so a venue or an event keeps its id from one run to the next. */
function idOf(name: string): string {
  const h = createHash('sha256').update(`fairdrop-demo:${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The UTC instant of a wall-clock time in a zone (two passes settle DST edges). */
function zonedTime(day: Date, hour: number, timeZone: string): Date {
  const wanted = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), hour);
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  });
  let guess = wanted;
  for (let i = 0; i < 2; i++) {
    const p = Object.fromEntries(fmt.formatToParts(new Date(guess)).map((x) => [x.type, x.value]));
    const shown = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute));
    guess += wanted - shown;
  }
  return new Date(guess);
}

interface SeatBlock {
  event: string;
  tier: string;
  section: string;
  rows: number;
  perRow: number;
}

/** Every row the catalog inserts, gathered before one transaction writes them. */
interface CatalogRows {
  venues: (typeof venues.$inferInsert)[];
  events: (typeof events.$inferInsert)[];
  tiers: (typeof priceTiers.$inferInsert)[];
  ga: (typeof gaInventory.$inferInsert)[];
  onsales: (typeof onsaleSettings.$inferInsert)[];
  /** Reserved sections; Postgres expands each into rows × seats. */
  blocks: SeatBlock[];
  /** The share of each reserved tier's seats sold before the demo starts. */
  soldTiers: { tier: string; percent: number }[];
}

interface PlacedVenue {
  venue: DemoVenue;
  id: string;
  city: DemoCity;
}

type Rng = ReturnType<typeof prng>;

/** The seed of the catalog's PRNG: changing it changes every generated event. */
const CATALOG_SEED = 20_260_101;

/**
 * Builds the demo catalog, with the demo door staff on its events, and returns how many events
 * it added: 0 when the demo accounts are missing or the catalog is already there.
 */
export async function seedCatalog(db: Db, now: Date = new Date()): Promise<number> {
  const accounts = await demoAccountIds(db);
  if (!accounts) return 0;
  let added = 0;
  if (!(await catalogPresent(db))) {
    const rows = planCatalog(accounts.organizer, now);
    await writeCatalog(db, rows, accounts.fan);
    added = rows.events.length;
  }
  await seedDoorStaff(db);
  return added;
}

async function demoAccountIds(db: Db): Promise<{ organizer: string; fan: string } | null> {
  const [organizer] = await db.select({ id: users.id }).from(users).where(eq(users.email, 'organizer@fairdrop.local'));
  const [fan] = await db.select({ id: users.id }).from(users).where(eq(users.email, 'fan@fairdrop.local'));
  return organizer && fan ? { organizer: organizer.id, fan: fan.id } : null;
}

/** The first venue's id is derived from its name, so finding it means a previous run seeded everything. */
async function catalogPresent(db: Db): Promise<boolean> {
  const firstVenue = idOf(`venue:${demoCities[0]!.venues[0]!.name}`);
  return (await db.select({ id: venues.id }).from(venues).where(eq(venues.id, firstVenue))).length > 0;
}

/** Every row of the catalog, drawn from one PRNG: the same draws in the same order give every run the same catalog. */
function planCatalog(organizerId: string, now: Date): CatalogRows {
  const rnd = prng(CATALOG_SEED);
  const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const rows: CatalogRows = { venues: [], events: [], tiers: [], ga: [], onsales: [], blocks: [], soldTiers: [] };
  const placed = planVenues(rnd, organizerId, rows);
  for (let i = 0; i < EVENT_COUNT; i++) {
    planEvent(rnd, rows, { index: i, place: placed[i % placed.length]!, organizerId, now, today });
  }
  return rows;
}

function planVenues(rnd: Rng, organizerId: string, rows: CatalogRows): PlacedVenue[] {
  const placed: PlacedVenue[] = [];
  for (const city of demoCities) {
    for (const venue of city.venues) {
      const id = idOf(`venue:${venue.name}`);
      placed.push({ venue, id, city });
      rows.venues.push({
        id,
        ownerId: organizerId,
        name: venue.name,
        address: venue.address,
        city: city.city,
        country: city.country,
        latitude: venue.lat,
        longitude: venue.lng,
        timeZone: city.timeZone,
        accessibility: rnd.pick(programme[venue.kind].accessibility),
        transit: transitOf(venue),
      });
    }
  }
  return placed;
}

interface EventSlot {
  index: number;
  place: PlacedVenue;
  organizerId: string;
  now: Date;
  today: Date;
}

/** One event with its tiers and its on-sale. */
function planEvent(rnd: Rng, rows: CatalogRows, slot: EventSlot): void {
  const event = eventRow(rnd, slot);
  rows.events.push(event);
  planTiers(rnd, rows, slot.place.venue.kind, {
    index: slot.index,
    eventId: event.id,
    currency: slot.place.city.currency,
    soldOut: event.status === 'sold_out',
  });
  const onsale = onsaleOf(rnd, event.id, event.status, slot);
  if (onsale) rows.onsales.push(onsale);
}

function eventRow(rnd: Rng, slot: EventSlot): typeof events.$inferInsert & { id: string; status: EventStatus } {
  const { venue, id: venueId, city } = slot.place;
  const cats = rnd.pick(programme[venue.kind].categories);
  const performer = `${rnd.pick(FIRST_NAMES)} ${rnd.pick(LAST_NAMES)}`;
  const ensemble = `${rnd.pick(LAST_NAMES)} ${rnd.pick(ENSEMBLES)}`;
  const show = rnd.pick(TITLE_WORDS[cats[0]!] ?? ['Live']);
  const startsAt = zonedTime(
    new Date(slot.today.getTime() + rnd.int(1, 180) * DAY),
    rnd.pick([18, 19, 20, 21]),
    city.timeZone,
  );
  return {
    id: idOf(`event:${slot.index}`),
    organizerId: slot.organizerId,
    venueId,
    title: `${show}: ${performer}`,
    description: `${show} with ${performer} and the ${ensemble} at ${venue.name}, ${city.city}.`,
    categories: cats,
    performers: [performer, ensemble],
    startsAt,
    doorsAt: new Date(startsAt.getTime() - 3_600_000),
    status: eventStatus(rnd),
  };
}

/** ~4 % cancelled, ~4 % postponed, ~4 % sold out, ~12 % on sale soon through the queue, 2 % drafts. */
function eventStatus(rnd: Rng): EventStatus {
  const roll = rnd.next();
  if (roll < 0.04) return 'cancelled';
  if (roll < 0.08) return 'postponed';
  if (roll < 0.12) return 'sold_out';
  if (roll < 0.24) return 'scheduled';
  if (roll < 0.26) return 'draft';
  return 'on_sale';
}

/** Clubs sell general admission; halls and theatres seat two sections; arenas add a standing floor. */
function planTiers(rnd: Rng, rows: CatalogRows, kind: VenueKind, event: TierContext): void {
  const base = kind === 'arena' ? rnd.int(45, 120) : kind === 'club' ? rnd.int(15, 40) : rnd.int(25, 90);
  if (kind === 'club') {
    planGaTier(rnd, rows, event, {
      key: 'ga',
      name: 'General admission',
      price: base,
      sortOrder: 1,
      capacity: [150, 600],
      soldShare: 0.8,
    });
    return;
  }
  planSeatedTiers(rnd, rows, event, kind === 'arena' ? ['Block A', 'Block B'] : ['Stalls', 'Balcony'], base);
  if (kind === 'arena') {
    planGaTier(rnd, rows, event, {
      key: 'floor',
      name: 'Standing floor',
      price: base,
      sortOrder: 0,
      capacity: [500, 2000],
      soldShare: 0.9,
    });
  }
}

/** The booking fee: 12 % of the price, in whole currency units. */
const feeCents = (price: number) => Math.round(price * 0.12) * 100;

/** What every tier of one event shares. */
interface TierContext {
  /** The event's place in the catalog, part of its tiers' ids. */
  index: number;
  eventId: string;
  currency: string;
  soldOut: boolean;
}

interface GaTierSpec {
  /** Part of the tier's id, unique within the event. */
  key: string;
  name: string;
  price: number;
  sortOrder: number;
  capacity: [min: number, max: number];
  /** Unless the event is sold out, up to this share of the capacity is already sold. */
  soldShare: number;
}

function planGaTier(rnd: Rng, rows: CatalogRows, event: TierContext, spec: GaTierSpec): void {
  const tier = idOf(`tier:${event.index}:${spec.key}`);
  const capacity = rnd.int(...spec.capacity);
  rows.tiers.push({
    id: tier,
    eventId: event.eventId,
    name: spec.name,
    kind: 'ga',
    priceCents: spec.price * 100,
    feeCents: feeCents(spec.price),
    currency: event.currency,
    sortOrder: spec.sortOrder,
  });
  rows.ga.push({
    tierId: tier,
    eventId: event.eventId,
    capacity,
    sold: event.soldOut ? capacity : Math.floor(capacity * rnd.next() * spec.soldShare),
  });
}

/** A reserved tier per section, each a block of seats; the first section costs 1.6 times the base price. */
function planSeatedTiers(rnd: Rng, rows: CatalogRows, event: TierContext, sections: string[], base: number): void {
  sections.forEach((section, s) => {
    const tier = idOf(`tier:${event.index}:${s}`);
    const price = s === 0 ? Math.round(base * 1.6) : base;
    rows.tiers.push({
      id: tier,
      eventId: event.eventId,
      name: section,
      kind: 'reserved',
      priceCents: price * 100,
      feeCents: feeCents(price),
      currency: event.currency,
      sortOrder: s + 1,
    });
    rows.blocks.push({ event: event.eventId, tier, section, rows: rnd.int(6, 12), perRow: rnd.int(10, 20) });
    rows.soldTiers.push({ tier, percent: event.soldOut ? 100 : rnd.int(0, 70) });
  });
}

function onsaleOf(
  rnd: Rng,
  eventId: string,
  status: EventStatus,
  slot: EventSlot,
): typeof onsaleSettings.$inferInsert | null {
  const { now, today } = slot;
  if (status === 'scheduled') {
    // Queue-mode drops opening within the next three days, the waiting room an hour earlier.
    const saleStartsAt = new Date(now.getTime() + rnd.int(1, 72) * 3_600_000);
    return {
      eventId,
      mode: 'queue',
      prequeueOpensAt: new Date(saleStartsAt.getTime() - 3_600_000),
      saleStartsAt,
      admitPerMinute: 200,
      perAccountLimit: 4,
    };
  }
  if (status === 'on_sale' && slot.place.venue.kind === 'arena' && rnd.next() < 0.5) {
    // A big show whose queue is running now.
    return {
      eventId,
      mode: 'queue',
      prequeueOpensAt: new Date(now.getTime() - 2 * 3_600_000),
      saleStartsAt: new Date(now.getTime() - 3_600_000),
      admitPerMinute: 500,
      perAccountLimit: 6,
    };
  }
  if (status !== 'draft') return { eventId, mode: 'open', saleStartsAt: new Date(today.getTime() - 7 * DAY) };
  return null;
}

/** All of it in one transaction: a catalog is either there whole or not at all. */
async function writeCatalog(db: Db, rows: CatalogRows, fanId: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.insert(venues).values(rows.venues);
    await tx.insert(events).values(rows.events);
    await tx.insert(priceTiers).values(rows.tiers);
    await tx.insert(gaInventory).values(rows.ga);
    await tx.insert(onsaleSettings).values(rows.onsales);
    await setDemoFanProfile(tx, fanId);
    await insertSeats(tx, rows.blocks);
    await insertPastSales(tx, rows.soldTiers, fanId);
  });
}

/** The demo fan lives in Berlin and likes jazz, so signed-in suggestions have something to say. */
async function setDemoFanProfile(tx: Db, fanId: string): Promise<void> {
  await tx
    .update(users)
    .set({
      interests: ['jazz', 'classical'],
      homeLabel: 'Berlin Mitte',
      homeLat: 52.52,
      homeLng: 13.405,
      accessibilityNeeds: ['step_free'],
      budgetCents: 6000,
    })
    .where(eq(users.id, fanId));
}

/** Every seat in one statement: the blocks go as one JSON parameter and Postgres expands rows × seats. */
async function insertSeats(tx: Db, blocks: SeatBlock[]): Promise<void> {
  await tx.execute(sql`
    insert into seats (event_id, tier_id, section, row, row_index, number, accessible)
    select (b->>'event')::uuid, (b->>'tier')::uuid, b->>'section', r::text, r, n, r = 1 and n <= 2
    from jsonb_array_elements(${JSON.stringify(blocks)}::jsonb) b,
      generate_series(1, (b->>'rows')::int) r, generate_series(1, (b->>'perRow')::int) n`);
}

/** Past sales: one converted hold per tier (what an order leaves behind) owning the sold seats. */
async function insertPastSales(tx: Db, soldTiers: CatalogRows['soldTiers'], fanId: string): Promise<void> {
  await tx.execute(sql`
    with spec as (select (x->>'tier')::uuid as tier, (x->>'percent')::int as percent from jsonb_array_elements(${JSON.stringify(soldTiers)}::jsonb) x),
    picked as (
      select s.id, s.event_id, s.tier_id from seats s join spec on spec.tier = s.tier_id
      where (s.row_index * 37 + s.number * 11) % 100 < spec.percent
    ),
    h as (
      insert into holds (user_id, event_id, tier_id, kind, quantity, seat_ids, unit_price_cents, unit_fee_cents, currency, status, expires_at, ended_at, idempotency_key)
      select ${fanId}::uuid, p.event_id, p.tier_id, 'seats', count(*), array_agg(p.id), t.price_cents, t.fee_cents, t.currency,
        'converted', now(), now(), 'seed:' || p.tier_id
      from picked p join price_tiers t on t.id = p.tier_id
      group by p.event_id, p.tier_id, t.price_cents, t.fee_cents, t.currency
      returning id, tier_id
    )
    update seats s set status = 'sold', hold_id = h.id from picked p join h on h.tier_id = p.tier_id where s.id = p.id`);
}
