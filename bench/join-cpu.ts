/**
 * CPU time an API node spends per HTTP join and per `…/queue/me` poll (200 and 304), each
 * beside a bare Express 5 endpoint's per request for the same call: the figures behind
 * bench:queue's join and poll ratios, measured small enough to run while other work shares
 * the machine. Wall-clock throughput moves with the neighbours' load; a
 * server's own CPU clock per answered request hardly does.
 *
 * Both servers are bench:queue's own roles (`--role api` and `--role bare-http`, child processes
 * of bench/queue.ts), sent the same requests as its load generator (bench/queue/load-worker.mjs),
 * a fresh account for every measured join, which then polls twice (see measure).
 *
 *   npx tsx bench/join-cpu.ts [--joins 2000 --rounds 5 --concurrency 16 --polls 1 --log-level silent --profile DIR --against TREE]
 *
 * A third server, bench:queue's `bare-node` (node:http answering a constant body and ETag), is
 * sent the same requests: the floor under both, what any server on this machine pays per
 * request for the HTTP alone. Ratios are per round, paired (API ÷ other: below 1 is cheaper).
 *
 * --log-level LEVEL runs the API nodes at that level (bench:queue's are silent), logging into a
 * file of their own: at `info`, a production node's line per request is in the figures.
 *
 * --profile DIR writes a V8 CPU profile of the API node (its whole life, set-up included) to DIR.
 * --against TREE runs a second API node from another checkout (say a `git worktree` of the
 * commit before a change), measured in the same rounds: a before/after on equal terms.
 * Localhost only; its own database and Redis prefix, dropped at the end. Ends with one JSON line.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
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
    polls: { type: 'string', default: '1' },
    'log-level': { type: 'string', default: 'silent' },
    redis: { type: 'string', default: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379' },
  },
});
const joins = Number(values.joins);
const rounds = Math.max(1, Number(values.rounds));
const concurrency = Number(values.concurrency);
/** Revalidated polls per account and round: more makes the 304 the bulk of a profile. */
const polls = Math.max(1, Number(values.polls));

