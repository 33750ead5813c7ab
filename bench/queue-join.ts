/**
 * Throughput of the join script through ioredis against `redis-benchmark` running EVALSHA of
 * the very same script in the same run, each with 50 concurrent callers and no explicit
 * pipelining, each adding fresh accounts to an empty pre-queue. Rounds alternate the two so a
 * burst of load elsewhere on the machine hits both alike; medians are compared.
 *
 *   npm run bench:queue-join [-- --requests 100000 --clients 50 --rounds 3]
 *
 * Target: ioredis ≥ 50% of redis-benchmark. Ends with one JSON line. Uses its own key prefix
 * and deletes it afterwards.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { createKeys } from '../queue/keys.js';
import { scriptSource } from '../queue/scripts.js';
import { WaitingRoom } from '../queue/waiting-room.js';
import { connectRedis } from '../src/infra/index.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '100000' },
    clients: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '3' },
    redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
  },
});
const requests = Number(values.requests);
const clients = Number(values.clients);
const rounds = Math.max(1, Number(values.rounds));
const url = new URL(values.redis);
const redis = connectRedis(values.redis);
const prefix = `fdbench:join:${randomBytes(4).toString('hex')}:`;
const keys = createKeys(prefix);
const room = new WaitingRoom(redis, keys, { tokenSecret: randomBytes(32) });
const events: string[] = [];

async function freshEvent(label: string): Promise<string> {
  const eventId = `${label}${events.length}`;
  events.push(eventId);
  await room.open(eventId, { tokenTtlMs: 600_000 });
  return eventId;
}

/** `clients` callers, each awaiting its previous join, until `requests` joins are done. */
async function drive(join: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < requests) await join(next++);
    }),
  );
  return requests / ((performance.now() - start) / 1000);
}

// Every path counts the join against an address and an account, as the API does; the limits are
// set high enough never to refuse, so what is measured is the counting, not 429s.
const ADDRESS = '127.0.0.1';
const LIMITS = { address: ADDRESS, perAddress: 1e9, perAccount: 1e9, windowMs: 60_000 };
const LIMIT_ARGS = [LIMITS.perAddress, LIMITS.perAccount, LIMITS.windowMs];

async function viaIoredis(): Promise<number> {
  const eventId = await freshEvent('io');
  const k = keys.queue(eventId);
  return drive((i) =>
    redis.joinQueue(
      k.meta,
      k.accounts,
      k.entries,
      k.prequeue,
      k.late,
      k.ticketOf,
      keys.joinCounter(eventId, `address:${ADDRESS}`),
      keys.joinCounter(eventId, `account:acct:${i}`),
      `acct:${i}`,
      `entry${i}`,
      ...LIMIT_ARGS,
    ),
  );
}

async function viaWaitingRoom(): Promise<number> {
  const eventId = await freshEvent('room');
  return drive((i) => room.join(eventId, `acct:${i}`, LIMITS));
}

async function viaRedisBenchmark(sha: string): Promise<number> {
  const eventId = await freshEvent('rb');
  const k = keys.queue(eventId);
  const { stdout } = await promisify(execFile)('redis-benchmark', [
    '-h',
    url.hostname,
    '-p',
    url.port || '6379',
    '-n',
    String(requests),
    '-c',
    String(clients),
    '-P',
    '1',
    // Each __rand_int__ is replaced independently; with 10^8 values the accounts are all but always new.
    '-r',
    '100000000',
    '--csv',
    'EVALSHA',
    sha,
    '8',
    k.meta,
    k.accounts,
    k.entries,
    k.prequeue,
    k.late,
    k.ticketOf,
    keys.joinCounter(eventId, `address:${ADDRESS}`),
    keys.joinCounter(eventId, 'account:acct:__rand_int__'),
    'acct:__rand_int__',
    'entry__rand_int__x__rand_int__',
    ...LIMIT_ARGS.map(String),
  ]);
  const row = stdout.trim().split('\n').at(-1) ?? '';
  const rps = Number(row.split('","')[1]);
  if (!Number.isFinite(rps) || rps <= 0) throw new Error(`could not read redis-benchmark output: ${stdout}`);
  return rps;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

try {
  const sha = String(await redis.script('LOAD', scriptSource('joinQueue-8')));
  // Warm-up: the connection, the script cache and the JIT, not measured.
  await room.open('warmup', { tokenTtlMs: 600_000 });
  await drive((i) => room.join('warmup', `w${i}`));
  const io: number[] = [];
  const rb: number[] = [];
  const wr: number[] = [];
  for (let round = 0; round < rounds; round++) {
    io.push(await viaIoredis());
    rb.push(await viaRedisBenchmark(sha));
    wr.push(await viaWaitingRoom());
    console.error(
      `round ${round + 1}: ioredis ${Math.round(io.at(-1)!)}/s, redis-benchmark ${Math.round(rb.at(-1)!)}/s, WaitingRoom.join ${Math.round(wr.at(-1)!)}/s`,
    );
    for (const eventId of events) await room.destroy(eventId);
  }
  const ioredisPerSec = median(io);
  const redisBenchmarkPerSec = median(rb);
  const waitingRoomPerSec = median(wr);
  const round3 = (x: number) => Math.round(x * 1000) / 1000;
  console.log(
    JSON.stringify({
      bench: 'queue-join',
      requests,
      clients,
      rounds,
      ioredisJoinsPerSec: Math.round(ioredisPerSec),
      redisBenchmarkEvalshaPerSec: Math.round(redisBenchmarkPerSec),
      waitingRoomJoinsPerSec: Math.round(waitingRoomPerSec),
      eachRound: { ioredis: io.map(Math.round), redisBenchmark: rb.map(Math.round), waitingRoom: wr.map(Math.round) },
      loadAverage1m: loadavg()[0],
      target: { ioredisVsRedisBenchmark: 0.5 },
      ratios: {
        ioredisVsRedisBenchmark: round3(ioredisPerSec / redisBenchmarkPerSec),
        waitingRoomVsRedisBenchmark: round3(waitingRoomPerSec / redisBenchmarkPerSec),
      },
    }),
  );
} finally {
  for (const eventId of [...events, 'warmup']) await room.destroy(eventId);
  await redis.quit();
}
