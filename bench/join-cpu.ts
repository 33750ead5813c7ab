/**
 * CPU time an API node spends per HTTP join, beside a bare Express 5 JSON endpoint's per
 * request: the figure behind bench:queue's join ratio, measured small enough to run while
 * other work shares the machine. Wall-clock throughput moves with the neighbours' load; a
 * server's own CPU clock per answered request hardly does.
 *
 * Both servers are bench:queue's own roles (`--role api` and `--role bare-http`, child processes
 * of bench/queue.ts), sent the same requests as its load generator (bench/queue/load-worker.mjs),
 * a fresh account for every measured join.
 *
 *   npx tsx bench/join-cpu.ts [--joins 2000 --rounds 5 --concurrency 16 --profile DIR --against TREE]
 *
 * --profile DIR writes a V8 CPU profile of the API node (its whole life, set-up included) to DIR.
 * --against TREE runs a second API node from another checkout (say a `git worktree` of the
 * commit before a change), measured in the same rounds: a before/after on equal terms.
 * Localhost only; its own database and Redis prefix, dropped at the end. Ends with one JSON line.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createKeys } from '../queue/keys.js';
import { SessionCache } from '../src/auth/index.js';
import { connectDatabase } from '../src/db/index.js';
import { connectRedis, deleteKeysUnder } from '../src/infra/index.js';
import { createScratchDatabase, LOCAL_POSTGRES } from '../tools/local/scratch.js';
import { apiNodeEnv, bulkSessions, createQueueEvent } from './queue/fixtures.js';
import { cpuOf, log, median } from './queue/ipc.js';

const { values } = parseArgs({
  options: {
    joins: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '16' },
    profile: { type: 'string' },
    against: { type: 'string' },
    redis: { type: 'string', default: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379' },
  },
});
const joins = Number(values.joins);
const rounds = Math.max(1, Number(values.rounds));
const concurrency = Number(values.concurrency);

/** A bench:queue role in a child process; resolves once it listens. */
function spawnRole(
  role: string,
  env: Record<string, string>,
  execArgv: string[] = [],
  tree?: string,
): Promise<{ child: ChildProcess; port: number }> {
  const script = tree ? resolve(tree, 'bench/queue.ts') : fileURLToPath(new URL('./queue.ts', import.meta.url));
  const child = fork(script, ['--role', role], {
    env: { ...process.env, ...env },
    execArgv: [...process.execArgv, ...execArgv],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
    child.once('message', (m: { cmd: string; port: number }) =>
      m.cmd === 'ready' ? resolve({ child, port: m.port }) : reject(new Error(`unexpected ${m.cmd}`)),
    );
  });
}

/**
 * Sends one join per token, `concurrency` at a time, with the headers bench:queue's load
 * generator sends, and returns the server's CPU µs per answered request. A fixed count rather
 * than the load generator's fixed time: on a machine shared with a drop simulation a few
 * seconds may hold only a hundred joins, too few to average out timers and GC.
 */
async function measure(
  server: ChildProcess,
  url: string,
  tokens: string[],
): Promise<{ cpuUs: number; statuses: Record<string, number> }> {
  const statuses: Record<string, number> = {};
  let next = 0;
  const before = await cpuOf(server);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < tokens.length) {
        const headers = {
          authorization: `Bearer ${tokens[next++]}`,
          'content-type': 'application/json',
          'idempotency-key': randomUUID(),
        };
        const res = await fetch(url, { method: 'POST', headers, body: '{}' });
        await res.arrayBuffer();
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      }
    }),
  );
  const used = (await cpuOf(server)) - before;
  return { cpuUs: used / tokens.length, statuses };
}

// A database of its own with the migrations applied (BENCH_POSTGRES_URL or TEST_POSTGRES_URL moves it).
const db = await createScratchDatabase(LOCAL_POSTGRES, 'fd_bench_joincpu');
const prefix = `fdbench:joincpu:${randomBytes(4).toString('hex')}:`;
const database = connectDatabase(db.url);
const redis = connectRedis(values.redis);
const children: ChildProcess[] = [];
try {
  const eventId = await createQueueEvent(database.db);
  const signingKey = generateKeyPairSync('ed25519')
    .privateKey.export({ type: 'pkcs8', format: 'der' })
    .toString('base64');
  const apiEnv = apiNodeEnv({ databaseUrl: db.url, redisUrl: values.redis, prefix, signingKey });
  const servers: { name: string; child: ChildProcess; port: number; runs: number[] }[] = [];
  const start = async (
    name: string,
    role: string,
    env: Record<string, string>,
    options: { execArgv?: string[]; tree?: string } = {},
  ) => {
    const s = await spawnRole(role, env, options.execArgv, options.tree);
    children.push(s.child);
    servers.push({ name, ...s, runs: [] });
  };
  await start('api', 'api', apiEnv, {
    execArgv: values.profile ? ['--cpu-prof', `--cpu-prof-dir=${values.profile}`] : [],
  });
  if (values.against) await start('against', 'api', apiEnv, { tree: values.against });
  await start('bare', 'bare-http', {});
  const warmCount = 2_000;
  const tokens = await bulkSessions(
    database.db,
    new SessionCache(redis, createKeys(prefix)),
    servers.length * (warmCount + joins * rounds),
  );
  let used = 0;
  const take = (n: number) => tokens.slice(used, (used += n));
  const path = `/v1/events/${eventId}/queue`;
  // Warm-up (JIT, pools, script cache) on accounts kept apart from the measured ones.
  for (const server of servers) await measure(server.child, `http://127.0.0.1:${server.port}${path}`, take(warmCount));
  // Rounds alternate the servers, so a burst of load elsewhere on the machine hits each alike.
  for (let r = 0; r < rounds; r++) {
    const line: string[] = [];
    for (const server of servers) {
      const m = await measure(server.child, `http://127.0.0.1:${server.port}${path}`, take(joins));
      server.runs.push(m.cpuUs);
      line.push(`${server.name} ${Math.round(m.cpuUs)} µs ${JSON.stringify(m.statuses)}`);
    }
    log(`round ${r + 1}: ${line.join(', ')}`);
  }
  const figures = Object.fromEntries(
    servers.map((server) => [
      server.name,
      { cpuUsPerRequest: Math.round(median(server.runs)), runs: server.runs.map(Math.round) },
    ]),
  );
  // Per-round ratios, paired: a burst of load elsewhere moves both sides of a round alike.
  const [api, against, bare] = [servers[0]!, servers.find((s) => s.name === 'against'), servers.at(-1)!];
  const paired = (other: typeof api) => Math.round(median(api.runs.map((us, i) => us / other.runs[i]!)) * 1000) / 1000;
  const ratios = { apiVsBare: paired(bare), ...(against ? { apiVsAgainst: paired(against) } : {}) };
  process.stdout.write(`${JSON.stringify({ bench: 'join-cpu', joins, rounds, concurrency, ...figures, ratios })}\n`);
} finally {
  // 'exit' lets the API node end normally, so --cpu-prof writes its profile.
  for (const child of children) child.send({ cmd: 'exit' });
  await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
  await redis.quit();
  await database.close();
  await deleteKeysUnder(values.redis, prefix);
  await db.drop();
}