/** A bench:queue role in a child process; resolves once it listens. */
function spawnRole(
  role: string,
  env: Record<string, string>,
  execArgv: string[] = [],
  tree?: string,
  stdout: number | 'inherit' = 'inherit',
): Promise<{ child: ChildProcess; port: number }> {
  const script = tree ? resolve(tree, 'bench/queue.ts') : fileURLToPath(new URL('./queue.ts', import.meta.url));
  const child = fork(script, ['--role', role], {
    env: { ...process.env, ...env },
    execArgv: [...process.execArgv, ...execArgv],
    stdio: ['ignore', stdout, 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
    child.once('message', (m: { cmd: string; port: number }) =>
      m.cmd === 'ready' ? resolve({ child, port: m.port }) : reject(new Error(`unexpected ${m.cmd}`)),
    );
  });
}

/** One request a measured round sends per account: the join, or the poll of where the fan stands. */
type Kind = 'join' | 'me200' | 'me304';
const KINDS: readonly Kind[] = ['join', 'me200', 'me304'];

/**
 * Sends one request per token, `concurrency` at a time, with the headers bench:queue's load
 * generator sends, and returns the server's CPU µs per answered request. A fixed count rather
 * than the load generator's fixed time: on a machine shared with a drop simulation a few
 * seconds may hold only a hundred requests, too few to average out timers and GC.
 *
 * `join`: a POST per token (a fresh account each). `me200`: the same accounts' first poll of
 * `…/queue/me` after their join, no If-None-Match (the API node reads the fan's entry from
 * Redis; the session is already in its memory from the join). `me304`: the same poll again
 * with the ETag the 200 gave, as a page that revalidates (the answer from memory, no body).
 */
async function measure(
  server: ChildProcess,
  base: string,
  kind: Kind,
  tokens: string[],
  etags: Map<string, string>,
): Promise<{ cpuUs: number; statuses: Record<string, number> }> {
  const statuses: Record<string, number> = {};
  let next = 0;
  const before = await cpuOf(server);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < tokens.length) {
        const token = tokens[next++]!;
        let res: Response;
        if (kind === 'join') {
          const headers = {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            'idempotency-key': randomUUID(),
          };
          res = await fetch(`${base}/queue`, { method: 'POST', headers, body: '{}' });
        } else {
          const etag = kind === 'me304' ? etags.get(token) : undefined;
          const headers: Record<string, string> = { authorization: `Bearer ${token}` };
          if (etag) {
            headers['if-none-match'] = etag;
            // As the load generator sends it (load-worker.mjs): without it fetch adds `no-cache`.
            headers['cache-control'] = 'max-age=0';
          }
          res = await fetch(`${base}/queue/me`, { headers });
          const returned = res.headers.get('etag');
          if (kind === 'me200' && returned) etags.set(token, returned);
        }
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
const logFile = join(tmpdir(), `${prefix.replaceAll(':', '_')}api.log`);
const database = connectDatabase(db.url);
const redis = connectRedis(values.redis);
const children: ChildProcess[] = [];
try {
  const eventId = await createQueueEvent(database.db);
  const signingKey = generateKeyPairSync('ed25519')
    .privateKey.export({ type: 'pkcs8', format: 'der' })
    .toString('base64');
  const apiEnv = { ...apiNodeEnv({ databaseUrl: db.url, redisUrl: values.redis, prefix, signingKey }) };
  // With --log-level, the API nodes log as a production node does (one line per request at info),
  // into a file of their own as a log collector would read it, not into this report's stdout.
  let logs: number | 'inherit' = 'inherit';
  if (values['log-level'] !== 'silent') {
    apiEnv.LOG_LEVEL = values['log-level'];
    logs = openSync(logFile, 'w');
  }
  const servers: { name: string; child: ChildProcess; port: number; runs: Record<Kind, number[]> }[] = [];
  const start = async (
    name: string,
    role: string,
    env: Record<string, string>,
    options: { execArgv?: string[]; tree?: string } = {},
  ) => {
    const s = await spawnRole(role, env, options.execArgv, options.tree, role === 'api' ? logs : 'inherit');
    children.push(s.child);
    servers.push({ name, ...s, runs: { join: [], me200: [], me304: [] } });
  };
  await start('api', 'api', apiEnv, {
    execArgv: values.profile ? ['--cpu-prof', `--cpu-prof-dir=${values.profile}`] : [],
  });
  if (values.against) await start('against', 'api', apiEnv, { tree: values.against });
  await start('bare', 'bare-http', {});
  // The floor under both: node:http answering a constant body with a constant ETag (304 to it), nothing else.
  await start('node', 'bare-node', {});
  const warmCount = 2_000;
  const tokens = await bulkSessions(
    database.db,
    new SessionCache(redis, createKeys(prefix)),
    servers.length * (warmCount + joins * rounds),
  );
  let used = 0;
  const take = (n: number) => tokens.slice(used, (used += n));
  const base = (server: (typeof servers)[number]) => `http://127.0.0.1:${server.port}/v1/events/${eventId}`;
  /** A join, a first poll and a revalidated poll by each of `n` fresh accounts on one server. */
  const session = async (server: (typeof servers)[number], n: number) => {
    const accounts = take(n);
    const etags = new Map<string, string>();
    const out = {} as Record<Kind, { cpuUs: number; statuses: Record<string, number> }>;
    for (const kind of KINDS) {
      const sent = kind === 'me304' ? Array.from({ length: polls }, () => accounts).flat() : accounts;
      out[kind] = await measure(server.child, base(server), kind, sent, etags);
    }
    return out;
  };
  // Warm-up (JIT, pools, script cache) on accounts kept apart from the measured ones.
  for (const server of servers) await session(server, warmCount);
  // Rounds alternate the servers, each round starting with the next one, so a burst of load
  // elsewhere on the machine (or a round's first place) favours none of them.
  for (let r = 0; r < rounds; r++) {
    const line: string[] = [];
    for (const server of [...servers.slice(r % servers.length), ...servers.slice(0, r % servers.length)]) {
      const m = await session(server, joins);
      for (const kind of KINDS) server.runs[kind].push(m[kind].cpuUs);
      const each = KINDS.map((kind) => `${kind} ${Math.round(m[kind].cpuUs)} µs ${JSON.stringify(m[kind].statuses)}`);
      line.push(`${server.name}: ${each.join(' ')}`);
    }
    log(`round ${r + 1}: ${line.join(' | ')}`);
  }
  const perKind = (runs: Record<Kind, number[]>) =>
    Object.fromEntries(
      KINDS.map((kind) => [
        kind,
        { cpuUsPerRequest: Math.round(median(runs[kind])), runs: runs[kind].map(Math.round) },
      ]),
    );
  const figures = Object.fromEntries(servers.map((server) => [server.name, perKind(server.runs)]));
  // Per-round ratios, paired: a burst of load elsewhere moves both sides of a round alike.
  const api = servers[0]!;
  const against = servers.find((s) => s.name === 'against');
  const bare = servers.find((s) => s.name === 'bare')!;
  const node = servers.find((s) => s.name === 'node')!;
  const paired = (kind: Kind, other: typeof api) =>
    Math.round(median(api.runs[kind].map((us, i) => us / other.runs[kind][i]!)) * 1000) / 1000;
  const ratios = Object.fromEntries(
    KINDS.map((kind) => [
      kind,
      {
        apiVsBare: paired(kind, bare),
        apiVsNode: paired(kind, node),
        ...(against ? { apiVsAgainst: paired(kind, against) } : {}),
      },
    ]),
  );
  process.stdout.write(`${JSON.stringify({ bench: 'join-cpu', joins, rounds, concurrency, ...figures, ratios })}\n`);
} finally {
  // 'exit' lets the API node end normally, so --cpu-prof writes its profile.
  for (const child of children) child.send({ cmd: 'exit' });
  await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
  await redis.quit();
  await database.close();
  await deleteKeysUnder(values.redis, prefix);
  await db.drop();
  rmSync(logFile, { force: true });
  // The API nodes' DATA_DIR (apiNodeEnv): the VAPID keys they made for themselves.
  rmSync(`/tmp/${prefix.replaceAll(':', '_')}`, { recursive: true, force: true });
}
