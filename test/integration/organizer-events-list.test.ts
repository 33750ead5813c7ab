import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { events } from '../../src/catalog/catalog.table.js';
import type { EventStatus } from '../../src/catalog/vocabulary.js';
import { event, venue } from '../support/discovery.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';

/** GET /v1/organizer/events a page at a time: more than 200 events, searched and filtered. */

let env: TestEnv;
let organizer: { token: string; userId: string };
const day = 86_400_000;
const MANY = 230;
const statuses: EventStatus[] = ['on_sale', 'scheduled', 'draft', 'sold_out', 'cancelled'];
let newDraftId: string;
let newYorkLateId: string;
const as = (who: { token: string }) => ({ token: who.token });
const list = (query = '') => env.api.get(`/v1/organizer/events${query ? `?${query}` : ''}`, as(organizer));

let startedAt: number;

beforeAll(async () => {
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '10000' });
  organizer = await signedIn(env, ['organizer']);
  const db = env.infra.database.db;
  const berlin = await venue(db, organizer.userId, { name: 'Hall B', latitude: 52.5, longitude: 13.4 });
  const newYork = await venue(db, organizer.userId, {
    name: 'Hudson Room',
    city: 'New York',
    country: 'US',
    timeZone: 'America/New_York',
    latitude: 40.7,
    longitude: -74,
  });
  // 230 events over the next 230 days (and 10 past ones among them), in one statement.
  startedAt = Date.now();
  await db.insert(events).values(
    Array.from({ length: MANY }, (_, i) => ({
      organizerId: organizer.userId,
      venueId: berlin.id,
      title: `Concert ${String(i).padStart(3, '0')}${i === 7 ? ' 100% Jazz' : ''}`,
      startsAt: new Date(startedAt + (i - 10) * day + 3_600_000),
      status: statuses[i % statuses.length]!,
    })),
  );
  // 00:30 on 2 March 2030 in New York is 05:30 UTC: the same day there and in UTC. 23:30 on 1 March
  // in New York is 04:30 UTC on 2 March: a different day at the venue than in UTC.
  newYorkLateId = (
    await event(db, organizer.userId, newYork.id, {
      title: 'Late Show',
      startsAt: new Date('2030-03-02T04:30:00Z'),
      status: 'scheduled',
    })
  ).id;
  // The draft of issue 20: created now, dated next year, after every other event.
  const created = await env.api.post(
    '/v1/events',
    { venueId: berlin.id, title: 'Winter Gala', startsAt: new Date(Date.now() + 400 * day).toISOString() },
    as(organizer),
  );
  expect(created.status).toBe(201);
  newDraftId = created.body.id;
}, 60_000);
afterAll(() => env?.close());

describe('the organizer’s events, a page at a time', () => {
  it('pages through all 232 events, none twice and none left out: no cap at 200', async () => {
    const first = await list();
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ total: MANY + 2, page: 1, limit: 20 });
    expect(first.body.events).toHaveLength(20);
    const seen: string[] = [];
    const pages = Math.ceil((MANY + 2) / 100);
    for (let page = 1; page <= pages; page++) {
      const res = await list(`limit=100&page=${page}`);
      expect(res.body.total).toBe(MANY + 2);
      seen.push(...res.body.events.map((e: any) => e.id));
    }
    expect(seen).toHaveLength(MANY + 2);
    expect(new Set(seen).size).toBe(MANY + 2);
    // Upcoming first by start: next year's draft after the 220 upcoming concerts, before the 2030
    // Late Show and the 10 past concerts.
    expect(seen.indexOf(newDraftId)).toBe(MANY - 10);
    expect(seen.indexOf(newYorkLateId)).toBe(MANY - 10 + 1);
    const beyond = await list(`limit=100&page=${pages + 1}`);
    expect(beyond.body).toEqual({ events: [], total: MANY + 2, page: pages + 1, limit: 100 });
  });

  it('finds a new draft dated next year: by title, by status, and first among the newest', async () => {
    const byTitle = await list('q=winter%20GALA');
    expect(byTitle.body.total).toBe(1);
    expect(byTitle.body.events.map((e: any) => [e.id, e.status])).toEqual([[newDraftId, 'draft']]);
    const drafts = await list('status=draft&limit=100');
    expect(drafts.body.total).toBe(MANY / statuses.length + 1);
    expect(drafts.body.events.every((e: any) => e.status === 'draft')).toBe(true);
    expect(drafts.body.events.map((e: any) => e.id)).toContain(newDraftId);
    expect((await list('sort=created&limit=1')).body.events[0].id).toBe(newDraftId);
  });

  it('searches titles as text (a % is a percent sign) and filters by the day at the venue', async () => {
    expect((await list('q=100%25')).body.events.map((e: any) => e.title)).toEqual(['Concert 007 100% Jazz']);
    expect((await list('q=concert%20_')).body.total).toBe(0);
    expect((await list('q=concert&status=cancelled')).body.total).toBe(MANY / statuses.length);
    // The Late Show is on 1 March in New York, though 2 March in UTC.
    expect((await list('from=2030-03-01&to=2030-03-01')).body.events.map((e: any) => e.id)).toEqual([newYorkLateId]);
    expect((await list('from=2030-03-02&to=2030-03-02')).body.total).toBe(0);
    // Counted by the day at the venue, as the filter counts: near midnight UTC an event of
    // "yesterday" in UTC can be today in Berlin.
    const today = new Date().toISOString().slice(0, 10);
    const berlinDay = (at: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin' }).format(at);
    const berlinStarts = Array.from({ length: MANY }, (_, i) => startedAt + (i - 10) * day + 3_600_000);
    const expected = berlinStarts.filter((at) => berlinDay(at) >= today).length + 2; // + the Late Show and the gala
    const upcoming = await list(`from=${today}&limit=1`);
    expect(upcoming.body.total).toBe(expected);
  });

  it('names the wrong parameter in a problem', async () => {
    const field = async (query: string) => {
      const res = await list(query);
      expect(res.status).toBe(400);
      expect(res.contentType).toContain('application/problem+json');
      return res.body.errors.map((e: any) => e.field);
    };
    expect(await field('from=2030-03-02&to=2030-03-01')).toEqual(['to']);
    expect(await field('status=gone')).toEqual(['status']);
    expect(await field('from=tomorrow')).toEqual(['from']);
    expect(await field('page=0')).toEqual(['page']);
    expect(await field('limit=101')).toEqual(['limit']);
    expect(await field('sort=price')).toEqual(['sort']);
    expect(await field('colour=red')).toEqual(['colour']);
  });

  it('documents its paging in the API reference', async () => {
    const spec = (await env.api.get('/v1/openapi.json')).body;
    const params = spec.paths['/v1/organizer/events'].get.parameters.map((p: any) => p.name);
    expect(params).toEqual(expect.arrayContaining(['q', 'status', 'from', 'to', 'sort', 'page', 'limit']));
    const schema = spec.paths['/v1/organizer/events'].get.responses['200'].content['application/json'].schema;
    expect(JSON.stringify(schema)).toContain('total');
  });
});
