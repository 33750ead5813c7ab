import { PgDialect } from 'drizzle-orm/pg-core';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLANNER_SETTINGS, searchSql, type SearchFilter } from '../../src/discovery/discovery.repository.js';
import { loadScaleCatalog } from '../../tools/seed/scale-catalog.js';
import { createTestDatabase, type TestDatabase } from '../support/env.js';

/** With 100,000 events, the typical searches go through the indexes (the exact SQL the service runs). */

let database: TestDatabase;
let sql: postgres.Sql;
const dialect = new PgDialect();
const berlin = { lat: 52.52, lng: 13.405 };
const day = 86_400_000;

const base: SearchFilter = {
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

async function plan(filter: Partial<SearchFilter>): Promise<string> {
  const query = dialect.sqlToQuery(searchSql({ ...base, ...filter }));
  // The same transaction-local settings the repository uses.
  const rows = await sql.begin(async (tx) => {
    await tx.unsafe(PLANNER_SETTINGS);
    return tx.unsafe(`explain ${query.sql}`, query.params as never[]);
  });
  return rows.map((r) => String(r['QUERY PLAN'])).join('\n');
}

async function run(filter: Partial<SearchFilter>) {
  const query = dialect.sqlToQuery(searchSql({ ...base, ...filter }));
  return sql.unsafe(query.sql, query.params as never[]);
}

beforeAll(async () => {
  database = await createTestDatabase();
  sql = postgres(database.url, { max: 2, onnotice: () => {} });
  await loadScaleCatalog(sql, { eventCount: 100_000, venueCount: 2_000 });
}, 120_000);

afterAll(async () => {
  await sql?.end();
  await database?.drop();
});

describe('EXPLAIN at 100,000 events', () => {
  it('has the catalog it claims', async () => {
    const [row] = await sql`select count(*)::int as n from events`;
    expect(row!.n).toBe(100_000);
  });

  it('near a point: the box goes through venues_lat_lng_idx', async () => {
    const filter = { origin: berlin, radius: { center: berlin, km: 10 }, to: new Date(Date.now() + 30 * day) };
    expect(await plan(filter)).toMatch(/Scan (using|on) venues_lat_lng_idx/);
    const rows = await run(filter);
    expect(rows.length).toBeGreaterThan(0);
  });

  it('a date window sorted by date walks events_starts_at_idx', async () => {
    const filter = { from: new Date(Date.now() + 10 * day), to: new Date(Date.now() + 17 * day) };
    expect(await plan(filter)).toMatch(/Scan (using|on) events_starts_at_idx/);
    expect((await run(filter)).length).toBe(21);
  });

  it('the first page of everything upcoming also starts from events_starts_at_idx (no sort of 100k rows)', async () => {
    const text = await plan({});
    expect(text).toMatch(/Index Scan using events_starts_at_idx/);
    expect(text).not.toMatch(/Seq Scan on events/);
  });

  it('full text uses the GIN index events_search_idx', async () => {
    expect(await plan({ q: 'jazz', order: 'text' })).toMatch(/Bitmap Index Scan on events_search_idx/);
    expect((await run({ q: 'jazz', order: 'text' })).length).toBe(21);
  });

  it('categories use events_categories_idx or the date index, never a sequential scan of events', async () => {
    const text = await plan({ categories: ['jazz', 'opera'], to: new Date(Date.now() + 60 * day) });
    expect(text).toMatch(/events_categories_idx|events_starts_at_idx/);
    expect(text).not.toMatch(/Seq Scan on events/);
  });

  it('suggestions around home go through venues_lat_lng_idx', async () => {
    const profile = { interests: ['jazz', 'rock'], home: berlin, accessibilityNeeds: ['step_free'], budgetCents: 4000 };
    const text = await plan({
      order: 'profile',
      profile,
      origin: berlin,
      radius: { center: berlin, km: 100 },
      available: true,
    });
    expect(text).toMatch(/venues_lat_lng_idx/);
    expect(text).not.toMatch(/Seq Scan on events/);
  });
});
