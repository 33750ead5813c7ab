import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../../src/auth/auth.table.js';
import { events } from '../../src/catalog/catalog.table.js';
import { gaInventory, seats } from '../../src/sales/inventory.table.js';
import { INVENTORY_CACHE_MS } from '../../src/discovery/discovery.service.js';
import { event, gaTier, north, onsale, referenceKm, seatedTier, takeSeats, venue } from '../support/discovery.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';

let env: TestEnv;
const berlin = { lat: 52.52, lng: 13.405 };
const hour = 3_600_000;
const day = 24 * hour;
const base = Date.now() + day;
const at = (days: number) => new Date(base + days * day);
const ids: Record<string, string> = {};
let fan: { token: string; userId: string };
let organizer: { token: string; userId: string };
let seatIds: string[] = [];
let seatTierId = '';

const list = async (query: string, token?: string) => {
  const res = await env.api.get(`/v1/events${query ? `?${query}` : ''}`, { token });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { events: any[]; nextCursor: string | null; personalized: boolean; origin: any };
};
const titles = (body: { events: any[] }) => body.events.map((e) => e.title);

beforeAll(async () => {
  env = await createTestEnv();
  const db = env.infra.database.db;
  const org = await signedIn(env, ['fan', 'organizer']);
  organizer = org;
  fan = await signedIn(env);
  const o = org.userId;

  const philharmonie = await venue(db, o, {
    name: 'Philharmonie',
    latitude: 52.5098,
    longitude: 13.37,
    accessibility: ['wheelchair', 'step_free', 'hearing_loop'],
  });
  const alex = await venue(db, o, {
    name: 'Alexanderplatz Hall',
    latitude: 52.5219,
    longitude: 13.4132,
    accessibility: ['step_free'],
  });
  const potsdam = await venue(db, o, {
    name: 'Potsdam Theater',
    city: 'Potsdam',
    latitude: 52.3906,
    longitude: 13.0645,
  });
  const london = await venue(db, o, {
    name: 'Barbican',
    city: 'London',
    country: 'GB',
    timeZone: 'Europe/London',
    latitude: 51.5202,
    longitude: -0.0938,
    accessibility: ['wheelchair'],
  });
  const nyc = await venue(db, o, {
    name: 'Garden',
    city: 'New York',
    country: 'US',
    timeZone: 'America/New_York',
    latitude: 40.7505,
    longitude: -73.9934,
  });
  const inside = await venue(db, o, { name: 'Just Inside', ...latLng(north(berlin, 9.98)) });
  const outside = await venue(db, o, { name: 'Just Outside', ...latLng(north(berlin, 10.02)) });
  ids.philharmonie = philharmonie.id;
  ids.inside = inside.id;

  const add = async (key: string, venueId: string, days: number, values: Partial<typeof events.$inferInsert>) => {
    const row = await event(db, o, venueId, { title: key, startsAt: at(days), ...values });
    ids[key] = row.id;
    return row.id;
  };
  const jazz = await add('Jazz Night', philharmonie.id, 1, {
    categories: ['jazz', 'music'],
    performers: ['Miles Quartet'],
  });
  await gaTier(db, jazz, { price: 3000, fee: 300, capacity: 100 });
  // An event sells only through an on-sale (fd_hold_create refuses one without): these two sell openly now.
  await onsale(db, jazz, { mode: 'open', saleStartsAt: new Date(Date.now() - hour) });
  const rock = await add('Rock Warmup', alex.id, 3, {
    categories: ['rock'],
    description: 'Loud guitars until midnight',
  });
  await gaTier(db, rock, { price: 5000, fee: 500, capacity: 50, name: 'Front' });
  await gaTier(db, rock, { price: 8000, fee: 800, capacity: 50, name: 'VIP' });
  const symphony = await add('Symphony No. 9', philharmonie.id, 5, { categories: ['classical'] });
  const seated = await seatedTier(db, symphony, { price: 6000, fee: 600, rows: 2, perRow: 5 });
  await onsale(db, symphony, { mode: 'open', saleStartsAt: new Date(Date.now() - hour) });
  seatIds = seated.seatIds;
  seatTierId = seated.tier.id;
  await takeSeats(db, fan.userId, symphony, seated.tier.id, seatIds.slice(0, 2), 'held');
  await takeSeats(db, fan.userId, symphony, seated.tier.id, seatIds.slice(2, 5), 'sold');
  await gaTier(db, await add('Comedy Club', potsdam.id, 2, { categories: ['comedy'] }), { price: 1500, capacity: 40 });
  await gaTier(db, await add('London Jazz Fest', london.id, 4, { categories: ['jazz', 'festival'] }), {
    price: 9000,
    fee: 1000,
    capacity: 500,
    currency: 'GBP',
  });
  await gaTier(db, await add('Broadway Musical', nyc.id, 6, { categories: ['musical', 'theatre'] }), {
    price: 12000,
    capacity: 300,
    currency: 'USD',
  });
  await gaTier(db, await add('Secret Draft', philharmonie.id, 1.5, { categories: ['jazz'], status: 'draft' }), {
    price: 100,
    capacity: 10,
  });
  await gaTier(db, await add('Cancelled Gig', alex.id, 7, { categories: ['rock'], status: 'cancelled' }), {
    price: 2000,
    capacity: 10,
  });
  await gaTier(db, await add('Postponed Pop', alex.id, 8, { categories: ['pop'], status: 'postponed' }), {
    price: 2500,
    capacity: 10,
  });
  await gaTier(db, await add('Sold Out Pop', philharmonie.id, 9, { categories: ['pop'] }), {
    price: 4000,
    capacity: 10,
    sold: 8,
    held: 2,
  });
  const soon = await add('Rave Soon', alex.id, 10, { categories: ['electronic'], status: 'scheduled' });
  await gaTier(db, soon, { price: 3500, capacity: 1000 });
  await onsale(db, soon, {
    mode: 'queue',
    prequeueOpensAt: new Date(Date.now() + hour),
    saleStartsAt: new Date(Date.now() + 2 * hour),
  });
  const queueing = await add('Rave Queue', alex.id, 11, { categories: ['electronic'], status: 'scheduled' });
  await gaTier(db, queueing, { price: 3500, capacity: 1000 });
  await onsale(db, queueing, {
    mode: 'queue',
    prequeueOpensAt: new Date(Date.now() - hour),
    saleStartsAt: new Date(Date.now() + hour),
  });
  await gaTier(db, await add('Yesterday', alex.id, -2.5, { categories: ['rock'] }), { price: 1000, capacity: 10 });
  await gaTier(db, await add('Edge In', inside.id, 12, { categories: ['folk'] }), { price: 1000, capacity: 10 });
  await gaTier(db, await add('Edge Out', outside.id, 12, { categories: ['folk'] }), { price: 1000, capacity: 10 });
  // Fixed dates far ahead, for the local-time checks (summer time in Berlin, winter in New York).
  await add('Summer Berlin', philharmonie.id, 0, { startsAt: new Date('2030-07-01T18:00:00Z'), categories: ['opera'] });
  await add('Winter NYC', nyc.id, 0, { startsAt: new Date('2030-01-15T01:30:00Z'), categories: ['opera'] });
});

