/** The coordinator of `npm run bench:queue` (see bench/queue.ts for what is measured and why). */
import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { createKeys } from '../../queue/keys.js';
import { sessions, users } from '../../src/auth/auth.table.js';
import type { Principal } from '../../src/auth/principal.js';
import { CatalogService } from '../../src/catalog/catalog.service.js';
import { connectDatabase } from '../../src/db/client.js';
import { runMigrations } from '../../src/db/migrate.js';
import { connectRedis, deleteKeysUnder, type AppRedis } from '../../src/infra/redis.js';
import { SessionCache } from '../../src/auth/session-cache.js';
import { createBroadcaster } from '../../src/realtime/broadcaster.js';
import { eventRoom, type QueueServerToClient } from '../../src/realtime/events.js';
import { OnsaleService } from '../../src/sales/onsale.service.js';
import { parseSigningKey, signerFromKey } from '../../src/shared/signing.js';
import { hashSecret, newSecret } from '../../src/shared/tokens.js';
import { createWaitingRoom } from '../../src/waitingroom/room.js';
import type { LoadResult } from '../queue.js';

interface Options {
  sockets: number;
  nodes: number;
  clientProcs: number;
  seconds: number;
  rounds: number;
  concurrency: number;
  threads: number;
  only: string;
  postgres: string;
  redis: string;
  spawnRole(role: string, env?: Record<string, string>): Promise<{ child: ChildProcess; port: number }>;
  runLoad(url: string, tokens: string[], threads: number, concurrency: number, ms: number): Promise<LoadResult>;
  createDatabaseNamed(admin: string): Promise<{ url: string; signingKey: string; drop(): Promise<void> }>;
}

const KB = 1024;
const round1 = (n: number) => Math.round(n * 10) / 10;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => process.stderr.write(`${line}\n`);

/** Asks a child something over IPC and waits for the answer with the same cmd. */
function ask<T>(child: ChildProcess, message: Record<string, unknown>, reply: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: { cmd: string }) => {
      if (m.cmd !== reply) return;
      child.off('message', on);
      resolve(m as T);
    };
    child.on('message', on);
    child.send(message);
  });
}
const rssOf = async (child: ChildProcess) => (await ask<{ bytes: number }>(child, { cmd: 'rss' }, 'rss')).bytes;
const cpuOf = async (child: ChildProcess) => {
  const { user, system } = await ask<{ user: number; system: number }>(child, { cmd: 'cpu' }, 'cpu');
  return user + system;
};

export async function main(o: Options): Promise<void> {
  const children: ChildProcess[] = [];
  const spawn = async (role: string, env?: Record<string, string>) => {
    const s = await o.spawnRole(role, env);
    children.push(s.child);
    return s;
  };
  const stop = (child: ChildProcess) => {
    child.kill('SIGKILL');
    children.splice(children.indexOf(child), 1);
  };
  const db = await o.createDatabaseNamed(o.postgres);
  const prefix = `fdbench:queue:${randomBytes(4).toString('hex')}:`;
  const database = connectDatabase(db.url);
  const redis = connectRedis(o.redis);
  const result: Record<string, unknown> = { machine: { cpus: 2, load1: round1(loadavg()[0] ?? 0) } };
  try {
    await runMigrations(db.url);
    const signer = signerFromKey(parseSigningKey(db.signingKey));
    const eventId = await createQueueEvent(database.db);
    // Opened here, so neither side's first join pays for opening the room.
    // Opening needs no claim window; the default stands in for the config the API nodes load.
    await createWaitingRoom(redis, createKeys(prefix), signer, { QUEUE_CLAIM_WINDOW_MS: 15_000 }).open(eventId, { tokenTtlMs: 600_000 });
    const joinBudget = o.only === 'sockets' ? 0 : 120_000;
    const accounts = Math.max(o.only === 'join' ? 0 : o.sockets, joinBudget);
    log(`creating ${accounts} accounts with sessions…`);
    const tokens = await bulkSessions(database.db, new SessionCache(redis, createKeys(prefix)), accounts);
    const apiEnv = {
      DATABASE_URL: db.url,
      REDIS_URL: o.redis,
      REDIS_PREFIX: prefix,
      SIGNING_KEY: db.signingKey,
      NODE_ENV: 'development',
      RUN_WORKERS: 'false',
      SEED_DEMO: 'false',
      LOG_LEVEL: 'silent',
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: `/tmp/${prefix.replaceAll(':', '_')}`,
      // The load comes from one address and a few accounts' worth of retries: the limits would measure themselves.
      QUEUE_JOIN_LIMIT_PER_IP: '1000000',
      QUEUE_JOIN_LIMIT_PER_ACCOUNT: '10000',
    };

    if (o.only !== 'sockets') result.join = await benchJoin(o, spawn, stop, apiEnv, eventId, tokens.slice(0, joinBudget));
    if (o.only !== 'join') result.sockets = await benchSockets(o, spawn, stop, apiEnv, eventId, tokens.slice(0, o.sockets), redis, prefix);
  } finally {
    for (const child of [...children]) child.kill('SIGKILL');
    await redis.quit();
    await database.close();
    await deleteKeysUnder(o.redis, prefix);
    await db.drop();
  }
  process.stdout.write(`${JSON.stringify({ bench: 'queue', ...result })}\n`);
  process.exit(0);
}

