import { createHash } from 'node:crypto';
import type { QueueKeys } from './keys.js';
import { unwrap, WRONG_PHASE, type Refuse } from './errors.js';
import { drawKeyOf, orderByScores, orderDigest, scoreAll } from './lottery.js';
import type { RedisConnection, ScriptCommands } from './scripts.js';

/**
 * The lottery draw, in chunks. Scores are computed in Node (Redis has no HMAC) and the order
 * is written back a chunk per script call, so Redis is never busy with the draw for more than
 * one short call at a time. Every step is idempotent: a process that dies mid-draw, or a second
 * scheduler drawing at the same moment, recomputes the same order from the same seed and
 * continues from the number of tickets already written.
 */

export interface DrawOptions {
  /** Entry ids fetched per LRANGE; 10,000 ids take ~2 ms inside Redis, and a small reply keeps the round trip short. */
  readChunk?: number;
  /** Tickets written per script call; 2,500 take ~3 ms inside Redis when idle and stay far below 50 ms on a loaded 2-core machine. */
  writeChunk?: number;
  /** Chunks sent before waiting for their replies; the default 1 measures each call's round trip alone. */
  writeWindow?: number;
  /** Called after each chunk is written (tests use it to simulate a crash mid-draw). */
  afterWrite?: (written: number, size: number) => void | Promise<void>;
  /** How a refusal is thrown (see WaitingRoomOptions.refuse); the engine's QueueError by default. */
  refuse?: Refuse;
}

export interface DrawReport {
  /** Pre-queue entries drawn (ticket numbers 1..size). */
  size: number;
  /** started: this call began the draw; resumed: it continued one in progress; done: it was finished before this call. */
  outcome: 'started' | 'resumed' | 'done';
  orderDigest: string | null;
  redisCalls: number;
  /**
   * Longest single Redis round trip of the draw: an upper bound on how long that call blocked
   * Redis (with writeWindow > 1 it also counts waiting behind the chunk sent just before it).
   */
  maxCallMs: number;
  /** Which call that was (startDraw, lrange, llen, writeDraw, finishDraw). */
  maxCallOp: string;
  /** Median and 99th percentile of the round trips, to tell a typical call from an outlier. */
  p50CallMs: number;
  p99CallMs: number;
  /** Reading the pre-queue (and feeding the join-order digest as each chunk arrives). */
  readMs: number;
  /** Writing the order, chunk by chunk. */
  writeMs: number;
  /** Deriving the draw key, scoring, sorting and digesting the order, after the last chunk was read. */
  computeMs: number;
  totalMs: number;
}

export async function runDraw(
  redis: RedisConnection & ScriptCommands,
  keys: QueueKeys,
  options: DrawOptions = {},
): Promise<DrawReport> {
  const readChunk = options.readChunk ?? 10_000;
  const writeChunk = options.writeChunk ?? 2_500;
  const writeWindow = Math.max(1, options.writeWindow ?? 1);
  const started = performance.now();
  let redisCalls = 0;
  let maxCallMs = 0;
  let maxCallOp = '';
  const durations: number[] = [];
  const timed = async <T>(op: string, call: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    const result = await call();
    const ms = performance.now() - t;
    if (ms > maxCallMs) [maxCallMs, maxCallOp] = [ms, op];
    durations.push(ms);
    redisCalls++;
    return result;
  };
  let readMs = 0;
  let writeMs = 0;
  const percentile = (q: number): number => {
    const sorted = [...durations].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  };
  const report = (
    outcome: DrawReport['outcome'],
    size: number,
    digest: string | null,
    computeMs: number,
  ): DrawReport => ({
    size,
    outcome,
    orderDigest: digest,
    redisCalls,
    maxCallMs,
    maxCallOp,
    p50CallMs: percentile(0.5),
    p99CallMs: percentile(0.99),
    readMs,
    computeMs,
    writeMs,
    totalMs: performance.now() - started,
  });

  const [status, size, seed] = unwrap(
    await timed('startDraw', () => redis.startDraw(keys.meta, keys.prequeue)),
    undefined,
    options.refuse,
  );
  if (status === 2) return report('done', size, await redis.hget(keys.meta, 'orderDigest'), 0);

  // The pre-queue stopped growing when the draw started; its first `size` ids are the input.
  // The draw key depends on the whole list (lottery.ts), so each chunk only feeds the list's
  // digest as it arrives; scoring waits for the last chunk.
  const ids: string[] = [];
  const listHash = createHash('sha256');
  for (let from = 0; from < size; from += readChunk) {
    const chunk = await timed('lrange', () => redis.lrange(keys.prequeue, from, Math.min(from + readChunk, size) - 1));
    if (chunk.length > 0) listHash.update(`${chunk.join('\n')}\n`, 'utf8');
    for (const id of chunk) ids.push(id);
  }
  const computeStart = performance.now();
  readMs = computeStart - started;
  const entriesDigest = listHash.digest('hex');
  const scores = scoreAll(drawKeyOf(seed, entriesDigest), ids);
  const order = orderByScores(ids, scores);
  const digest = orderDigest(order);
  const computeMs = performance.now() - computeStart;

  const writeStart = performance.now();
  let written = await timed('llen', () => redis.llen(keys.drawn));
  while (written < size) {
    // `writeWindow` chunks leave together: Redis runs them back to back (each still one short
    // call) instead of idling while this process wakes up between chunks on a busy machine.
    const sent: Promise<Awaited<ReturnType<typeof redis.writeDraw>>>[] = [];
    for (let offset = written; sent.length < writeWindow && offset < size; offset += writeChunk) {
      const slice = order.slice(offset, offset + writeChunk);
      sent.push(timed('writeDraw', () => redis.writeDraw(keys.meta, keys.drawn, keys.ticketOf, offset, ...slice)));
    }
    for (const reply of await Promise.all(sent)) {
      // A racing drawer may have finished the whole draw meanwhile: then there is nothing left to do.
      if (reply === WRONG_PHASE && (await redis.hexists(keys.meta, 'drawnAt'))) {
        writeMs = performance.now() - writeStart;
        return report(status === 1 ? 'started' : 'resumed', size, digest, computeMs);
      }
      // Replies come in order; a chunk skipped because another drawer got there first answers
      // where the list stands, and the next round carries on from there.
      written = unwrap(reply, undefined, options.refuse)[1];
      await options.afterWrite?.(written, size);
    }
  }
  writeMs = performance.now() - writeStart;
  unwrap(
    await timed('finishDraw', () => redis.finishDraw(keys.meta, keys.drawn, digest, entriesDigest)),
    undefined,
    options.refuse,
  );
  return report(status === 1 ? 'started' : 'resumed', size, digest, computeMs);
}