afterAll(async () => {
  await env?.close();
});

function latLng(p: { lat: number; lng: number }) {
  return { latitude: p.lat, longitude: p.lng };
}

const upcoming = [
  'Jazz Night',
  'Comedy Club',
  'Rock Warmup',
  'London Jazz Fest',
  'Symphony No. 9',
  'Broadway Musical',
  'Cancelled Gig',
  'Postponed Pop',
  'Sold Out Pop',
  'Rave Soon',
  'Rave Queue',
  'Edge In',
  'Edge Out',
];
const nearFuture = `to=${at(13).toISOString()}`;

describe('GET /v1/events filters', () => {
  it('lists published upcoming events by date; drafts and past events never', async () => {
    const body = await list(`${nearFuture}&limit=100`);
    // Edge In and Edge Out start at the same instant: the id breaks the tie.
    expect(titles(body).slice(0, 11)).toEqual(upcoming.slice(0, 11));
    expect(new Set(titles(body))).toEqual(new Set(upcoming));
    expect(body.personalized).toBe(false);
  });

  it('near + radiusKm keeps events inside the circle, with distances that agree with a reference haversine', async () => {
    const body = await list(`near=${berlin.lat},${berlin.lng}&radiusKm=10&${nearFuture}&limit=100`);
    const names = titles(body);
    expect(names).toContain('Edge In');
    expect(names).not.toContain('Edge Out');
    expect(names).not.toContain('Comedy Club'); // Potsdam, ~25 km
    expect(names).toContain('Jazz Night');
    expect(names).not.toContain('London Jazz Fest');
    for (const e of body.events) {
      const reference = referenceKm(berlin, { lat: e.venue.lat, lng: e.venue.lng });
      expect(Math.abs(e.venue.distanceKm - reference) / reference).toBeLessThan(0.005);
      expect(e.venue.distanceKm).toBeLessThanOrEqual(10);
    }
    const edge = body.events.find((e) => e.title === 'Edge In');
    expect(edge.venue.distanceKm).toBeCloseTo(9.98, 2);
  });

  it('near without radius uses 50 km; long distances also agree with the reference', async () => {
    const body = await list(`near=${berlin.lat},${berlin.lng}&${nearFuture}&limit=100`);
    expect(titles(body)).toContain('Comedy Club');
    const far = await list(`near=${berlin.lat},${berlin.lng}&radiusKm=7000&${nearFuture}&limit=100`);
    const nyc = far.events.find((e) => e.title === 'Broadway Musical');
    const london = far.events.find((e) => e.title === 'London Jazz Fest');
    for (const e of [nyc, london]) {
      const reference = referenceKm(berlin, { lat: e.venue.lat, lng: e.venue.lng });
      expect(Math.abs(e.venue.distanceKm - reference) / reference).toBeLessThan(0.005);
    }
    expect(nyc.venue.distanceKm).toBeGreaterThan(6300);
  });

  it('from/to bound the start time', async () => {
    const body = await list(`from=${at(2.5).toISOString()}&to=${at(5.5).toISOString()}`);
    expect(titles(body)).toEqual(['Rock Warmup', 'London Jazz Fest', 'Symphony No. 9']);
    const dateOnly = await list(`from=2030-01-01&to=2031-01-01`);
    expect(titles(dateOnly)).toEqual(['Winter NYC', 'Summer Berlin']);
  });

  it('minPrice/maxPrice match an all-in ticket price (price + fee)', async () => {
    const cheap = titles(await list(`maxPrice=3300&${nearFuture}&limit=100`));
    expect(cheap.slice(0, 4)).toEqual(['Jazz Night', 'Comedy Club', 'Cancelled Gig', 'Postponed Pop']);
    expect(cheap.slice(4).sort()).toEqual(['Edge In', 'Edge Out']);
    expect(titles(await list(`maxPrice=3299&minPrice=1500&${nearFuture}`))).toEqual([
      'Comedy Club',
      'Cancelled Gig',
      'Postponed Pop',
    ]);
    // Rock Warmup has tiers at 5500 and 8800: a range between them matches neither.
    expect(titles(await list(`minPrice=5600&maxPrice=8700&${nearFuture}`))).toEqual(['Symphony No. 9']);
    expect(titles(await list(`minPrice=8800&maxPrice=8800&${nearFuture}`))).toEqual(['Rock Warmup']);
  });

  it('categories match any of the list', async () => {
    expect(titles(await list(`categories=jazz&${nearFuture}`))).toEqual(['Jazz Night', 'London Jazz Fest']);
    expect(titles(await list(`categories=comedy,classical&${nearFuture}`))).toEqual(['Comedy Club', 'Symphony No. 9']);
  });

  it('q searches title, performers and description', async () => {
    expect(titles(await list('q=miles'))).toEqual(['Jazz Night']);
    expect(titles(await list('q=guitar'))).toEqual(['Rock Warmup']);
    expect(titles(await list('q=symphony'))).toEqual(['Symphony No. 9']);
    // Title words rank above description words; relevance is the default sort with q.
    const jazz = await list('q=jazz');
    expect(titles(jazz).sort()).toEqual(['Jazz Night', 'London Jazz Fest']);
  });

  it('venueId and accessibility', async () => {
    expect(titles(await list(`venueId=${ids.inside}`))).toEqual(['Edge In']);
    const loop = await list(`accessibility=hearing_loop,step_free&${nearFuture}`);
    expect(titles(loop)).toEqual(['Jazz Night', 'Symphony No. 9', 'Sold Out Pop']);
    expect(loop.events[0].accessibility).toEqual(['wheelchair', 'step_free', 'hearing_loop']);
    expect(loop.events[0].transit.stops[0]).toEqual({ name: 'Central', lines: ['U1', 'S5'], walkingMinutes: 4 });
  });

  it('available=true drops cancelled, postponed and sold-out events but keeps queues and future on-sales', async () => {
    const names = titles(await list(`available=true&${nearFuture}&limit=100`));
    expect(names).not.toContain('Cancelled Gig');
    expect(names).not.toContain('Postponed Pop');
    expect(names).not.toContain('Sold Out Pop');
    expect(names).toContain('Rave Soon');
    expect(names).toContain('Rave Queue');
    expect(names).toContain('Symphony No. 9');
    expect(names).toHaveLength(upcoming.length - 3);
  });

  it('filters combine', async () => {
    const body = await list(
      `near=${berlin.lat},${berlin.lng}&radiusKm=10&categories=jazz,classical,pop&maxPrice=7000&accessibility=step_free&available=true&q=symphony`,
    );
    expect(titles(body)).toEqual(['Symphony No. 9']);
    const two = await list(
      `near=${berlin.lat},${berlin.lng}&radiusKm=10&categories=jazz,classical,pop&available=true&from=${at(0).toISOString()}&to=${at(6).toISOString()}`,
    );
    expect(titles(two)).toEqual(['Jazz Night', 'Symphony No. 9']);
  });
});