type Spawn = (role: string, env?: Record<string, string>) => Promise<{ child: ChildProcess; port: number }>;

async function benchJoin(o: Options, spawn: Spawn, stop: (c: ChildProcess) => void, apiEnv: Record<string, string>, eventId: string, tokens: string[]) {
  const bare = await spawn('bare-http');
  const api = await spawn('api', apiEnv);
  const path = `/v1/events/${eventId}/queue`;
  const ms = o.seconds * 1000;
  // Warm both up (JIT, connection pools, script cache) with accounts kept apart from the measured ones.
  const warm = tokens.slice(-5_000);
  await o.runLoad(`http://127.0.0.1:${bare.port}${path}`, warm, o.threads, o.concurrency, 2_000);
  await o.runLoad(`http://127.0.0.1:${api.port}${path}`, warm, o.threads, o.concurrency, 2_000);
  const fresh = tokens.slice(0, -5_000);
  const slice = Math.floor(fresh.length / o.rounds);
  const bareRuns: LoadResult[] = [];
  const apiRuns: LoadResult[] = [];
  // The server's own CPU time per answered request: unlike throughput, it hardly moves with
  // whatever else the machine is doing, so it tells where the ratio comes from.
  const cpuPerRequest = async (server: ChildProcess, load: () => Promise<LoadResult>) => {
    const before = await cpuOf(server);
    const result = await load();
    return { result, cpuUs: Math.round((await cpuOf(server)) - before) / Math.max(1, result.ok + result.failed) };
  };
  const bareCpu: number[] = [];
  const apiCpu: number[] = [];
  for (let r = 0; r < o.rounds; r++) {
    const b = await cpuPerRequest(bare.child, () => o.runLoad(`http://127.0.0.1:${bare.port}${path}`, fresh, o.threads, o.concurrency, ms));
    const a = await cpuPerRequest(api.child, () => o.runLoad(`http://127.0.0.1:${api.port}${path}`, fresh.slice(r * slice, (r + 1) * slice), o.threads, o.concurrency, ms));
    bareRuns.push(b.result);
    apiRuns.push(a.result);
    bareCpu.push(b.cpuUs);
    apiCpu.push(a.cpuUs);
    log(`join round ${r + 1}: bare ${b.result.throughput}/s (${Math.round(b.cpuUs)} µs CPU each), api ${a.result.throughput}/s (${Math.round(a.cpuUs)} µs CPU each) ${JSON.stringify(a.result.statuses)}`);
  }
  stop(bare.child);
  stop(api.child);
  const bareTp = median(bareRuns.map((r) => r.throughput));
  const apiTp = median(apiRuns.map((r) => r.throughput));
  const ratio = Math.round((apiTp / bareTp) * 1000) / 1000;
  const freshJoins = apiRuns.reduce((s, r) => s + Math.min(r.fresh, r.ok), 0);
  log(`HTTP join: ${apiTp}/s (p50 ${apiRuns[0]!.p50Ms} ms, p99 ${apiRuns[0]!.p99Ms} ms) vs bare Express ${bareTp}/s → ${Math.round(ratio * 100)}% (target ≥ 60%)`);
  return {
    apiJoinsPerSecond: apiTp,
    bareExpressPerSecond: bareTp,
    ratio,
    target: 0.6,
    met: ratio >= 0.6,
    seconds: o.seconds,
    rounds: o.rounds,
    connections: o.threads * o.concurrency,
    apiP50Ms: median(apiRuns.map((r) => r.p50Ms)),
    apiP99Ms: median(apiRuns.map((r) => r.p99Ms)),
    bareP50Ms: median(bareRuns.map((r) => r.p50Ms)),
    apiCpuUsPerJoin: Math.round(median(apiCpu)),
    bareCpuUsPerRequest: Math.round(median(bareCpu)),
    apiStatuses: apiRuns.map((r) => r.statuses),
    freshJoins,
  };
}

