/**
 * `npm run bench:search`: latency of typical discovery searches through the HTTP API, next to
 * a baseline measured in the same run — the very SQL statements the service issued for that
 * search, replayed straight through the `postgres` driver. The difference is the API's cost
 * (HTTP, session lookup, zod, JSON). 100,000 events in a database of its own, dropped after.
 *
 *   ITERATIONS=300 npm run bench:search
 */
import { performance } from 'node:perf_hooks';
import { eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import { type Db, schema } from '../src/db/index.js';
import { DiscoveryService, PLANNER_SETTINGS, searchQuery } from '../src/discovery/index.js';
import { startScratchNode } from '../tools/local/scratch.js';
import { loadScaleCatalog } from '../tools/seed/scale-catalog.js';
import { poster } from './support.js';

const { users } = schema;

const EVENTS = 100_000;
const ITERATIONS = Number(process.env.ITERATIONS ?? 200);
const WARMUP = 20;
const day = 86_400_000;
const inDays = (n: number) => new Date(Date.now() + n * day).toISOString();

interface Search {
  name: string;
  query: Record<string, string>;
  signedIn?: boolean;
}

const searches: Search[] = [
  {
    name: 'city, next 30 days, by date',
    query: { near: '52.52,13.405', radiusKm: '10', to: inDays(30), sort: 'date' },
  },
  {
    name: 'city, available, by price',
    query: { near: '48.8566,2.3522', radiusKm: '15', available: 'true', to: inDays(30), sort: 'price' },
  },
  { name: 'full text "jazz", relevance', query: { q: 'jazz' } },
  { name: 'full text performer', query: { q: 'nina okafor' } },
  { name: 'categories + max price, 60 days', query: { categories: 'jazz,rock', maxPrice: '4000', to: inDays(60) } },
  { name: 'accessibility + date window', query: { accessibility: 'hearing_loop', from: inDays(7), to: inDays(14) } },
  { name: 'suggestions (signed-in profile)', query: {}, signedIn: true },
];

interface Statement {
  text: string;
  params: unknown[];
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
const ms = (n: number) => Math.round(n * 100) / 100;

const env = await startScratchNode();
try {
  const { sql } = env.infra.database;
  process.stdout.write(`loading ${EVENTS.toLocaleString('en')} events… `);
  const started = performance.now();
  await loadScaleCatalog(sql, { eventCount: EVENTS, venueCount: 2_000 });
  process.stdout.write(`${Math.round(performance.now() - started)} ms\n`);

  const registered = await poster(env.url)('/v1/auth/register', {
    email: 'bench-fan@example.test',
    password: 'correct horse battery',
    displayName: 'Bench Fan',
  });
  const fan = { token: registered.token as string, userId: (registered.user as { id: string }).id };
  await env.infra.database.db
    .update(users)
    .set({
      interests: ['jazz', 'rock'],
      homeLat: 52.52,
      homeLng: 13.405,
      accessibilityNeeds: ['step_free'],
      budgetCents: 4000,
    })
    .where(eq(users.id, fan.userId));
  const [me] = await sql<{ id: string; email: string }[]>`select id, email from users where id = ${fan.userId}`;
  const principal = {
    userId: me!.id,
    sessionId: 'bench',
    email: me!.email,
    displayName: 'Bench',
    roles: ['fan' as const],
    emailVerified: true,
  };

  // The service as the API runs it, but on a drizzle handle that records every statement.
  let recorded: Statement[] = [];
  const recordingDb = drizzle(sql, {
    schema,
    logger: { logQuery: (text, params) => void recorded.push({ text, params }) },
  }) as unknown as Db;
  const recorder = new DiscoveryService(recordingDb);

  const rows: {
    name: string;
    apiP50: number;
    apiP95: number;
    bareP50: number;
    bareP95: number;
    ratioP95: number;
    results: number;
  }[] = [];
  for (const search of searches) {
    const qs = new URLSearchParams(search.query).toString();
    const path = `/v1/events${qs ? `?${qs}` : ''}`;
    recorded = [];
    await recorder.search(search.signedIn ? principal : null, searchQuery.parse(search.query));
    const statements = recorded;
    const token = search.signedIn ? fan.token : undefined;

    const api = async () => {
      const res = await fetch(`${env.url}${path}`, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
      const body = (await res.json()) as { events: unknown[] };
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
      return body.events.length;
    };
    // Replays the statements as the repository ran them: the planner setting and the search in one transaction.
    const bare = async () => {
      let n = 0;
      for (let i = 0; i < statements.length; i++) {
        const s = statements[i]!;
        if (s.text === PLANNER_SETTINGS) {
          const next = statements[++i]!;
          n = (
            await sql.begin(async (tx) => {
              await tx.unsafe(s.text);
              return tx.unsafe(next.text, next.params as never[]);
            })
          ).length;
        } else {
          n = (await sql.unsafe(s.text, s.params as never[])).length;
        }
      }
      return n;
    };

    for (let i = 0; i < WARMUP; i++) await Promise.all([api(), bare()]);
    const apiTimes: number[] = [];
    const bareTimes: number[] = [];
    let results = 0;
    // Interleaved, so a burst of load from elsewhere on the machine hits both columns alike.
    for (let i = 0; i < ITERATIONS; i++) {
      let t = performance.now();
      results = await api();
      apiTimes.push(performance.now() - t);
      t = performance.now();
      await bare();
      bareTimes.push(performance.now() - t);
    }
    apiTimes.sort((a, b) => a - b);
    bareTimes.sort((a, b) => a - b);
    const row = {
      name: search.name,
      apiP50: ms(quantile(apiTimes, 0.5)),
      apiP95: ms(quantile(apiTimes, 0.95)),
      bareP50: ms(quantile(bareTimes, 0.5)),
      bareP95: ms(quantile(bareTimes, 0.95)),
      ratioP95: 0,
      results,
    };
    row.ratioP95 = ms(row.apiP95 / row.bareP95);
    rows.push(row);
  }

  const pad = (s: string | number, n: number) => String(s).padStart(n);
  console.log(
    `\n${'search'.padEnd(36)}${pad('results', 8)}${pad('api p50', 10)}${pad('api p95', 10)}${pad('sql p50', 10)}${pad('sql p95', 10)}${pad('p95 ×', 8)}`,
  );
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(36)}${pad(r.results, 8)}${pad(r.apiP50, 10)}${pad(r.apiP95, 10)}${pad(r.bareP50, 10)}${pad(r.bareP95, 10)}${pad(r.ratioP95, 8)}`,
    );
  }
  const worstApiP95 = Math.max(...rows.map((r) => r.apiP95));
  const worstRatio = Math.max(...rows.map((r) => r.ratioP95));
  const pass = worstApiP95 <= 50 && worstRatio <= 3;
  console.log(
    `\nlatencies in ms, ${ITERATIONS} runs each after ${WARMUP} warm-up; target: api p95 ≤ 50 ms and ≤ 3× the bare SQL → ${pass ? 'met' : 'NOT met'}`,
  );
  console.log(
    JSON.stringify({
      bench: 'search',
      events: EVENTS,
      iterations: ITERATIONS,
      unit: 'ms',
      searches: Object.fromEntries(
        rows.map((r) => [
          r.name,
          { apiP50: r.apiP50, apiP95: r.apiP95, sqlP50: r.bareP50, sqlP95: r.bareP95, ratioP95: r.ratioP95 },
        ]),
      ),
      worstApiP95,
      worstRatioP95: worstRatio,
      target: { apiP95Ms: 50, ratioP95: 3 },
      pass,
    }),
  );
} finally {
  await env.close();
}
