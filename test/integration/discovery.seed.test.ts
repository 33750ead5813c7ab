import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase } from '../../src/db/client.js';
import { createLogger } from '../../src/logger.js';
import { seedDemo } from '../../tools/seed/index.js';
import { createTestDatabase, createTestEnv, type TestDatabase, type TestEnv } from '../support/env.js';

let env: TestEnv;
let other: TestDatabase;

const counts = async (sql: postgres.Sql) => {
  const [row] = await sql`select
    (select count(*)::int from venues) as venues, (select count(*)::int from events) as events,
    (select count(*)::int from price_tiers) as tiers, (select count(*)::int from seats) as seats,
    (select count(*)::int from holds) as holds, (select count(*)::int from onsale_settings) as onsales,
    (select count(distinct city)::int from venues) as cities`;
  return row!;
};
const fingerprint = async (sql: postgres.Sql) =>
  (await sql`select id, title, status, categories from events order by id`)
    .map((r) => `${r.id}|${r.title}|${r.status}|${r.categories}`)
    .join('\n');

beforeAll(async () => {
  env = await createTestEnv();
  await seedDemo(env.infra.database.db, env.config, env.infra.logger);
  other = await createTestDatabase();
}, 120_000);

afterAll(async () => {
  await env?.close();
  await other?.drop();
});

describe('demo catalog seed', () => {
  it('loads at least 300 events over at least 6 cities, with seats, tiers and on-sales', async () => {
    const c = await counts(env.infra.database.sql);
    expect(c.events).toBeGreaterThanOrEqual(300);
    expect(c.cities).toBeGreaterThanOrEqual(6);
    expect(c.seats).toBeGreaterThan(10_000);
    expect(c.tiers).toBeGreaterThan(c.events);
    const statuses = await env.infra.database.sql`select status, count(*)::int as n from events group by status`;
    const by = Object.fromEntries(statuses.map((r) => [r.status, r.n]));
    for (const s of ['sold_out', 'postponed', 'cancelled', 'on_sale', 'scheduled'])
      expect(by[s], s).toBeGreaterThanOrEqual(3);
    const [soon] = await env.infra.database.sql`
      select count(*)::int as n from onsale_settings where mode = 'queue' and prequeue_opens_at between now() and now() + interval '3 days'`;
    expect(soon!.n).toBeGreaterThanOrEqual(5);
    const [kinds] = await env.infra.database
      .sql`select count(*) filter (where kind = 'ga')::int as ga, count(*) filter (where kind = 'reserved')::int as reserved from price_tiers`;
    expect(kinds!.ga).toBeGreaterThan(50);
    expect(kinds!.reserved).toBeGreaterThan(50);
  });

  it('running it again adds nothing', async () => {
    const before = await counts(env.infra.database.sql);
    await seedDemo(env.infra.database.db, env.config, env.infra.logger);
    expect(await counts(env.infra.database.sql)).toEqual(before);
  });

  it('is deterministic: another database gets the same events', async () => {
    const database = connectDatabase(other.url);
    try {
      await seedDemo(database.db, env.config, createLogger(env.config));
      expect(await fingerprint(database.sql)).toBe(await fingerprint(env.infra.database.sql));
    } finally {
      await database.close();
    }
  });

  it('is searchable: sold-out, postponed, cancelled and queue states show through the API', async () => {
    const res = await env.api.get('/v1/events?limit=100&near=52.52,13.405&radiusKm=30');
    expect(res.status).toBe(200);
    expect(res.body.events.length).toBeGreaterThan(20);
    expect(new Set(res.body.events.map((e: any) => e.venue.city))).toEqual(new Set(['Berlin']));
    const all: any[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await env.api.get(`/v1/events?limit=100&sort=date${cursor ? `&cursor=${cursor}` : ''}`);
      all.push(...page.body.events);
      cursor = page.body.nextCursor;
    } while (cursor);
    const states = new Set(all.map((e) => e.availability.state));
    for (const s of ['on_sale', 'queue_open', 'not_yet', 'sold_out', 'postponed', 'cancelled'])
      expect(states, s).toContain(s);
    const soldOut = all.find((e) => e.availability.state === 'sold_out');
    expect(soldOut.availability.remaining).toBe(0);
    const detail = await env.api.get(`/v1/events/${soldOut.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.tiers.every((t: any) => t.remaining === 0)).toBe(true);
  });

  it('suggests to the demo fan with reasons', async () => {
    const login = await env.api.post('/v1/auth/login', { email: 'fan@fairdrop.local', password: 'fairdrop-demo' });
    expect(login.status).toBe(200);
    const res = await env.api.get('/v1/events', { token: login.body.token });
    expect(res.body.personalized).toBe(true);
    expect(res.body.events.length).toBeGreaterThan(0);
    expect(res.body.events[0].reasons.length).toBeGreaterThan(0);
  });
});