async function benchSockets(o: Options, spawn: Spawn, stop: (c: ChildProcess) => void, apiEnv: Record<string, string>, eventId: string, tokens: string[], redis: AppRedis, prefix: string) {
  const clients = await Promise.all(Array.from({ length: o.clientProcs }, () => spawn('clients')));
  const connectAll = async (urls: string[], list: string[]) => {
    const per = Math.ceil(list.length / clients.length);
    const replies = await Promise.all(
      clients.map((c, i) =>
        ask<{ connected: number; failed: number; firstError: string; ms: number }>(c.child, { cmd: 'connect', urls, tokens: list.slice(i * per, (i + 1) * per), eventId, parallel: 100 }, 'connected'),
      ),
    );
    return { connected: replies.reduce((s, r) => s + r.connected, 0), failed: replies.reduce((s, r) => s + r.failed, 0), firstError: replies.find((r) => r.firstError)?.firstError ?? '', ms: Math.max(...replies.map((r) => r.ms)) };
  };
  const cpuSum = async (children: ChildProcess[]) => (await Promise.all(children.map(cpuOf))).reduce((a, b) => a + b, 0);
  /**
   * Broadcasts `times` cursors after a warm-up one; for each, the time by which 99% of `expected` sockets had it
   * (null if fewer got it), the median, and the CPU the servers and the clients spent per
   * delivered message (over the 3 s window, so pings and timers count too).
   */
  const broadcastTimes = async (send: (at: number) => void, servers: ChildProcess[], expected: number, times = 3) => {
    const out: (number | null)[] = [];
    const got: number[] = [];
    const p50: number[] = [];
    const serverUs: number[] = [];
    const clientUs: number[] = [];
    const clientProcs = clients.map((c) => c.child);
    // One unmeasured broadcast first, as the join runs are warmed up: the first pass through
    // the broadcast path on every process (JIT, first-time allocations) is not the steady state.
    send(Date.now());
    await sleep(3_000);
    for (let i = 0; i < times; i++) {
      await Promise.all(clients.map((c) => ask(c.child, { cmd: 'latencies' }, 'latencies')));
      const [server0, client0] = [await cpuSum(servers), await cpuSum(clientProcs)];
      const at = Date.now();
      send(at);
      await sleep(3_000);
      const [server1, client1] = [await cpuSum(servers), await cpuSum(clientProcs)];
      const replies = await Promise.all(clients.map((c) => ask<{ latencies: [number, number[]][] }>(c.child, { cmd: 'latencies' }, 'latencies')));
      const lat = replies.flatMap((r) => r.latencies.find(([sent]) => sent === at)?.[1] ?? []).sort((a, b) => a - b);
      const need = Math.ceil(expected * 0.99);
      got.push(lat.length);
      out.push(lat.length >= need ? lat[need - 1]! : null);
      p50.push(lat[Math.floor(lat.length / 2)] ?? 0);
      serverUs.push(round1((server1 - server0) / Math.max(1, lat.length)));
      clientUs.push(round1((client1 - client0) / Math.max(1, lat.length)));
    }
    return { p99Ms: out, p50Ms: p50, received: got, serverCpuUsPerMessage: median(serverUs), clientCpuUsPerMessage: median(clientUs) };
  };
  const perNode = Math.ceil(o.sockets / o.nodes);

  // Baseline: a bare socket.io server holding one node's share.
  const bare = await spawn('bare-io');
  const bareBefore = await rssOf(bare.child);
  const bareConn = await connectAll([`ws://127.0.0.1:${bare.port}`], tokens.slice(0, perNode));
  const bareAfter = await rssOf(bare.child);
  const bareKb = (bareAfter - bareBefore) / KB / Math.max(1, bareConn.connected);
  const bareCast = await broadcastTimes((at) => bare.child.send({ cmd: 'broadcast', eventId, at }), [bare.child], bareConn.connected);
  log(`bare socket.io: ${bareConn.connected} sockets, ${round1(bareKb)} KB each, broadcast to 99% in ${JSON.stringify(bareCast.p99Ms)} ms (50% in ${JSON.stringify(bareCast.p50Ms)}); CPU per message: server ${bareCast.serverCpuUsPerMessage} µs, clients ${bareCast.clientCpuUsPerMessage} µs`);
  await Promise.all(clients.map((c) => ask(c.child, { cmd: 'close' }, 'closed')));
  stop(bare.child);

  // The API nodes, each holding its share of authenticated, watching queue sockets.
  const nodes = [];
  for (let i = 0; i < o.nodes; i++) nodes.push(await spawn('api', { ...apiEnv, NODE_ID: `bench-${i}` }));
  const before = await Promise.all(nodes.map((n) => rssOf(n.child)));
  const conn = await connectAll(nodes.map((n) => `ws://127.0.0.1:${n.port}`), tokens);
  log(`API nodes: ${conn.connected} sockets connected in ${round1(conn.ms / 1000)} s (${conn.failed} failed${conn.firstError ? `: ${conn.firstError}` : ''})`);
  const after = await Promise.all(nodes.map((n) => rssOf(n.child)));
  const perNodeKb = nodes.map((_, i) => round1((after[i]! - before[i]!) / KB / Math.max(1, conn.connected / o.nodes)));
  const broadcaster = createBroadcaster(redis, { REDIS_PREFIX: prefix, REDIS_URL: o.redis });
  const sockets = broadcaster.namespace<QueueServerToClient>('/queue');
  const cast = await broadcastTimes(
    (at) => sockets.to(eventRoom(eventId)).emit('cursor', { eventId, cursor: 1, ratePerMinute: 0, phase: 'live', soldOut: false, at }),
    nodes.map((n) => n.child),
    conn.connected,
  );
  await broadcaster.close();
  const apiKb = median(perNodeKb);
  const castMs = median(cast.p99Ms.map((m) => m ?? Infinity));
  const bareCastMs = median(bareCast.p99Ms.map((m) => m ?? Infinity));
  log(`queue sockets: ${conn.connected} over ${o.nodes} nodes, ${apiKb} KB each (per node ${JSON.stringify(perNodeKb)}) vs bare ${round1(bareKb)} KB (target ≤ 20 KB)`);
  log(`cursor broadcast to 99% of ${conn.connected}: ${JSON.stringify(cast.p99Ms)} ms (median ${castMs}; 50% in ${JSON.stringify(cast.p50Ms)}) vs bare io.to(room).emit to ${bareConn.connected}: ${bareCastMs} ms (target ≤ 1000 ms)`);
  log(`CPU per delivered cursor: API nodes ${cast.serverCpuUsPerMessage} µs, clients ${cast.clientCpuUsPerMessage} µs (bare: ${bareCast.serverCpuUsPerMessage} µs, ${bareCast.clientCpuUsPerMessage} µs)`);
  return {
    requested: o.sockets,
    connected: conn.connected,
    failed: conn.failed,
    nodes: o.nodes,
    clientProcesses: o.clientProcs,
    connectSeconds: round1(conn.ms / 1000),
    rssKbPerSocket: apiKb,
    rssKbPerSocketByNode: perNodeKb,
    bareRssKbPerSocket: round1(bareKb),
    bareSockets: bareConn.connected,
    rssTargetKb: 20,
    rssMet: apiKb <= 20,
    broadcastP99Ms: castMs,
    broadcastRunsMs: cast.p99Ms,
    broadcastReceived: cast.received,
    broadcastP50Ms: cast.p50Ms,
    serverCpuUsPerMessage: cast.serverCpuUsPerMessage,
    clientCpuUsPerMessage: cast.clientCpuUsPerMessage,
    bareServerCpuUsPerMessage: bareCast.serverCpuUsPerMessage,
    bareClientCpuUsPerMessage: bareCast.clientCpuUsPerMessage,
    bareBroadcastP99Ms: bareCastMs,
    broadcastTargetMs: 1000,
    broadcastMet: castMs <= 1000,
  };
}