describe('sorting and pagination', () => {
  it('sort=price orders by the cheapest all-in ticket, then time', async () => {
    const body = await list(`sort=price&${nearFuture}&limit=100`);
    const mins = body.events.map((e) => e.price.min);
    expect(mins).toEqual([...mins].sort((a, b) => a - b));
    expect(body.events[0].price).toEqual({ min: 1000, max: 1000, currency: 'EUR' });
    expect(body.events.find((e) => e.title === 'Rock Warmup').price).toEqual({ min: 5500, max: 8800, currency: 'EUR' });
  });

  it('sort=distance orders by distance from near, and needs a point', async () => {
    const body = await list(`sort=distance&near=${berlin.lat},${berlin.lng}&radiusKm=7000&${nearFuture}&limit=100`);
    const d = body.events.map((e) => e.venue.distanceKm);
    expect(d).toEqual([...d].sort((a, b) => a - b));
    expect(body.events.at(-1).title).toBe('Broadway Musical');
    const refused = await env.api.get('/v1/events?sort=distance');
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([expect.objectContaining({ in: 'query', field: 'sort' })]);
  });

  it('sort=relevance with q ranks by text rank', async () => {
    const body = await list('q=jazz&sort=relevance');
    expect(body.events).toHaveLength(2);
    const date = await list('q=jazz&sort=date');
    expect(titles(date)).toEqual(['Jazz Night', 'London Jazz Fest']);
  });

  for (const query of [
    `sort=date&${nearFuture}`,
    `sort=price&${nearFuture}`,
    `sort=distance&near=${berlin.lat},${berlin.lng}&radiusKm=8000`,
    `sort=relevance&q=${encodeURIComponent('jazz or pop or rock or rave or edge or comedy')}`,
    'sort=relevance',
  ]) {
    it(`walks every page without duplicates or gaps: ${query}`, async () => {
      const all = await list(`${query}&limit=100`);
      expect(all.nextCursor).toBeNull();
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: Awaited<ReturnType<typeof list>> = await list(
          `${query}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        );
        seen.push(...page.events.map((e) => e.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor && pages < 50);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual(all.events.map((e) => e.id));
      expect(seen.length).toBeGreaterThan(4);
    });
  }

  it('the signed-in fan’s suggestions page without duplicates or gaps too', async () => {
    const token = await profiled({ interests: ['jazz', 'pop', 'electronic'], home: berlin });
    const all = await list('limit=100', token);
    expect(all.personalized).toBe(true);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof list>> = await list(`limit=3${cursor ? `&cursor=${cursor}` : ''}`, token);
      seen.push(...page.events.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.events.map((e) => e.id));
  });
});

async function profiled(p: {
  interests?: string[];
  home?: { lat: number; lng: number };
  needs?: string[];
  budget?: number;
}) {
  const account = await signedIn(env);
  await env.infra.database.db
    .update(users)
    .set({
      interests: p.interests ?? [],
      homeLat: p.home?.lat ?? null,
      homeLng: p.home?.lng ?? null,
      accessibilityNeeds: p.needs ?? [],
      budgetCents: p.budget ?? null,
    })
    .where(eq(users.id, account.userId));
  return account.token;
}

describe('bad parameters', () => {
  const cases: [string, string][] = [
    ['radiusKm=5', 'radiusKm'],
    [`from=${at(3).toISOString()}&to=${at(1).toISOString()}`, 'from'],
    ['categories=jazz,polka', 'categories'],
    ['accessibility=ramp', 'accessibility'],
    ['near=91,13', 'near'],
    ['near=berlin', 'near'],
    ['minPrice=500&maxPrice=100', 'minPrice'],
    ['cursor=bm90LWEtY3Vyc29y', 'cursor'],
    ['sort=cheapest', 'sort'],
    ['colour=blue', 'colour'],
    ['limit=1000', 'limit'],
  ];
  for (const [query, field] of cases) {
    it(`${query} → 400 naming ${field}`, async () => {
      const res = await env.api.get(`/v1/events?${query}`);
      expect(res.status).toBe(400);
      expect(res.contentType).toContain('application/problem+json');
      expect(res.body.code ?? res.body.type).toBeDefined();
      expect(res.body.errors).toEqual([expect.objectContaining({ in: 'query', field })]);
    });
  }

  it('a cursor from another sort is refused', async () => {
    const page = await list(`sort=date&limit=1`);
    const res = await env.api.get(`/v1/events?sort=price&cursor=${page.nextCursor}`);
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatchObject({ in: 'query', field: 'cursor' });
  });
});

describe('result contents', () => {
  it('start time in UTC and in the venue’s zone with its offset', async () => {
    const body = await list('from=2030-01-01');
    const winter = body.events.find((e) => e.title === 'Winter NYC');
    expect(winter.startsAt).toEqual({
      utc: '2030-01-15T01:30:00Z',
      local: '2030-01-14T20:30:00-05:00',
      timeZone: 'America/New_York',
    });
    const summer = body.events.find((e) => e.title === 'Summer Berlin');
    expect(summer.startsAt).toEqual({
      utc: '2030-07-01T18:00:00Z',
      local: '2030-07-01T20:00:00+02:00',
      timeZone: 'Europe/Berlin',
    });
    expect(summer.price).toBeNull();
  });

  it('availability states and remaining counts', async () => {
    const byTitle = new Map((await list(`${nearFuture}&limit=100`)).events.map((e) => [e.title, e.availability]));
    expect(byTitle.get('Jazz Night')).toMatchObject({ state: 'on_sale', remaining: 100, capacity: 100 });
    expect(byTitle.get('Symphony No. 9')).toMatchObject({ state: 'on_sale', remaining: 5, capacity: 10 });
    expect(byTitle.get('Sold Out Pop')).toMatchObject({ state: 'sold_out', remaining: 0, capacity: 10 });
    expect(byTitle.get('Cancelled Gig')).toMatchObject({ state: 'cancelled' });
    expect(byTitle.get('Postponed Pop')).toMatchObject({ state: 'postponed' });
    const soon = byTitle.get('Rave Soon');
    expect(soon.state).toBe('not_yet');
    expect(Date.parse(soon.queueOpensAt)).toBeGreaterThan(Date.now());
    expect(Date.parse(soon.onSaleAt)).toBeGreaterThan(Date.parse(soon.queueOpensAt));
    const queue = byTitle.get('Rave Queue');
    expect(queue.state).toBe('queue_open');
    expect(Date.parse(queue.queueOpensAt)).toBeLessThan(Date.now());
  });

  it('the sale phase: one answer, the card’s availability folded from it', async () => {
    const phases = new Map((await list(`${nearFuture}&limit=100`)).events.map((e) => [e.title, e.phase]));
    expect(Object.fromEntries(phases)).toMatchObject({
      'Jazz Night': 'on_sale',
      'Sold Out Pop': 'sold_out',
      'Cancelled Gig': 'cancelled',
      'Postponed Pop': 'postponed',
      'Rave Soon': 'scheduled',
      'Rave Queue': 'prequeue',
      // Published, no on-sale: nothing can be bought yet, whatever its status says.
      'Rock Warmup': 'announced',
    });
    const rock = await env.api.get(`/v1/events/${ids['Rock Warmup']}`);
    expect(rock.body).toMatchObject({
      phase: 'announced',
      availability: { state: 'not_yet' },
      sale: { phase: 'announced', mode: null },
    });
  });

  it('availability is live: a new hold or sale shows on the next request', async () => {
    const db = env.infra.database.db;
    const before = (await list(`venueId=${ids.philharmonie}&categories=classical`)).events[0].availability.remaining;
    await takeSeats(db, fan.userId, ids['Symphony No. 9']!, seatTierId, seatIds.slice(5, 7), 'held');
    const after = (await list(`venueId=${ids.philharmonie}&categories=classical`)).events[0].availability.remaining;
    expect(after).toBe(before - 2);
    await db.update(gaInventory).set({ sold: 100 }).where(eq(gaInventory.eventId, ids['Jazz Night']!));
    const jazz = (await list(`categories=jazz&venueId=${ids.philharmonie}`)).events[0];
    expect(jazz.availability).toMatchObject({ state: 'sold_out', remaining: 0 });
    await db.update(gaInventory).set({ sold: 0 }).where(eq(gaInventory.eventId, ids['Jazz Night']!));
  });
});

describe('suggestions from the profile', () => {
  it('uses interests, home, accessibility needs and budget, and says why', async () => {
    const token = await profiled({ interests: ['jazz'], home: berlin, needs: ['step_free'], budget: 4000 });
    const body = await list('', token);
    expect(body.personalized).toBe(true);
    expect(body.origin).toEqual({ ...berlin, source: 'home' });
    const first = body.events[0];
    expect(first.title).toBe('Jazz Night');
    const km = Math.round(referenceKm(berlin, { lat: first.venue.lat, lng: first.venue.lng }));
    expect(first.reasons).toEqual(['matches: jazz', `${km} km`, 'step-free', 'within budget']);
    const names = titles(body);
    // Suggestions are near home and bookable: no London, nothing cancelled, postponed or sold out.
    for (const gone of [
      'London Jazz Fest',
      'Cancelled Gig',
      'Postponed Pop',
      'Sold Out Pop',
      'Secret Draft',
      'Broadway Musical',
    ])
      expect(names).not.toContain(gone);
    // Without an interest match, a venue with the fan's need outranks one without (Potsdam has none).
    expect(names.indexOf('Rock Warmup')).toBeLessThan(names.indexOf('Comedy Club'));
  });

  it('interests alone suggest matching events anywhere', async () => {
    const token = await profiled({ interests: ['jazz', 'musical'] });
    const body = await list('', token);
    expect(body.personalized).toBe(true);
    expect(new Set(titles(body))).toEqual(new Set(['Jazz Night', 'London Jazz Fest', 'Broadway Musical']));
    expect(body.events.every((e) => e.reasons[0].startsWith('matches: '))).toBe(true);
  });

  it('an explicit filter turns suggestions off', async () => {
    const token = await profiled({ interests: ['jazz'], home: berlin });
    const body = await list(`categories=comedy`, token);
    expect(body.personalized).toBe(false);
    expect(titles(body)).toEqual(['Comedy Club']);
    expect(body.events[0].venue.distanceKm).toBeGreaterThan(20);
  });
});

describe('GET /v1/events/:id', () => {
  it('has tiers and the seat map with live per-seat status, a strong ETag and 304 on If-None-Match', async () => {
    const id = ids['Symphony No. 9']!;
    // The seat map comes when asked for (include=seats): the page that sells asks.
    const res = await env.api.get(`/v1/events/${id}?include=seats`);
    expect(res.status).toBe(200);
    const etag = res.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(res.body.tiers).toEqual([
      expect.objectContaining({ kind: 'reserved', priceCents: 6000, feeCents: 600, totalCents: 6600, capacity: 10 }),
    ]);
    const [section] = res.body.seatMap.sections;
    expect(section.name).toBe('A');
    expect(section.rows.map((r: any) => r.row)).toEqual(['1', '2']);
    const statuses = section.rows.flatMap((r: any) => r.seats.map((s: any) => s.status));
    const expected = (await env.infra.database.db.select().from(seats).where(inArray(seats.id, seatIds))).sort(
      (a, b) => a.rowIndex - b.rowIndex || a.number - b.number,
    );
    expect(statuses).toEqual(expected.map((s) => s.status));
    expect(section.rows[0].seats[0].accessible).toBe(true);
    expect(res.body.availability.remaining).toBe(statuses.filter((s: string) => s === 'available').length);

    const again = await env.api.get(`/v1/events/${id}?include=seats`, { headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
    expect(again.body).toBeUndefined();
    expect(again.headers.get('etag')).toBe(etag);

    await takeSeats(env.infra.database.db, fan.userId, id, seatTierId, [seatIds[9]!], 'sold');
    // The seat map is shared by every viewer for up to a second (a drop's thundering herd).
    await new Promise((r) => setTimeout(r, INVENTORY_CACHE_MS + 50));
    const changed = await env.api.get(`/v1/events/${id}?include=seats`, { headers: { 'If-None-Match': etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
  });

  it('is light by default: the seat map only with include=seats; each form has its own ETag (a 7,000-seat event, sizes)', async () => {
    const db = env.infra.database.db;
    // In the past, so no search above or below lists it. 7,000 seats: the reserved part of the
    // simulator's 10,000-place drop, whose event page weighed ~1.1 MB with its seat map.
    const id = (await event(db, organizer.userId, ids.philharmonie!, { title: 'Arena', startsAt: at(-5) })).id;
    await seatedTier(db, id, { price: 5000, fee: 500, rows: 70, perRow: 100 });
    const get = async (query: string, etag?: string) => {
      const res = await fetch(`${env.api.baseUrl}/v1/events/${id}${query}`, {
        headers: etag ? { 'if-none-match': etag } : {},
      });
      const text = await res.text();
      return {
        status: res.status,
        etag: res.headers.get('etag')!,
        bytes: Buffer.byteLength(text),
        body: text ? JSON.parse(text) : undefined,
      };
    };

    const light = await get('');
    const full = await get('?include=seats');
    expect([light.status, full.status]).toEqual([200, 200]);
    expect(light.body).not.toHaveProperty('seatMap');
    expect(full.body.seatMap.sections[0].rows).toHaveLength(70);
    expect(full.body.seatMap.sections[0].rows.flatMap((r: any) => r.seats)).toHaveLength(7000);
    // Everything else is the same: tiers, live availability, policies.
    const { seatMap: _seatMap, ...head } = full.body;
    expect(head).toEqual(light.body);
    expect(light.body.availability).toMatchObject({ remaining: 7000, capacity: 7000 });
    // Measured: 1,040 bytes without the seat map, 1,024,127 with it (146 bytes a seat).
    expect(light.bytes).toBeLessThan(2_000);
    expect(full.bytes).toBeGreaterThan(1_000_000);
    expect(full.bytes - light.bytes).toBeGreaterThan(7000 * 140);

    // The two forms are two representations: a tag revalidates only its own.
    expect(light.etag).toMatch(/^"[\w-]+"$/);
    expect(light.etag).not.toBe(full.etag);
    expect(await get('', light.etag)).toMatchObject({ status: 304, etag: light.etag, bytes: 0 });
    expect(await get('?include=seats', full.etag)).toMatchObject({ status: 304, etag: full.etag, bytes: 0 });
    expect((await get('', full.etag)).status).toBe(200);
    expect((await get('?include=seats', light.etag)).status).toBe(200);
  });

  it('include names only what it knows: 400 naming include', async () => {
    const id = ids['Symphony No. 9']!;
    for (const query of ['include=seatmap', 'include=seats,tiers', 'include=seats&include=seats']) {
      const res = await env.api.get(`/v1/events/${id}?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.contentType).toContain('application/problem+json');
      expect(res.body.code).toBe('request.invalid');
      expect(res.body.errors).toEqual([expect.objectContaining({ in: 'query', field: 'include' })]);
    }
    // Words may repeat or carry spaces, as in the search's comma lists.
    expect((await env.api.get(`/v1/events/${id}?include=seats,%20seats`)).body.seatMap.sections).toHaveLength(1);
  });

  it('measures the distance from the fan’s home, from `near` when given, and not at all for a visitor', async () => {
    // Its own event, in the past so no search lists it: the others' shared copies stay cold.
    const db = env.infra.database.db;
    const id = (await event(db, organizer.userId, ids.philharmonie!, { title: 'Distance', startsAt: at(-5) })).id;
    const home = await profiled({ home: berlin });
    const homeless = await profiled({});
    const venue = (await env.api.get(`/v1/events/${id}`)).body.venue;
    expect(venue.distanceKm).toBeNull();
    const fromHome = (await env.api.get(`/v1/events/${id}`, { token: home })).body.venue;
    const reference = referenceKm(berlin, venue);
    expect(Math.abs(fromHome.distanceKm - reference)).toBeLessThan(0.05);
    expect((await env.api.get(`/v1/events/${id}`, { token: homeless })).body.venue.distanceKm).toBeNull();
    // `near` wins over the home, for the page that asks from where the fan stands.
    const far = (await env.api.get(`/v1/events/${id}?near=48.8566,2.3522`, { token: home })).body.venue;
    expect(far.distanceKm).toBeGreaterThan(800);
    // The organizer's fresh read measures from its home too.
    await env.infra.database.db
      .update(users)
      .set({ homeLat: berlin.lat, homeLng: berlin.lng })
      .where(eq(users.id, organizer.userId));
    const asOrganizer = (await env.api.get(`/v1/events/${id}`, { token: organizer.token })).body;
    expect(asOrganizer.manage).not.toBeNull();
    expect(Math.abs(asOrganizer.venue.distanceKm - reference)).toBeLessThan(0.05);
    await db.update(users).set({ homeLat: null, homeLng: null }).where(eq(users.id, organizer.userId));
  });

  it('carries end time and policies; the organizer and admins also get the draft state, and the ETag tells the copies apart', async () => {
    const db = env.infra.database.db;
    const id = ids['Jazz Night']!;
    const refundableUntil = new Date('2030-01-01T12:00:00Z');
    const endsAt = new Date(at(1).getTime() + 3 * hour);
    await db
      .update(events)
      .set({ refundableUntil, transfersAllowed: false, perAccountLimit: 4, endsAt })
      .where(eq(events.id, id));
    const [other, admin] = await Promise.all([signedIn(env, ['organizer']), signedIn(env, ['admin'])]);

    const anonymous = await env.api.get(`/v1/events/${id}`);
    expect(anonymous.body).toMatchObject({
      endsAt: endsAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      policies: { refundableUntil: '2030-01-01T12:00:00Z', transfersAllowed: false, perAccountLimit: 4 },
      manage: null,
    });
    const asFan = await env.api.get(`/v1/events/${id}`, { token: fan.token });
    const asOther = await env.api.get(`/v1/events/${id}`, { token: other.token });
    const asOrganizer = await env.api.get(`/v1/events/${id}`, { token: organizer.token });
    const asAdmin = await env.api.get(`/v1/events/${id}`, { token: admin.token });
    expect([asFan, asOther].map((r) => r.body.manage)).toEqual([null, null]);
    expect([asOrganizer, asAdmin].map((r) => r.body.manage)).toEqual([{ draft: false }, { draft: false }]);
    // Same availability, different representation: a cache must not hand the organizer's copy to a fan.
    expect(asOrganizer.headers.get('etag')).not.toBe(anonymous.headers.get('etag'));
    expect(asOrganizer.headers.get('cache-control')).toContain('private');
    expect(
      (await env.api.get(`/v1/events/${id}`, { headers: { 'If-None-Match': asOrganizer.headers.get('etag')! } }))
        .status,
    ).toBe(200);
    expect(
      (
        await env.api.get(`/v1/events/${id}`, {
          token: organizer.token,
          headers: { 'If-None-Match': asOrganizer.headers.get('etag')! },
        })
      ).status,
    ).toBe(304);

    // A policy change is a new representation, once the shared one-second copy of the event has
    // passed (organizers read it fresh: they see it at once).
    await db.update(events).set({ transfersAllowed: true }).where(eq(events.id, id));
    await new Promise((r) => setTimeout(r, INVENTORY_CACHE_MS + 50));
    const changed = await env.api.get(`/v1/events/${id}`, {
      headers: { 'If-None-Match': anonymous.headers.get('etag')! },
    });
    expect(changed.status).toBe(200);
    expect(changed.body.policies.transfersAllowed).toBe(true);

    const draft = ids['Secret Draft']!;
    expect((await env.api.get(`/v1/events/${draft}`, { token: organizer.token })).body).toMatchObject({
      status: 'draft',
      manage: { draft: true },
    });
    expect((await env.api.get(`/v1/events/${draft}`, { token: admin.token })).body.manage).toEqual({ draft: true });
    expect((await env.api.get(`/v1/events/${draft}`, { token: other.token })).status).toBe(404);
    expect((await env.api.get(`/v1/events/${draft}`, { token: fan.token })).status).toBe(404);
  });

  it('answers 404 for drafts and unknown ids', async () => {
    expect((await env.api.get(`/v1/events/${ids['Secret Draft']}`)).status).toBe(404);
    expect((await env.api.get('/v1/events/00000000-0000-4000-8000-000000000000')).body.code).toBe(
      'discovery.event_not_found',
    );
  });
});
