/**
 * Hold + order throughput through the HTTP API, next to a baseline measured in the same run:
 * the sales core's conditional UPDATE (`update seats set status = 'held' … where id in (…) and
 * status = 'available'`) issued directly through `postgres`, no HTTP, no service code.
 *
 *   npm run bench:holds [-- --buyers 100 --rounds 5 --pool 10]
 *
 * Both sides get the same number of Postgres connections (--pool, the API process's default),
 * so the ratio measures what the API adds per purchase, not a bigger pool. One event, one seat
 * per purchase, each buyer its own seats (no contention: the race tests cover that). Uses its
 * own database and Redis prefix and drops them afterwards. Ends with one line of JSON.
 */
import { poster } from './support.js';
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { Redis } from 'ioredis';
import postgres from 'postgres';
import type { Infra } from '../src/app.js';
import { users } from '../src/auth/auth.table.js';
import { events, priceTiers, venues } from '../src/catalog/catalog.table.js';
import { loadConfig } from '../src/config.js';
import { drizzle } from 'drizzle-orm/postgres-js';
import type { Database } from '../src/db/client.js';
import * as schema from '../src/db/schema.js';
import { runMigrations } from '../src/db/migrate.js';
import { connectRedis, deleteKeysUnder } from '../src/infra/redis.js';
import { createLogger } from '../src/logger.js';
import { createBroadcaster } from '../src/realtime/broadcaster.js';
import { holds } from '../src/sales/holds.table.js';
import { seats } from '../src/sales/inventory.table.js';
import { onsaleSettings } from '../src/sales/onsale.table.js';
import { startServer } from '../src/server.js';
import { generateSigner } from '../src/shared/signing.js';

const { values } = parseArgs({
  options: {
    buyers: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '5' },
    pool: { type: 'string', default: '10' },
    postgres: {
      type: 'string',
      default:
        process.env.BENCH_POSTGRES_URL ??
        process.env.TEST_POSTGRES_URL ??
        'postgres://postgres@127.0.0.1:5432/postgres',
    },
    redis: {
      type: 'string',
      default: process.env.BENCH_REDIS_URL ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    },
  },
});
const buyers = Number(values.buyers);
const rounds = Number(values.rounds);
const pool = Number(values.pool);
const TARGET = 0.4;
const CARD = { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2034, cvc: '123' };

interface Run {
  ops: number;
  seconds: number;
  throughput: number;
  p50Ms: number;
  p99Ms: number;
}

function summarize(latencies: number[], seconds: number): Run {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    ops: latencies.length,
    seconds: round(seconds),
    throughput: round(latencies.length / seconds),
    p50Ms: round(at(0.5)),
    p99Ms: round(at(0.99)),
  };
}