async function createQueueEvent(db: ReturnType<typeof connectDatabase>['db']): Promise<string> {
  const [org] = await db.insert(users).values({ email: `bench.${randomUUID()}@example.test`, passwordHash: 'x', displayName: 'Bench organizer', roles: ['organizer'] }).returning({ id: users.id });
  const organizer: Principal = { userId: org!.id, sessionId: randomUUID(), email: 'bench@example.test', displayName: 'Bench', roles: ['organizer'], emailVerified: true };
  const catalog = new CatalogService(db);
  const venue = await catalog.createVenue(organizer, {
    name: 'Bench Arena', address: '1 Bench Road', city: 'Lyon', country: 'FR', latitude: 45.76, longitude: 4.83, timeZone: 'Europe/Paris', accessibility: [],
    transit: { stops: [], parking: null },
  });
  const event = await catalog.createEvent(organizer, {
    venueId: venue.id, title: 'Bench Drop', description: '', categories: ['rock'], performers: [], startsAt: new Date(Date.now() + 30 * 86_400_000),
    doorsAt: null, endsAt: null, status: 'scheduled', policies: { perAccountLimit: null },
  });
  await catalog.createTier(organizer, event.id, { name: 'Floor', kind: 'ga', priceCents: 5000, feeCents: 500, currency: 'EUR', sortOrder: 0, capacity: 1_000_000 });
  await new OnsaleService(db).put(organizer, event.id, {
    mode: 'queue', prequeueOpensAt: new Date(Date.now() - 60_000), saleStartsAt: new Date(Date.now() + 3_600_000), saleEndsAt: null,
    admitPerMinute: 1_000, purchaseTokenTtlSeconds: 600, holdTtlSeconds: 480, perAccountLimit: null, powDifficulty: 0, state: 'scheduled',
  });
  return event.id;
}

