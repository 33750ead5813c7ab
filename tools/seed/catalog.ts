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
  type DemoVenue,
} from './catalog-data.js';

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

export async function seedCatalog(db: Db, now: Date = new Date()): Promise<number> {
  const [organizer] = await db.select({ id: users.id }).from(users).where(eq(users.email, 'organizer@fairdrop.local'));
  const [fan] = await db.select({ id: users.id }).from(users).where(eq(users.email, 'fan@fairdrop.local'));
  if (!organizer || !fan) return 0;
  const firstVenue = idOf(`venue:${demoCities[0]!.venues[0]!.name}`);
  if ((await db.select({ id: venues.id }).from(venues).where(eq(venues.id, firstVenue))).length > 0) return 0;

  const rnd = prng(20_260_101);
  const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const all: { venue: DemoVenue; id: string; city: (typeof demoCities)[number] }[] = [];
  const venueRows: (typeof venues.$inferInsert)[] = [];
  for (const city of demoCities) {
    for (const venue of city.venues) {
      const id = idOf(`venue:${venue.name}`);
      all.push({ venue, id, city });
      venueRows.push({
        id,
        ownerId: organizer.id,
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

  const eventRows: (typeof events.$inferInsert)[] = [];
  const tierRows: (typeof priceTiers.$inferInsert)[] = [];
  const gaRows: (typeof gaInventory.$inferInsert)[] = [];
  const onsales: (typeof onsaleSettings.$inferInsert)[] = [];
  const blocks: SeatBlock[] = [];
  const soldTiers: { tier: string; percent: number }[] = [];
  for (let i = 0; i < EVENT_COUNT; i++) {
    const { venue, id: venueId, city } = all[i % all.length]!;
    const cats = rnd.pick(programme[venue.kind].categories);
    const performer = `${rnd.pick(FIRST_NAMES)} ${rnd.pick(LAST_NAMES)}`;
    const ensemble = `${rnd.pick(LAST_NAMES)} ${rnd.pick(ENSEMBLES)}`;
    const show = rnd.pick(TITLE_WORDS[cats[0]!] ?? ['Live']);
    const id = idOf(`event:${i}`);
    const startsAt = zonedTime(
      new Date(today.getTime() + rnd.int(1, 180) * DAY),
      rnd.pick([18, 19, 20, 21]),
      city.timeZone,
    );
    // ~4 % cancelled, ~4 % postponed, ~4 % sold out, ~12 % on sale soon through the queue, 2 % drafts.
    const roll = rnd.next();
    const status: EventStatus =
      roll < 0.04
        ? 'cancelled'
        : roll < 0.08
          ? 'postponed'
          : roll < 0.12
            ? 'sold_out'
            : roll < 0.24
              ? 'scheduled'
              : roll < 0.26
                ? 'draft'
                : 'on_sale';
    eventRows.push({
      id,
      organizerId: organizer.id,
      venueId,
      title: `${show}: ${performer}`,
      description: `${show} with ${performer} and the ${ensemble} at ${venue.name}, ${city.city}.`,
      categories: cats,
      performers: [performer, ensemble],
      startsAt,
      doorsAt: new Date(startsAt.getTime() - 3_600_000),
      status,
    });
    const base = venue.kind === 'arena' ? rnd.int(45, 120) : venue.kind === 'club' ? rnd.int(15, 40) : rnd.int(25, 90);
    const fee = (price: number) => Math.round(price * 0.12) * 100;
    const soldOut = status === 'sold_out';
    if (venue.kind === 'club') {
      const tier = idOf(`tier:${i}:ga`);
      const capacity = rnd.int(150, 600);
      tierRows.push({
        id: tier,
        eventId: id,
        name: 'General admission',
        kind: 'ga',
        priceCents: base * 100,
        feeCents: fee(base),
        currency: city.currency,
        sortOrder: 1,
      });
      gaRows.push({
        tierId: tier,
        eventId: id,
        capacity,
        sold: soldOut ? capacity : Math.floor(capacity * rnd.next() * 0.8),
      });
    } else {
      const sections = venue.kind === 'arena' ? ['Block A', 'Block B'] : ['Stalls', 'Balcony'];
      sections.forEach((section, s) => {
        const tier = idOf(`tier:${i}:${s}`);
        const price = s === 0 ? Math.round(base * 1.6) : base;
        tierRows.push({
          id: tier,
          eventId: id,
          name: section,
          kind: 'reserved',
          priceCents: price * 100,
          feeCents: fee(price),
          currency: city.currency,
          sortOrder: s + 1,
        });
        blocks.push({ event: id, tier, section, rows: rnd.int(6, 12), perRow: rnd.int(10, 20) });
        soldTiers.push({ tier, percent: soldOut ? 100 : rnd.int(0, 70) });
      });
      if (venue.kind === 'arena') {
        const tier = idOf(`tier:${i}:floor`);
        const capacity = rnd.int(500, 2000);
        tierRows.push({
          id: tier,
          eventId: id,
          name: 'Standing floor',
          kind: 'ga',
          priceCents: base * 100,
          feeCents: fee(base),
          currency: city.currency,
          sortOrder: 0,
        });
        gaRows.push({
          tierId: tier,
          eventId: id,
          capacity,
          sold: soldOut ? capacity : Math.floor(capacity * rnd.next() * 0.9),
        });
      }
    }
    if (status === 'scheduled') {
      // Queue-mode drops opening within the next three days, the waiting room an hour earlier.
      const saleStartsAt = new Date(now.getTime() + rnd.int(1, 72) * 3_600_000);
      onsales.push({
        eventId: id,
        mode: 'queue',
        prequeueOpensAt: new Date(saleStartsAt.getTime() - 3_600_000),
        saleStartsAt,
        admitPerMinute: 200,
        perAccountLimit: 4,
      });
    } else if (status === 'on_sale' && venue.kind === 'arena' && rnd.next() < 0.5) {
      // A big show whose queue is running now.
      onsales.push({
        eventId: id,
        mode: 'queue',
        prequeueOpensAt: new Date(now.getTime() - 2 * 3_600_000),
        saleStartsAt: new Date(now.getTime() - 3_600_000),
        admitPerMinute: 500,
        perAccountLimit: 6,
      });
    } else if (status !== 'draft') {
      onsales.push({ eventId: id, mode: 'open', saleStartsAt: new Date(today.getTime() - 7 * DAY) });
    }
  }

  await db.transaction(async (tx) => {
    await tx.insert(venues).values(venueRows);
    await tx.insert(events).values(eventRows);
    await tx.insert(priceTiers).values(tierRows);
    await tx.insert(gaInventory).values(gaRows);
    await tx.insert(onsaleSettings).values(onsales);
    // The demo fan lives in Berlin and likes jazz, so signed-in suggestions have something to say.
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
      .where(eq(users.id, fan.id));
    // Every seat in one statement: the blocks go as one JSON parameter and Postgres expands rows × seats.
    await tx.execute(sql`
      insert into seats (event_id, tier_id, section, row, row_index, number, accessible)
      select (b->>'event')::uuid, (b->>'tier')::uuid, b->>'section', r::text, r, n, r = 1 and n <= 2
      from jsonb_array_elements(${JSON.stringify(blocks)}::jsonb) b,
        generate_series(1, (b->>'rows')::int) r, generate_series(1, (b->>'perRow')::int) n`);
    // Past sales: one converted hold per tier (what an order leaves behind) owning the sold seats.
    await tx.execute(sql`
      with spec as (select (x->>'tier')::uuid as tier, (x->>'percent')::int as percent from jsonb_array_elements(${JSON.stringify(soldTiers)}::jsonb) x),
      picked as (
        select s.id, s.event_id, s.tier_id from seats s join spec on spec.tier = s.tier_id
        where (s.row_index * 37 + s.number * 11) % 100 < spec.percent
      ),
      h as (
        insert into holds (user_id, event_id, tier_id, kind, quantity, seat_ids, unit_price_cents, unit_fee_cents, currency, status, expires_at, ended_at, idempotency_key)
        select ${fan.id}::uuid, p.event_id, p.tier_id, 'seats', count(*), array_agg(p.id), t.price_cents, t.fee_cents, t.currency,
          'converted', now(), now(), 'seed:' || p.tier_id
        from picked p join price_tiers t on t.id = p.tier_id
        group by p.event_id, p.tier_id, t.price_cents, t.fee_cents, t.currency
        returning id, tier_id
      )
      update seats s set status = 'sold', hold_id = h.id from picked p join h on h.tier_id = p.tier_id where s.id = p.id`);
  });
  return eventRows.length;
}
