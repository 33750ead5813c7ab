/**
 * Sizing figures for the README's "Scaling out" section, all measured in this run:
 *   - one API node: resident memory of an idle node (and of an idle worker), then per open
 *     socket.io connection following an event room;
 *   - one Redis shard: memory and keys per waiting-room entry after N joins, after the draw and
 *     per issued purchase token and per rate-limit counter,
 *     on a redis-server of its own so nothing else is counted;
 *   - Postgres: bytes per row (table + indexes + TOAST, pg_total_relation_size) of every table
 *     after inserting seats and buying through the API, and bytes per purchase in total.
 *
 *   npm run bench:sizing [-- --entries 100000 --sockets 2000 --seats 20000 --purchases 2000]
 *
 * Uses its own database (dropped afterwards) and its own Redis. Ends with one line of JSON.
 */
import { poster } from './support.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { createKeys } from '../queue/keys.js';
import { WaitingRoom } from '../queue/waiting-room.js';
import { connectRedis, deleteKeysUnder, type Infra } from '../src/infra/index.js';
import { connectDatabase, runMigrations, schema } from '../src/db/index.js';
import { loadConfig } from '../src/config.js';
import { RateLimiter } from '../src/http/index.js';
import { freePort } from '../tools/local/processes.js';
import { createLogger } from '../src/logger.js';
import { createBroadcaster } from '../src/realtime/index.js';
import { startServer } from '../src/server.js';
import { generateSigner } from '../src/shared/index.js';

const { events, onsaleSettings, priceTiers, seats, users, venues } = schema;