/**
 * Accounts with live sessions, written directly (5,000 per INSERT): the bench measures joins,
 * not sign-ups. Each session is left as a sign-in leaves it: in Postgres and in the session cache.
 */
async function bulkSessions(db: ReturnType<typeof connectDatabase>['db'], cache: SessionCache, count: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < count; i += 5_000) {
    const n = Math.min(5_000, count - i);
    const rows = await db
      .insert(users)
      .values(Array.from({ length: n }, (_, j) => ({ email: `fan.${i + j}.${randomUUID()}@example.test`, passwordHash: 'x', displayName: `Fan ${i + j}`, roles: ['fan'] })))
      .returning({ id: users.id, email: users.email, displayName: users.displayName });
    const batch = rows.map(() => newSecret('fds'));
    const expiresAt = new Date(Date.now() + 86_400_000);
    const opened = await db.insert(sessions).values(rows.map((r, j) => ({ userId: r.id, tokenHash: hashSecret(batch[j]!), expiresAt }))).returning({ id: sessions.id });
    await Promise.all(rows.map((r, j) =>
      cache.put(hashSecret(batch[j]!), { userId: r.id, sessionId: opened[j]!.id, email: r.email, displayName: r.displayName, roles: ['fan'], emailVerified: false }, expiresAt, 'open'),
    ));
    tokens.push(...batch);
  }
  return tokens;
}
