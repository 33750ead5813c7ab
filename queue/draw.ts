import type { QueueKeys } from './keys.js';
import { unwrap, WRONG_PHASE } from './errors.js';
import { drawOrder, orderDigest } from './lottery.js';
import type { RedisConnection, ScriptCommands } from './scripts.js';

/**
 * The lottery draw, in chunks. Scores are computed in Node (Redis has no HMAC) and the order
 * is written back a chunk per script call, so Redis is never busy with the draw for more than
 * one short call at a time. Every step is idempotent: a process that dies mid-draw, or a second
 * scheduler drawing at the same moment, recomputes the same order from the same seed and
 * continues from the number of tickets already written.
 */

export interface DrawOptions {
  /** Entry ids fetched per LRANGE; 20,000 ids answer in a few milliseconds. */
  readChunk?: number;
  /** Tickets written per script call; 5,000 keep a call near 5 ms on a small machine. */
  writeChunk?: number;
  /** Called after each chunk is written (tests use it to simulate a crash mid-draw). */
  afterWrite?: (written: number, size: number) => void | Promise<void>;
}

export interface DrawReport {
  /** Pre-queue entries drawn (ticket numbers 1..size). */
  size: number;
  /** started: this call began the draw; resumed: it continued one in progress; done: nothing left to do. */
  outcome: 'started' | 'resumed' | 'done';
  orderDigest: string | null;
  redisCalls: number;
  /** Longest single Redis round trip of the draw, an upper bound on how long it blocked Redis. */
  maxCallMs: number;
  /** Time spent hashing and sorting in Node. */
  computeMs: number;
  totalMs: number;
}

export async function runDraw(redis: RedisConnection & ScriptCommands, keys: QueueKeys, options: DrawOptions = {}): Promise<DrawReport> {
  const readChunk = options.readChunk ?? 20_000;
  const writeChunk = options.writeChunk ?? 5_000;
  const started = performance.now();
  let redisCalls = 0;
  let maxCallMs = 0;
  const timed = async <T>(call: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    const result = await call();
    maxCallMs = Math.max(maxCallMs, performance.now() - t);
    redisCalls++;
    return result;
  };
  const report = (outcome: DrawReport['outcome'], size: number, digest: string | null, computeMs: number): DrawReport => ({
    size, outcome, orderDigest: digest, redisCalls, maxCallMs, computeMs, totalMs: performance.now() - started,
  });

  const [status, size, seed] = unwrap(await timed(() => redis.startDraw(keys.meta, keys.prequeue)));
  if (status === 2) return report('done', size, await redis.hget(keys.meta, 'orderDigest'), 0);

  // The pre-queue stopped growing when the draw started; its first `size` ids are the input.
  const ids: string[] = [];
  for (let from = 0; from < size; from += readChunk) {
    const chunk = await timed(() => redis.lrange(keys.prequeue, from, Math.min(from + readChunk, size) - 1));
    for (const id of chunk) ids.push(id);
  }
  const computeStart = performance.now();
  const order = drawOrder(seed, ids);
  const digest = orderDigest(order);
  const computeMs = performance.now() - computeStart;

  let written = await timed(() => redis.llen(keys.drawn));
  while (written < size) {
    const slice = order.slice(written, written + writeChunk);
    const reply = await timed(() => redis.writeDraw(keys.meta, keys.drawn, keys.ticketOf, written, ...slice));
    // A racing drawer may have finished the whole draw meanwhile: then there is nothing left to do.
    if (reply === WRONG_PHASE && (await redis.hexists(keys.meta, 'drawnAt'))) return report('done', size, digest, computeMs);
    const [, after] = unwrap(reply);
    // If another drawer got there first, `after` is where it stands; carry on from there.
    written = after;
    await options.afterWrite?.(written, size);
  }
  unwrap(await timed(() => redis.finishDraw(keys.meta, keys.drawn, digest)));
  return report(status === 1 ? 'started' : 'resumed', size, digest, computeMs);
}
