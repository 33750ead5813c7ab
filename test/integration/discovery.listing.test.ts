import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countEvents, type SearchFilter } from '../../src/discovery/discovery.repository.js';
import { seedDemo } from '../../tools/seed/index.js';
import { event, venue } from '../support/discovery.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';

/** What the discover page lists from: the cities that have events, and how many events a search finds. */

let env: TestEnv;
const day = 86_400_000;
const at = (days: number) => new Date(Date.now() + days * day);
const lisbon = { lat: 38.7223, lng: -9.1393 };

beforeAll(async () => {
  env = await createTestEnv();
  const db = env.infra.database.db;
  const o = (await signedIn(env, ['organizer'])).userId;
  const alfama = await venue(db, o, {
    name: 'Alfama',
    city: 'Lisbon',
    country: 'PT',
    timeZone: 'Europe/Lisbon',
    latitude: 38.712,
    longitude: -9.13,
  });
  const belem = await venue(db, o, {
    name: 'Belém',
    city: 'Lisbon',
    country: 'PT',
    timeZone: 'Europe/Lisbon',
    latitude: 38.7,
    longitude: -9.2,
  });
  const konzerthaus = await venue(db, o, {
    name: 'Konzerthaus',
    city: 'Vienna',
    country: 'AT',
    timeZone: 'Europe/Vienna',
    latitude: 48.2,
    longitude: 16.38,
  });
  const porto = await venue(db, o, {
    name: 'Casa',
    city: 'Porto',
    country: 'PT',
    timeZone: 'Europe/Lisbon',
    latitude: 41.15,
    longitude: -8.61,
  });
  const madrid = await venue(db, o, {
    name: 'Sala',
    city: 'Madrid',
    country: 'ES',
    timeZone: 'Europe/Madrid',
    latitude: 40.42,
    longitude: -3.7,
  });
  for (let i = 0; i < 24; i++)
    await event(db, o, (i % 2 ? alfama : belem).id, {
      title: `Lisbon night ${i}`,
      startsAt: at(1 + i),
      categories: i % 3 ? ['folk'] : ['festival'],
    });
  for (let i = 0; i < 3; i++) await event(db, o, konzerthaus.id, { title: `Vienna evening ${i}`, startsAt: at(2 + i) });
  // Neither a draft nor a past event puts its city on the list.
  await event(db, o, porto.id, { title: 'Porto draft', startsAt: at(3), status: 'draft' });
  await event(db, o, madrid.id, { title: 'Madrid last year', startsAt: at(-30), status: 'completed' });
});
afterAll(() => env?.close());

describe('GET /v1/cities', () => {
  it('lists the cities with events still to come, with their counts and the middle of their venues', async () => {
    const res = await env.api.get('/v1/cities');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=60');
    expect(res.body.cities).toEqual([
      { name: 'Lisbon', country: 'PT', lat: 38.706, lng: -9.165, events: 24 },
      { name: 'Vienna', country: 'AT', lat: 48.2, lng: 16.38, events: 3 },
    ]);
  });
});

describe('the total a search finds', () => {
  it('counts every match on the first page, not the page size; later pages leave it out', async () => {
    const first = await env.api.get(`/v1/events?near=${lisbon.lat},${lisbon.lng}&limit=20`);
    expect(first.status).toBe(200);
    expect(first.body.events).toHaveLength(20);
    expect(first.body.total).toEqual({ count: 24, more: false });
    const next = await env.api.get(
      `/v1/events?near=${lisbon.lat},${lisbon.lng}&limit=20&cursor=${encodeURIComponent(first.body.nextCursor)}`,
    );
    expect(next.body.events).toHaveLength(4);
    expect(next.body.total).toBeNull();

    const festival = await env.api.get('/v1/events?categories=festival');
    expect(festival.body.total).toEqual({ count: 8, more: false });
    expect((await env.api.get('/v1/events')).body.total).toEqual({ count: 27, more: false });
    expect((await env.api.get('/v1/events?q=nothingmatchesthis')).body.total).toEqual({ count: 0, more: false });
  });

  it('stops counting at its cap and says there are more', async () => {
    const filter: SearchFilter = {
      origin: null,
      radius: null,
      from: new Date(),
      to: null,
      minPrice: null,
      maxPrice: null,
      categories: [],
      accessibility: [],
      q: null,
      venueId: null,
      available: false,
      order: 'date',
      profile: null,
      after: null,
      limit: 21,
    };
    expect(await countEvents(env.infra.database.db, filter, 10)).toBe(11);
    expect(await countEvents(env.infra.database.db, filter, 100)).toBe(27);
  });
});

describe('the demo catalogue', () => {
  it('puts every city it sells in on the list, Lisbon and Vienna included', async () => {
    const demo = await createTestEnv();
    try {
      await seedDemo(demo.infra.database.db, demo.config, demo.infra.logger);
      const [{ cities }] = [(await demo.api.get('/v1/cities')).body as { cities: { name: string; events: number }[] }];
      const expected = await demo.infra.database.sql<{ city: string }[]>`
        select distinct v.city from events e join venues v on v.id = e.venue_id
        where e.status <> 'draft' and e.starts_at >= now() order by v.city`;
      expect(cities.map((c) => c.name)).toEqual(expected.map((r) => r.city));
      expect(cities.map((c) => c.name)).toEqual(expect.arrayContaining(['Lisbon', 'Vienna']));
      const all = await demo.api.get('/v1/events');
      expect(all.body.total.count).toBe(cities.reduce((sum, c) => sum + c.events, 0));
      expect(all.body.total.count).toBeGreaterThan(all.body.events.length);
    } finally {
      await demo.close();
    }
  }, 180_000);
});