/** `buyers` concurrent loops of `rounds` operations each; latency per operation, wall time for all. */
async function measure(op: (buyer: number, round: number) => Promise<void>): Promise<Run> {
  const latencies: number[] = [];
  const start = performance.now();
  await Promise.all(
    Array.from({ length: buyers }, async (_, b) => {
      for (let r = 0; r < rounds; r++) {
        const t0 = performance.now();
        await op(b, r);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return summarize(latencies, (performance.now() - start) / 1000);
}

const dbName = `fd_bench_${randomBytes(5).toString('hex')}`;
const admin = postgres(values.postgres, { max: 1, onnotice: () => {} });
await admin.unsafe(`create database ${dbName}`);
const dbUrl = new URL(values.postgres);
dbUrl.pathname = `/${dbName}`;
const prefix = `fdbench:holds:${randomBytes(4).toString('hex')}:`;
const config = loadConfig({
  NODE_ENV: 'test',
  DATABASE_URL: dbUrl.toString(),
  REDIS_URL: values.redis,
  REDIS_PREFIX: prefix,
  HOST: '127.0.0.1',
  PORT: '0',
  LOG_LEVEL: 'silent',
  PASSWORD_SCRYPT_LOG_N: '10',
  AUTH_LIMIT_PER_IP: '100000',
  REQUEST_TIMEOUT_MS: '60000',
});
// The API's pool as connectDatabase builds it, plus a statement counter: the ratio below is
// mostly "statements per purchase", so the output says how many there were.
let counting = false;
let statements = 0;
const apiSql = postgres(dbUrl.toString(), {
  max: pool,
  onnotice: () => {},
  connection: { application_name: 'fairdrop' },
  debug: () => void (counting && statements++),
});
const database: Database = { db: drizzle(apiSql, { schema }), sql: apiSql, close: () => apiSql.end({ timeout: 5 }) };
const redis = connectRedis(values.redis);
const baseline = postgres(dbUrl.toString(), { max: pool, onnotice: () => {} });
let server: Awaited<ReturnType<typeof startServer>> | undefined;

try {
  await runMigrations(dbUrl.toString());
  const infra: Infra = {
    config,
    logger: createLogger(config),
    database,
    redis,
    signer: generateSigner(),
    broadcaster: createBroadcaster(redis as unknown as Redis, config),
  };
  server = await startServer(infra);
  const base = `http://127.0.0.1:${server.port}`;
  const call = poster(base);

  // One event, two reserved tiers: one for the API run, one for the baseline, a seat per operation each.
  const db = database.db;
  const [organizer] = await db
    .insert(users)
    .values({ email: `bench-${prefix}@example.test`, passwordHash: 'x', displayName: 'Bench', roles: ['organizer'] })
    .returning();
  const [venue] = await db
    .insert(venues)
    .values({
      ownerId: organizer!.id,
      name: 'Bench Hall',
      address: '1 Bench St',
      city: 'Paris',
      country: 'FR',
      latitude: 48.8,
      longitude: 2.3,
      timeZone: 'Europe/Paris',
    })
    .returning();
  const [event] = await db
    .insert(events)
    .values({
      organizerId: organizer!.id,
      venueId: venue!.id,
      title: 'Bench night',
      startsAt: new Date(Date.now() + 30 * 86_400_000),
      status: 'on_sale',
    })
    .returning();
  await db
    .insert(onsaleSettings)
    .values({ eventId: event!.id, mode: 'open', saleStartsAt: new Date(Date.now() - 60_000) });
  const perTier = buyers * rounds + 50;
  const tier = async (name: string) => {
    const [row] = await db
      .insert(priceTiers)
      .values({ eventId: event!.id, name, kind: 'reserved', priceCents: 5000, feeCents: 500, currency: 'EUR' })
      .returning();
    const ids = await db
      .insert(seats)
      .values(
        Array.from({ length: perTier }, (_, i) => ({
          eventId: event!.id,
          tierId: row!.id,
          section: name,
          row: String(Math.floor(i / 50) + 1),
          rowIndex: Math.floor(i / 50) + 1,
          number: (i % 50) + 1,
        })),
      )
      .returning({ id: seats.id });
    return { id: row!.id, seatIds: ids.map((s) => s.id) };
  };
  const apiTier = await tier('API');
  const holdTier = await tier('Holds');
  const baseTier = await tier('Baseline');

  const fans: string[] = [];
  for (let i = 0; i < buyers; i += 20) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(20, buyers - i) }, (_, j) =>
        call('/v1/auth/register', {
          email: `fan${i + j}.${prefix.replace(/:/g, '')}@example.test`,
          password: 'bench passphrase',
          displayName: 'Fan',
        }),
      ),
    );
    fans.push(...batch.map((b) => b.token as string));
  }

  const purchase = async (token: string, seatId: string) => {
    const hold = await call('/v1/holds', { eventId: event!.id, tierId: apiTier.id, seats: [seatId] }, token);
    await call('/v1/orders', { holdId: hold.id, payment: { card: CARD } }, token);
  };
  // Warm-up: JIT, connection pools, prepared statements.
  for (let w = 0; w < 20; w++) await purchase(fans[w % fans.length]!, apiTier.seatIds[buyers * rounds + w]!);

  counting = true;
  const api = await measure((b, r) => purchase(fans[b]!, apiTier.seatIds[b * rounds + r]!));
  counting = false;
  const statementsPerPurchase = Math.round((statements / (buyers * rounds)) * 10) / 10;

  // The hold alone (the request that issues the conditional UPDATE), to show what the order adds.
  for (let w = 0; w < 20; w++)
    await call(
      '/v1/holds',
      { eventId: event!.id, tierId: holdTier.id, seats: [holdTier.seatIds[buyers * rounds + w]!] },
      fans[w % fans.length]!,
    );
  statements = 0;
  counting = true;
  const holdOnly = await measure((b, r) =>
    call(
      '/v1/holds',
      { eventId: event!.id, tierId: holdTier.id, seats: [holdTier.seatIds[b * rounds + r]!] },
      fans[b]!,
    ).then(() => undefined),
  );
  counting = false;
  const statementsPerHold = Math.round((statements / (buyers * rounds)) * 10) / 10;

  // The baseline's holds exist beforehand (the seats' hold_id must point at one), one per buyer.
  const baseHolds = await db
    .insert(holds)
    .values(
      Array.from({ length: buyers }, (_, b) => ({
        userId: organizer!.id,
        eventId: event!.id,
        tierId: baseTier.id,
        kind: 'seats' as const,
        quantity: 1,
        seatIds: [baseTier.seatIds[b * rounds]!],
        unitPriceCents: 5000,
        unitFeeCents: 500,
        currency: 'EUR',
        expiresAt: new Date(Date.now() + 3_600_000),
        idempotencyKey: randomUUID(),
      })),
    )
    .returning({ id: holds.id });
  const update = (holdId: string, seatId: string) =>
    baseline`update seats set status = 'held', hold_id = ${holdId}, updated_at = now()
             where id in (${seatId}) and status = 'available'
             returning id, section, row, number, accessible`;
  for (let w = 0; w < 20; w++) await update(baseHolds[0]!.id, baseTier.seatIds[buyers * rounds + w]!);
  const base_ = await measure(async (b, r) => {
    const rows = await update(baseHolds[b]!.id, baseTier.seatIds[b * rounds + r]!);
    if (rows.length !== 1) throw new Error('baseline update missed its seat');
  });

  const ratio = Math.round((api.throughput / base_.throughput) * 1000) / 1000;
  const holdRatio = Math.round((holdOnly.throughput / base_.throughput) * 1000) / 1000;
  const line = (name: string, r: Run) =>
    `${name.padEnd(38)} ${String(r.ops).padStart(6)} ${r.seconds.toFixed(1).padStart(8)} ${r.throughput.toFixed(1).padStart(10)} ${r.p50Ms.toFixed(1).padStart(9)} ${r.p99Ms.toFixed(1).padStart(9)}`;
  console.log(
    `\n${buyers} concurrent buyers × ${rounds} rounds, one event, ${pool} Postgres connections on each side\n`,
  );
  console.log(
    `${'path'.padEnd(38)} ${'ops'.padStart(6)} ${'seconds'.padStart(8)} ${'ops/s'.padStart(10)} ${'p50 ms'.padStart(9)} ${'p99 ms'.padStart(9)}`,
  );
  console.log(line('API: POST /v1/holds + POST /v1/orders', api));
  console.log(line('API: POST /v1/holds alone', holdOnly));
  console.log(line('baseline: conditional UPDATE (postgres)', base_));
  console.log(`\nAPI / baseline throughput: ${(ratio * 100).toFixed(1)}% (target ≥ ${TARGET * 100}%)`);
  console.log(`hold alone / baseline: ${(holdRatio * 100).toFixed(1)}%`);
  console.log(
    `SQL statements per API purchase: ${statementsPerPurchase}, per hold: ${statementsPerHold} (baseline: 1)\n`,
  );
  console.log(
    JSON.stringify({
      bench: 'holds',
      buyers,
      rounds,
      pool,
      api: { ...api, statementsPerOp: statementsPerPurchase },
      holdOnly: { ...holdOnly, statementsPerOp: statementsPerHold, ratio: holdRatio },
      baseline: { ...base_, statementsPerOp: 1 },
      ratio,
      target: TARGET,
      meetsTarget: ratio >= TARGET,
    }),
  );
} finally {
  await server?.close();
  await baseline.end({ timeout: 5 });
  await database.close();
  await redis.quit();
  await deleteKeysUnder(values.redis, prefix);
  await admin.unsafe(`drop database if exists ${dbName} with (force)`);
  await admin.end();
}
