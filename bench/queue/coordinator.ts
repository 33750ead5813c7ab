/** The coordinator of `npm run bench:queue` (see bench/queue.ts for what is measured and why). */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { createKeys } from '../../queue/keys.js';
import { connectDatabase, runMigrations } from '../../src/db/index.js';
import { connectRedis, deleteKeysUnder } from '../../src/infra/index.js';
import { SessionCache } from '../../src/auth/index.js';
import { parseSigningKey, signerFromKey } from '../../src/shared/index.js';
import { createWaitingRoom } from '../../src/waitingroom/index.js';
import { cpuOf, log, median, round1, type LoadResult, type Spawn } from './ipc.js';
import { apiNodeEnv, bulkSessions, createQueueEvent } from './fixtures.js';
import { benchSockets } from './sockets.js';

interface Options {
  sockets: number;
  nodes: number;
  clientProcs: number;
  seconds: number;
  rounds: number;
  concurrency: number;
  threads: number;
  only: string;
  /** A directory: CPU profiles of every server and client process over the measured broadcasts. */
  profileDir: string;
  postgres: string;
  redis: string;
  spawnRole: Spawn;
  runLoad(url: string, tokens: string[], threads: number, concurrency: number, ms: number): Promise<LoadResult>;
  createDatabaseNamed(admin: string): Promise<{ url: string; signingKey: string; drop(): Promise<void> }>;
}

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
    await createWaitingRoom(redis, createKeys(prefix), signer, { QUEUE_CLAIM_WINDOW_MS: 15_000 }).open(eventId, {
      tokenTtlMs: 600_000,
    });
    const joinBudget = o.only === 'sockets' ? 0 : 120_000;
    const accounts = Math.max(o.only === 'join' ? 0 : o.sockets, joinBudget);
    log(`creating ${accounts} accounts with sessions…`);
    const tokens = await bulkSessions(database.db, new SessionCache(redis, createKeys(prefix)), accounts);
    const apiEnv = apiNodeEnv({ databaseUrl: db.url, redisUrl: o.redis, prefix, signingKey: db.signingKey });

    if (o.only !== 'sockets')
      result.join = await benchJoin(o, spawn, stop, apiEnv, eventId, tokens.slice(0, joinBudget));
    if (o.only !== 'join')
      result.sockets = await benchSockets(o, spawn, stop, apiEnv, eventId, tokens.slice(0, o.sockets), redis, prefix);
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

async function benchJoin(
  o: Options,
  spawn: Spawn,
  stop: (c: ChildProcess) => void,
  apiEnv: Record<string, string>,
  eventId: string,
  tokens: string[],
) {
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
    const b = await cpuPerRequest(bare.child, () =>
      o.runLoad(`http://127.0.0.1:${bare.port}${path}`, fresh, o.threads, o.concurrency, ms),
    );
    const a = await cpuPerRequest(api.child, () =>
      o.runLoad(
        `http://127.0.0.1:${api.port}${path}`,
        fresh.slice(r * slice, (r + 1) * slice),
        o.threads,
        o.concurrency,
        ms,
      ),
    );
    bareRuns.push(b.result);
    apiRuns.push(a.result);
    bareCpu.push(b.cpuUs);
    apiCpu.push(a.cpuUs);
    log(
      `join round ${r + 1}: bare ${b.result.throughput}/s (${Math.round(b.cpuUs)} µs CPU each), api ${a.result.throughput}/s (${Math.round(a.cpuUs)} µs CPU each) ${JSON.stringify(a.result.statuses)}`,
    );
  }
  stop(bare.child);
  stop(api.child);
  const bareTp = median(bareRuns.map((r) => r.throughput));
  const apiTp = median(apiRuns.map((r) => r.throughput));
  const ratio = Math.round((apiTp / bareTp) * 1000) / 1000;
  const freshJoins = apiRuns.reduce((s, r) => s + Math.min(r.fresh, r.ok), 0);
  log(
    `HTTP join: ${apiTp}/s (p50 ${apiRuns[0]!.p50Ms} ms, p99 ${apiRuns[0]!.p99Ms} ms) vs bare Express ${bareTp}/s → ${Math.round(ratio * 100)}% (target ≥ 60%)`,
  );
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
