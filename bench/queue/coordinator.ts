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
import { ask, cpuOf, log, median, round1, type LoadRequest, type LoadResult, type Spawn } from './ipc.js';
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
  runLoad(
    url: string,
    tokens: string[],
    threads: number,
    concurrency: number,
    ms: number,
    request?: LoadRequest,
  ): Promise<LoadResult>;
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
    // Every measured join a fresh entry: up to 9,000 joins a second per round, and 5,000 that warm up and poll.
    const joinBudget = o.only === 'sockets' ? 0 : 5_000 + o.rounds * o.seconds * 9_000;
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

/** One kind of request measured against both servers: throughput and server CPU per answered request, per round. */
interface Measured {
  api: LoadResult[];
  bare: LoadResult[];
  apiCpu: number[];
  bareCpu: number[];
}

const ratioOf = (a: number, b: number) => Math.round((a / Math.max(1, b)) * 1000) / 1000;

/**
 * The HTTP figures: the join (POST …/queue, a fresh account each), the poll (GET …/queue/me,
 * 200) and its revalidation (the same GET with the ETag the account was last answered, 304),
 * each driven alike against the API node and against bare Express answering a body of about
 * the same size, in alternating rounds.
 */
async function benchJoin(
  o: Options,
  spawn: Spawn,
  stop: (c: ChildProcess) => void,
  apiEnv: Record<string, string>,
  eventId: string,
  tokens: string[],
) {
  const bare = await spawn('bare-http');
  const floor = await spawn('bare-node');
  const api = await spawn('api', apiEnv);
  const joinPath = `/v1/events/${eventId}/queue`;
  const mePath = `/v1/events/${eventId}/queue/me`;
  const url = (port: number, path: string) => `http://127.0.0.1:${port}${path}`;
  const ms = o.seconds * 1000;
  // Warm both up (JIT, connection pools, script cache) with accounts kept apart from the measured
  // ones; these accounts have joined, and are the ones that poll.
  const warm = tokens.slice(-5_000);
  await o.runLoad(url(bare.port, joinPath), warm, o.threads, o.concurrency, 2_000);
  await o.runLoad(url(api.port, joinPath), warm, o.threads, o.concurrency, 2_000);
  await o.runLoad(url(bare.port, mePath), warm, o.threads, o.concurrency, 1_000, { method: 'GET' });
  await o.runLoad(url(api.port, mePath), warm, o.threads, o.concurrency, 1_000, { method: 'GET' });
  // Every polling account in the pre-queue, as the figures say (a timed warm-up joins only some).
  const joined = await joinAll(url(api.port, joinPath), warm);
  if (joined < warm.length) throw new Error(`only ${joined} of ${warm.length} polling accounts could join`);
  // Each account's ETag from each server, fetched before the clock starts: a revalidating round is 304s only.
  const bareEtags = await etagsOf(url(bare.port, mePath), warm);
  const apiEtags = await etagsOf(url(api.port, mePath), warm);
  const floorEtags = await etagsOf(url(floor.port, mePath), warm);
  const fresh = tokens.slice(0, -5_000);
  const slice = Math.floor(fresh.length / o.rounds);
  // The server's own CPU time per answered request: unlike throughput, it hardly moves with
  // whatever else the machine is doing, so it tells where the ratio comes from.
  const cpuPerRequest = async (server: ChildProcess, load: () => Promise<LoadResult>) => {
    const before = await cpuOf(server);
    const result = await load();
    return { result, cpuUs: Math.round((await cpuOf(server)) - before) / Math.max(1, result.ok + result.failed) };
  };
  const empty = (): Measured => ({ api: [], bare: [], apiCpu: [], bareCpu: [] });
  const join = empty();
  const poll = empty();
  const revalidate = empty();
  /** The 304 of bare node:http (the floor), per round: throughput and CPU per answer. */
  const floorRounds: { result: LoadResult; cpuUs: number }[] = [];
  // With --profile, the API node's CPU profile over each kind of request's rounds (one file per kind and round).
  const profiled = async <T>(name: string, r: number, load: () => Promise<T>): Promise<T> => {
    if (!o.profileDir) return load();
    const file = `${o.profileDir}/api-${name.replace(/\W+/g, '-')}-${r + 1}.cpuprofile`;
    await ask(api.child, { cmd: 'profile-start' }, 'profile-start');
    const result = await load();
    await ask(api.child, { cmd: 'profile-stop', file }, 'profile-stop');
    return result;
  };
  const measure = async (
    into: Measured,
    name: string,
    bareLoad: () => Promise<LoadResult>,
    apiLoad: () => Promise<LoadResult>,
    r: number,
  ) => {
    const b = await cpuPerRequest(bare.child, bareLoad);
    const a = await profiled(name, r, () => cpuPerRequest(api.child, apiLoad));
    into.bare.push(b.result);
    into.api.push(a.result);
    into.bareCpu.push(b.cpuUs);
    into.apiCpu.push(a.cpuUs);
    log(
      `${name} round ${r + 1}: bare ${b.result.throughput}/s (${Math.round(b.cpuUs)} µs CPU each) ${JSON.stringify(b.result.statuses)}, api ${a.result.throughput}/s (${Math.round(a.cpuUs)} µs CPU each) ${JSON.stringify(a.result.statuses)}; load generator ${b.result.clientCpuUs} / ${a.result.clientCpuUs} µs CPU each`,
    );
  };
  for (let r = 0; r < o.rounds; r++) {
    await measure(
      join,
      'join',
      () => o.runLoad(url(bare.port, joinPath), fresh, o.threads, o.concurrency, ms),
      () => o.runLoad(url(api.port, joinPath), fresh.slice(r * slice, (r + 1) * slice), o.threads, o.concurrency, ms),
      r,
    );
    await measure(
      poll,
      'queue/me 200',
      () => o.runLoad(url(bare.port, mePath), warm, o.threads, o.concurrency, ms, { method: 'GET' }),
      () => o.runLoad(url(api.port, mePath), warm, o.threads, o.concurrency, ms, { method: 'GET' }),
      r,
    );
    await measure(
      revalidate,
      'queue/me 304',
      () => o.runLoad(url(bare.port, mePath), warm, o.threads, o.concurrency, ms, { method: 'GET', etags: bareEtags }),
      () => o.runLoad(url(api.port, mePath), warm, o.threads, o.concurrency, ms, { method: 'GET', etags: apiEtags }),
      r,
    );
    const f = await cpuPerRequest(floor.child, () =>
      o.runLoad(url(floor.port, mePath), warm, o.threads, o.concurrency, ms, { method: 'GET', etags: floorEtags }),
    );
    floorRounds.push(f);
    log(
      `queue/me 304 round ${r + 1}: bare node:http ${f.result.throughput}/s (${Math.round(f.cpuUs)} µs CPU each); load generator ${f.result.clientCpuUs} µs CPU each`,
    );
  }
  stop(floor.child);
  stop(bare.child);
  stop(api.child);
  const figures = (m: Measured) => {
    const apiTp = median(m.api.map((r) => r.throughput));
    const bareTp = median(m.bare.map((r) => r.throughput));
    const apiCpu = Math.round(median(m.apiCpu));
    const bareCpu = Math.round(median(m.bareCpu));
    return {
      apiTp,
      bareTp,
      ratio: ratioOf(apiTp, bareTp),
      apiCpu,
      bareCpu,
      // Below 1: the API spends less CPU per answer than bare Express.
      cpuRatio: ratioOf(apiCpu, bareCpu),
      clientCpu: median([...m.api, ...m.bare].map((r) => r.clientCpuUs)),
      apiP50Ms: median(m.api.map((r) => r.p50Ms)),
      apiP99Ms: median(m.api.map((r) => r.p99Ms)),
      bareP50Ms: median(m.bare.map((r) => r.p50Ms)),
      apiStatuses: m.api.map((r) => r.statuses),
    };
  };
  const j = figures(join);
  const p = figures(poll);
  const v = figures(revalidate);
  const freshJoins = join.api.reduce((s, r) => s + Math.min(r.fresh, r.ok), 0);
  log(
    `HTTP join: ${j.apiTp}/s (p50 ${j.apiP50Ms} ms, p99 ${j.apiP99Ms} ms) vs bare Express ${j.bareTp}/s → ${j.ratio}× (target ≥ ${JOIN_TARGET}×); ${j.apiCpu} vs ${j.bareCpu} µs CPU each`,
  );
  log(
    `queue/me 200: ${p.apiTp}/s vs bare Express ${p.bareTp}/s → ${p.ratio}×; ${p.apiCpu} vs ${p.bareCpu} µs CPU each`,
  );
  log(
    `queue/me 304: ${v.apiTp}/s vs bare Express ${v.bareTp}/s → ${v.ratio}× (target ≥ ${REVALIDATE_TARGET}×); ${v.apiCpu} vs ${v.bareCpu} µs CPU each`,
  );
  const floorTp = median(floorRounds.map((f) => f.result.throughput));
  const floorCpu = Math.round(median(floorRounds.map((f) => f.cpuUs)));
  log(
    `queue/me 304 floor: bare node:http ${floorTp}/s (${floorCpu} µs CPU each) → ${ratioOf(floorTp, v.bareTp)}× bare Express; the API answers ${ratioOf(v.apiTp, floorTp)}× of it`,
  );
  return {
    apiJoinsPerSecond: j.apiTp,
    bareExpressPerSecond: j.bareTp,
    ratio: j.ratio,
    target: JOIN_TARGET,
    met: j.ratio >= JOIN_TARGET,
    seconds: o.seconds,
    rounds: o.rounds,
    connections: o.threads * o.concurrency,
    apiP50Ms: j.apiP50Ms,
    apiP99Ms: j.apiP99Ms,
    bareP50Ms: j.bareP50Ms,
    apiCpuUsPerJoin: j.apiCpu,
    bareCpuUsPerRequest: j.bareCpu,
    cpuRatio: j.cpuRatio,
    loadGeneratorCpuUsPerRequest: j.clientCpu,
    apiStatuses: j.apiStatuses,
    freshJoins,
    // GET …/queue/me by accounts in the pre-queue, against bare Express' GET of a body of the same size.
    poll: {
      apiPerSecond: p.apiTp,
      bareExpressPerSecond: p.bareTp,
      ratio: p.ratio,
      apiCpuUsPerRequest: p.apiCpu,
      bareCpuUsPerRequest: p.bareCpu,
      cpuRatio: p.cpuRatio,
      loadGeneratorCpuUsPerRequest: p.clientCpu,
      apiP50Ms: p.apiP50Ms,
      apiP99Ms: p.apiP99Ms,
      apiStatuses: p.apiStatuses,
    },
    // The same GET with the ETag each side last answered: 304s from both.
    revalidate: {
      apiPerSecond: v.apiTp,
      bareExpressPerSecond: v.bareTp,
      ratio: v.ratio,
      target: REVALIDATE_TARGET,
      met: v.ratio >= REVALIDATE_TARGET,
      apiCpuUsPerRequest: v.apiCpu,
      bareCpuUsPerRequest: v.bareCpu,
      cpuRatio: v.cpuRatio,
      loadGeneratorCpuUsPerRequest: v.clientCpu,
      apiP50Ms: v.apiP50Ms,
      apiP99Ms: v.apiP99Ms,
      apiStatuses: v.apiStatuses,
      // The floor: node:http answering a constant-ETag 304 and nothing else.
      bareNodePerSecond: floorTp,
      bareNodeCpuUsPerRequest: floorCpu,
      bareNodeVsExpress: ratioOf(floorTp, v.bareTp),
      apiVsBareNode: ratioOf(v.apiTp, floorTp),
    },
  };
}

/** Targets of issue #18: the join at least as fast as bare Express, a revalidated poll at least twice. */
const JOIN_TARGET = 1.0;
const REVALIDATE_TARGET = 2.0;

/** Joins the room with each account (32 at a time); returns how many are in it (201 or 200: already). */
async function joinAll(url: string, tokens: readonly string[]): Promise<number> {
  let next = 0;
  let joined = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < tokens.length) {
        const token = tokens[next++]!;
        const res = await fetch(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: '{}',
        });
        await res.arrayBuffer();
        if (res.status === 201 || res.status === 200) joined++;
      }
    }),
  );
  return joined;
}

/** Each account's ETag for a GET, fetched once (32 at a time). */
async function etagsOf(url: string, tokens: readonly string[]): Promise<Record<string, string>> {
  const etags: Record<string, string> = {};
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < tokens.length) {
        const token = tokens[next++]!;
        const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
        await res.arrayBuffer();
        const etag = res.headers.get('etag');
        if (etag) etags[token] = etag;
      }
    }),
  );
  return etags;
}
