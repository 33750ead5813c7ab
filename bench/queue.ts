/**
 * The waiting room's HTTP and socket figures, each beside a baseline measured in the same run
 * on the same machine:
 *
 *   1. join throughput over HTTP (session check, Lua join, Ed25519-signed receipt) vs a bare
 *      Express 5 JSON endpoint, both driven by the same load generator (worker threads, fetch
 *      keep-alive loops); rounds alternate and medians are compared. Target ≥ 1.0×. Beside it
 *      the poll of a page without websockets, GET …/queue/me, answered 200 and revalidated
 *      (If-None-Match → 304, target ≥ 2× bare Express' own 304), each with the server's CPU per
 *      request.
 *   2. queue sockets held by N API node processes (authenticated handshake, `watch` snapshot,
 *      rooms user:<id> and event:<id>), RSS per connection vs a bare socket.io server holding
 *      one node's share. Target ≤ 20 KB; 50,000 sockets over 3 nodes. Clients are raw
 *      engine.io websockets spread over several processes (the open-file limit is per process).
 *   3. time for one cursor broadcast (through Redis, from a process without sockets, as the
 *      scheduler sends it) to reach 99% of them vs `io.to(room).emit` in bare socket.io: one
 *      server holding one node's share, and as many bare servers as API nodes holding all the
 *      sockets, emitting at the same moment (the same scale). Target ≤ 1 s.
 *
 *   npm run bench:queue [-- --sockets 50000 --nodes 3 --client-procs 4 --seconds 8 --rounds 3
 *                         --concurrency 32 --threads 2 --only join|sockets --profile DIR]
 *
 * --profile DIR writes a CPU profile of every socket server and client process over the measured
 * broadcasts into DIR, and of the API node over each measured HTTP round (api-<kind>-<round>):
 * the figures of such a run are slowed by the profiler.
 *
 * Localhost only, bounded (its own database and Redis prefix, dropped at the end; every child
 * process is stopped). Ends with one line of JSON.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import postgres from 'postgres';
import type { LoadRequest, LoadResult } from './queue/ipc.js';
import { runRole } from './queue/roles.js';

const { values } = parseArgs({
  options: {
    role: { type: 'string' },
    sockets: { type: 'string', default: '50000' },
    nodes: { type: 'string', default: '3' },
    'client-procs': { type: 'string', default: '4' },
    seconds: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '32' },
    threads: { type: 'string', default: '2' },
    only: { type: 'string', default: '' },
    profile: { type: 'string', default: '' },
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

if (values.role) {
  await runRole(values.role);
} else {
  const { main } = await import('./queue/coordinator.js');
  await main({
    sockets: Number(values.sockets),
    nodes: Number(values.nodes),
    clientProcs: Number(values['client-procs']),
    seconds: Number(values.seconds),
    rounds: Math.max(1, Number(values.rounds)),
    concurrency: Number(values.concurrency),
    threads: Number(values.threads),
    only: values.only,
    profileDir: values.profile,
    postgres: values.postgres,
    redis: values.redis,
    spawnRole,
    runLoad,
    createDatabaseNamed,
  });
}

/** A child process of this very script in a role, with GC exposed; resolves once it reports ready. */
function spawnRole(role: string, env: Record<string, string> = {}): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(fileURLToPath(import.meta.url), ['--role', role], {
    env: { ...process.env, ...env },
    execArgv: [...process.execArgv, '--expose-gc', '--max-old-space-size=4096'],
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
 * The load generator: `threads` worker threads × `concurrency` loops against one URL for `ms`
 * (joins by default; `GET` polls, with `etags` sending each account's ETag back in If-None-Match).
 */
async function runLoad(
  url: string,
  tokens: string[],
  threads: number,
  concurrency: number,
  ms: number,
  request: LoadRequest = {},
): Promise<LoadResult> {
  const per = Math.ceil(tokens.length / threads);
  const started = performance.now();
  // The load generator's threads live in this process, which does nothing else meanwhile.
  const cpuBefore = process.cpuUsage();
  const results = await Promise.all(
    Array.from(
      { length: threads },
      (_, t) =>
        new Promise<{
          ok: number;
          failed: number;
          statuses: Record<string, number>;
          latencies: number[];
          fresh: number;
        }>((resolve, reject) => {
          const worker = new Worker(new URL('./queue/load-worker.mjs', import.meta.url), {
            workerData: {
              url,
              tokens: tokens.slice(t * per, (t + 1) * per),
              concurrency,
              durationMs: ms,
              ...request,
            },
          });
          worker.once('message', resolve);
          worker.once('error', reject);
        }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round((latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0) * 10) / 10;
  const statuses: Record<string, number> = {};
  for (const r of results) for (const [s, n] of Object.entries(r.statuses)) statuses[s] = (statuses[s] ?? 0) + n;
  const ok = results.reduce((s, r) => s + r.ok, 0);
  const failed = results.reduce((s, r) => s + r.failed, 0);
  return {
    ok,
    failed,
    clientCpuUs: Math.round((cpu.user + cpu.system) / Math.max(1, ok + failed)),
    throughput: Math.round(ok / seconds),
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    statuses,
    fresh: results.reduce((s, r) => s + r.fresh, 0),
  };
}

async function createDatabaseNamed(admin: string): Promise<{ url: string; signingKey: string; drop(): Promise<void> }> {
  const name = `fd_bench_queue_${randomBytes(4).toString('hex')}`;
  const sql = postgres(admin, { max: 1, onnotice: () => {} });
  await sql.unsafe(`create database ${name}`);
  await sql.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const signingKey = generateKeyPairSync('ed25519')
    .privateKey.export({ type: 'pkcs8', format: 'der' })
    .toString('base64');
  return {
    url: url.toString(),
    signingKey,
    drop: async () => {
      const again = postgres(admin, { max: 1, onnotice: () => {} });
      await again.unsafe(`drop database if exists ${name} with (force)`);
      await again.end();
    },
  };
}