const { values } = parseArgs({
  options: {
    entries: { type: 'string', default: '100000' },
    tokens: { type: 'string', default: '10000' },
    sockets: { type: 'string', default: '2000' },
    seats: { type: 'string', default: '20000' },
    purchases: { type: 'string', default: '2000' },
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
const ENTRIES = Number(values.entries);
const TOKENS = Number(values.tokens);
const SOCKETS = Number(values.sockets);
const SEATS = Number(values.seats);
const PURCHASES = Number(values.purchases);
const CARD = { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2034, cvc: '123' };
const root = fileURLToPath(new URL('..', import.meta.url));
const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const per = (bytes: number, n: number) => Math.round(bytes / n);

// ───────────── setup: a database of our own, migrated like production ─────────────
const dbName = `fd_bench_${randomBytes(5).toString('hex')}`;
const admin = postgres(values.postgres, { max: 1, onnotice: () => {} });
await admin.unsafe(`create database ${dbName}`);
const dbUrl = new URL(values.postgres);
dbUrl.pathname = `/${dbName}`;
const prefix = `fdbench:sizing:${randomBytes(4).toString('hex')}:`;
const cleanups: (() => Promise<unknown>)[] = [];

/** Resident set size of a process and, separately, of its descendants (tsx's esbuild service). */
async function rss(pid: number): Promise<{ self: number; children: number }> {
  const kb = async (p: number) =>
    Number(/VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  const parents = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid) parents.set(Number(entry), ppid);
  }
  const descendants = (p: number): number[] =>
    [...parents].filter(([, pp]) => pp === p).flatMap(([c]) => [c, ...descendants(c)]);
  let children = 0;
  for (const c of descendants(pid)) children += await kb(c).catch(() => 0);
  return { self: await kb(pid), children };
}

async function waitReady(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`process exited with ${child.exitCode}`);
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await sleep(100);
  }
  throw new Error('node not ready within 60 s');
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

try {
  await runMigrations(dbUrl.toString());

  // ───────────── 1. one API node and one worker, as separate processes ─────────────
  const dataDir = await mkdtemp(join(tmpdir(), 'fd-sizing-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  const env = {
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: dbUrl.toString(),
    REDIS_URL: values.redis,
    REDIS_PREFIX: prefix,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    SEED_DEMO: 'false',
    HOST: '127.0.0.1',
  };
  const api = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: { ...env, PORT: String(port), RUN_WORKERS: 'false', NODE_ID: 'sizing-api' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const worker = spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], {
    cwd: root,
    env: { ...env, NODE_ID: 'sizing-worker' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  cleanups.push(
    () => stopChild(api),
    () => stopChild(worker),
  );
  await waitReady(port, api);
  // Touch the common routes once, so the figure is a warmed node rather than a fresh one.
  for (let i = 0; i < 50; i++)
    await fetch(`http://127.0.0.1:${port}/${['readyz', 'v1/events?limit=5', 'healthz'][i % 3]}`).then((r) =>
      r.arrayBuffer(),
    );
  await sleep(3_000);
  const apiIdle = await rss(api.pid!);
  const workerIdle = await rss(worker.pid!);

  const sockets: Socket[] = [];
  const room = randomUUID();
  for (let i = 0; i < SOCKETS; i += 200) {
    await Promise.all(
      Array.from({ length: Math.min(200, SOCKETS - i) }, async () => {
        const s = connectSocket(`http://127.0.0.1:${port}`, {
          transports: ['websocket'],
          reconnection: false,
          forceNew: true,
        });
        sockets.push(s);
        await new Promise<void>((resolve, reject) => {
          s.once('connect', resolve);
          s.once('connect_error', reject);
        });
        await s.emitWithAck('subscribe', { eventId: room });
      }),
    );
  }
  await sleep(3_000);
  const apiSockets = await rss(api.pid!);
  for (const s of sockets) s.disconnect();
  const node = {
    apiIdleRssMiB: mib(apiIdle.self),
    // tsx compiles in-process on Node 20; a helper process, if any, is counted apart.
    apiChildProcessesRssMiB: mib(apiIdle.children),
    workerIdleRssMiB: mib(workerIdle.self),
    sockets: SOCKETS,
    apiRssWithSocketsMiB: mib(apiSockets.self),
    bytesPerSocket: per(apiSockets.self - apiIdle.self, SOCKETS),
  };
  await stopChild(api);
  await stopChild(worker);

  // ───────────── 2. one Redis shard: a redis-server of our own ─────────────
  const redisDir = await mkdtemp(join(tmpdir(), 'fd-sizing-redis-'));
  cleanups.push(() => rm(redisDir, { recursive: true, force: true }));
  const redisPort = await freePort();
  const server = spawn(
    'redis-server',
    ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', redisDir],
    { stdio: 'ignore' },
  );
  cleanups.push(() => stopChild(server));
  const shardUrl = `redis://127.0.0.1:${redisPort}`;
  let probe: Redis | undefined;
  for (let attempt = 0; !probe; attempt++) {
    const candidate = new Redis(shardUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    candidate.on('error', () => {}); // refused until redis-server listens
    try {
      await candidate.connect();
      probe = candidate;
    } catch (err) {
      candidate.disconnect();
      if (attempt > 100) throw err;
      await sleep(100);
    }
  }
  const shardProbe = probe;
  cleanups.push(() => shardProbe.quit());
  const shard = connectRedis(shardUrl);
  cleanups.push(() => shard.quit());
  const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await shardProbe.info('memory'))?.[1]);
  const keys = createKeys(prefix);
  const memoryOf = async (names: string[]) => {
    let total = 0;
    for (const k of names) total += Number((await shardProbe.call('MEMORY', 'USAGE', k, 'SAMPLES', '0')) ?? 0);
    return total;
  };

  const waiting = new WaitingRoom(shard, keys, { tokenSecret: randomBytes(32) });
  const eventId = randomUUID();
  const queueKeys = Object.values(keys.queue(eventId));
  const m0 = await usedMemory();
  await waiting.open(eventId, { tokenTtlMs: 600_000 });
  for (let i = 0; i < ENTRIES; i += 5_000) {
    await Promise.all(
      Array.from({ length: Math.min(5_000, ENTRIES - i) }, (_, j) => waiting.join(eventId, `acct-${i + j}`)),
    );
  }
  const m1 = await usedMemory();
  const k1 = await memoryOf(queueKeys);
  const keysAfterJoin = Number(await shardProbe.dbsize());
  await waiting.draw(eventId);
  const m2 = await usedMemory();
  const k2 = await memoryOf(queueKeys);
  for (let admitted = 0; admitted < TOKENS;)
    admitted += (await waiting.admit(eventId, Math.min(2_000, TOKENS - admitted))).admitted.length;
  const m3 = await usedMemory();
  const k3 = await memoryOf(queueKeys);

  const limiter = new RateLimiter(shard, keys);
  const m4 = await usedMemory();
  for (let i = 0; i < 10_000; i += 1_000) {
    await Promise.all(
      Array.from({ length: 1_000 }, (_, j) =>
        limiter.hit([
          { bucket: 'auth-ip', subject: `10.${((i + j) >> 8) & 255}.${(i + j) & 255}.1`, limit: 60, windowSeconds: 60 },
        ]),
      ),
    );
  }
  const m5 = await usedMemory();
  const redisFigures = {
    entries: ENTRIES,
    keysPerEvent: queueKeys.length,
    keysInShardAfterJoins: keysAfterJoin,
    joinedMiB: mib(m1 - m0),
    bytesPerEntryJoined: per(m1 - m0, ENTRIES),
    bytesPerEntryJoinedKeysOnly: per(k1, ENTRIES),
    bytesPerEntryDrawn: per(m2 - m0, ENTRIES),
    bytesPerEntryDrawnKeysOnly: per(k2, ENTRIES),
    mibPer100kDrawn: mib(((m2 - m0) / ENTRIES) * 100_000),
    tokens: TOKENS,
    bytesPerToken: per(m3 - m2, TOKENS),
    bytesPerTokenKeysOnly: per(k3 - k2, TOKENS),
    bytesPerRateLimitKey: per(m5 - m4, 10_000),
  };

  // ───────────── 3. Postgres: seats, then purchases through the API ─────────────
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
  const database = connectDatabase(dbUrl.toString());
  cleanups.push(() => database.close());
  const redis = connectRedis(values.redis);
  cleanups.push(() => redis.quit());
  const logger = createLogger(config);
  const infra: Infra = {
    config,
    logger,
    database,
    redis,
    signer: generateSigner(),
    broadcaster: createBroadcaster(redis, config, logger),
  };
  const http = await startServer(infra);
  cleanups.push(() => http.close());
  const base = `http://127.0.0.1:${http.port}`;
  const call = poster(base);
  const sql = database.sql;
  const tableSizes = async () => {
    const tables = await sql<{ name: string; bytes: string }[]>`
      select c.relname as name, pg_total_relation_size(c.oid) as bytes
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind = 'r' and n.nspname = 'public'`;
    const out = new Map<string, { rows: number; bytes: number }>();
    for (const t of tables) {
      const [{ count }] = (await sql.unsafe(`select count(*)::int as count from "${t.name}"`)) as unknown as [
        { count: number },
      ];
      out.set(t.name, { rows: count, bytes: Number(t.bytes) });
    }
    return out;
  };

  const db = database.db;
  const [organizer] = await db
    .insert(users)
    .values({
      email: `sizing-${randomBytes(3).toString('hex')}@example.test`,
      passwordHash: 'x',
      displayName: 'Sizing',
      roles: ['organizer'],
    })
    .returning();
  const [venue] = await db
    .insert(venues)
    .values({
      ownerId: organizer!.id,
      name: 'Sizing Hall',
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
      title: 'Sizing night',
      startsAt: new Date(Date.now() + 30 * 86_400_000),
      status: 'on_sale',
    })
    .returning();
  await db
    .insert(onsaleSettings)
    .values({ eventId: event!.id, mode: 'open', saleStartsAt: new Date(Date.now() - 60_000) });
  const [tier] = await db
    .insert(priceTiers)
    .values({ eventId: event!.id, name: 'Floor', kind: 'reserved', priceCents: 5000, feeCents: 500, currency: 'EUR' })
    .returning();
  const seatIds: string[] = [];
  for (let i = 0; i < SEATS; i += 5_000) {
    const rows = await db
      .insert(seats)
      .values(
        Array.from({ length: Math.min(5_000, SEATS - i) }, (_, j) => ({
          eventId: event!.id,
          tierId: tier!.id,
          section: 'Floor',
          row: String(Math.floor((i + j) / 50) + 1),
          rowIndex: Math.floor((i + j) / 50) + 1,
          number: ((i + j) % 50) + 1,
        })),
      )
      .returning({ id: seats.id });
    seatIds.push(...rows.map((r) => r.id));
  }
  const fans: string[] = [];
  for (let i = 0; i < PURCHASES; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, PURCHASES - i) }, (_, j) =>
        call('/v1/auth/register', {
          email: `fan${i + j}.${randomBytes(3).toString('hex')}@example.test`,
          password: 'sizing passphrase',
          displayName: 'Fan',
        }),
      ),
    );
    fans.push(...batch.map((b) => b.token as string));
  }
  await sql`vacuum analyze`;
  const before = await tableSizes();
  for (let i = 0; i < PURCHASES; i += 25) {
    await Promise.all(
      Array.from({ length: Math.min(25, PURCHASES - i) }, async (_, j) => {
        const n = i + j;
        const hold = await call('/v1/holds', { eventId: event!.id, tierId: tier!.id, seats: [seatIds[n]!] }, fans[n]);
        await call('/v1/orders', { holdId: hold.id, payment: { card: CARD } }, fans[n]);
      }),
    );
  }
  // Vacuumed, as autovacuum leaves a table in steady state: the held-then-sold seat versions' space is reusable.
  await sql`vacuum analyze`;
  const after = await tableSizes();
  const pgRows = [...after]
    .filter(([, t]) => t.rows > 0)
    .map(([name, t]) => ({
      table: name,
      rows: t.rows,
      bytes: t.bytes,
      bytesPerRow: per(t.bytes, t.rows),
      grewBy: t.bytes - (before.get(name)?.bytes ?? 0),
    }))
    .sort((a, b) => b.bytes - a.bytes);
  const purchaseBytes = pgRows.reduce((sum, t) => sum + Math.max(0, t.grewBy), 0);
  const pick = (name: string) => pgRows.find((t) => t.table === name);
  const pg = {
    seats: SEATS,
    purchases: PURCHASES,
    bytesPerSeatRow: pick('seats')?.bytesPerRow ?? null,
    bytesPerHoldRow: pick('holds')?.bytesPerRow ?? null,
    bytesPerOrderRow: pick('orders')?.bytesPerRow ?? null,
    bytesPerTicketRow: pick('tickets')?.bytesPerRow ?? null,
    bytesPerUserRow: pick('users')?.bytesPerRow ?? null,
    bytesPerPurchaseAllTables: per(purchaseBytes, PURCHASES),
    tables: pgRows.map(({ table, rows, bytesPerRow }) => ({ table, rows, bytesPerRow })),
  };

  // ───────────── report ─────────────
  const row = (label: string, value: string | number) =>
    console.log(`  ${label.padEnd(58)} ${String(value).padStart(12)}`);
  console.log('\nOne API node (separate process, tsx, NODE_ENV=test)');
  row('idle API node RSS, MiB', node.apiIdleRssMiB);
  row('idle worker RSS, MiB', node.workerIdleRssMiB);
  row(`API node RSS with ${SOCKETS} sockets in an event room, MiB`, node.apiRssWithSocketsMiB);
  row('bytes per open socket', node.bytesPerSocket);
  console.log(`\nOne Redis shard (its own redis-server, ${ENTRIES} joins to one event)`);
  row('keys per event, at most (independent of entries)', redisFigures.keysPerEvent);
  row('bytes per entry after joins (used_memory delta)', redisFigures.bytesPerEntryJoined);
  row('bytes per entry after the draw (used_memory delta)', redisFigures.bytesPerEntryDrawn);
  row('  of which in the event keys (MEMORY USAGE)', redisFigures.bytesPerEntryDrawnKeysOnly);
  row('MiB per 100,000 drawn entries', redisFigures.mibPer100kDrawn);
  row(`bytes per issued purchase token (${TOKENS} admitted)`, redisFigures.bytesPerToken);
  row('bytes per rate-limit counter', redisFigures.bytesPerRateLimitKey);
  console.log(
    `\nPostgres (${SEATS} seats, ${PURCHASES} one-seat purchases through the API; vacuumed; table + indexes + TOAST)`,
  );
  console.log(`  ${'table'.padEnd(30)} ${'rows'.padStart(8)} ${'bytes/row'.padStart(10)}`);
  for (const t of pgRows)
    console.log(`  ${t.table.padEnd(30)} ${String(t.rows).padStart(8)} ${String(t.bytesPerRow).padStart(10)}`);
  row('bytes per purchase, all tables that grew', pg.bytesPerPurchaseAllTables);
  console.log('');
  console.log(JSON.stringify({ bench: 'sizing', node, redis: redisFigures, postgres: pg }));
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await deleteKeysUnder(values.redis, prefix);
  await admin.unsafe(`drop database if exists ${dbName} with (force)`);
  await admin.end();
}
