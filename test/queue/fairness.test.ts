import { afterAll, describe, expect, it } from 'vitest';
import { accounts, createRoomEnv, joinAll, newEventId, ticketsByEntry } from './support.js';

const env = createRoomEnv();
afterAll(() => env.close());
const { room } = env;

/** Spearman's rho between two rankings of the same n items, each a permutation of 1..n. */
function spearman(rankA: readonly number[], rankB: readonly number[]): number {
  const n = rankA.length;
  let sumSq = 0;
  for (let i = 0; i < n; i++) sumSq += (rankA[i]! - rankB[i]!) ** 2;
  return 1 - (6 * sumSq) / (n * (n * n - 1));
}

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

describe('fairness of the pre-queue lottery', () => {
  const N = 20_000;
  const LAST = 2_000;

  it('gives no advantage to joining early or in the last millisecond before the start', async () => {
    const ev = newEventId();
    await room.open(ev, { tokenTtlMs: 60_000 });
    const early = await joinAll(room, ev, accounts(N - LAST, 'early'));
    // The last 2,000 joins and the draw's start leave on one connection with nothing awaited
    // in between: Redis runs the joins immediately before it freezes the pre-queue.
    const lastJoins = Promise.all(accounts(LAST, 'last').map((id) => room.join(ev, id)));
    const drawn = room.draw(ev);
    const last = await lastJoins;
    expect((await drawn).size).toBe(N);
    expect(last.every((j) => j.phase === 'prequeue' && j.ticketNumber === null)).toBe(true);
    expect(last.at(-1)!.joinedAt - last[0]!.joinedAt).toBeLessThan(1_000);

    const tickets = await ticketsByEntry(room, ev, N);
    const joinOrder = [...early, ...last];
    const ticketInJoinOrder = joinOrder.map((j) => tickets.get(j.entryId)!);
    expect(new Set(ticketInJoinOrder).size).toBe(N);

    const rho = spearman(
      joinOrder.map((_, i) => i + 1),
      ticketInJoinOrder,
    );
    expect(Math.abs(rho)).toBeLessThan(0.05);

    // Ranks of a fair draw are uniform on 1..N: sd = sqrt((N²−1)/12) ≈ 5,774. Four standard
    // errors of the difference of the two group means is ≈ 545; a biased draw (say, arrival
    // order) misses that by thousands.
    const sd = Math.sqrt((N * N - 1) / 12);
    const bound = 4 * sd * Math.sqrt(1 / LAST + 1 / (N - LAST));
    const earlyMean = mean(ticketInJoinOrder.slice(0, N - LAST));
    const lastMean = mean(ticketInJoinOrder.slice(N - LAST));
    expect(Math.abs(lastMean - earlyMean)).toBeLessThan(bound);

    // The entries of the pre-queue's very last millisecond (by the Redis clock); the start came
    // right after them (on a busy machine Redis may take a moment more to reach the start).
    const startedAt = Number(await env.redis.hget(env.keys.queue(ev).meta, 'drawStartedAt'));
    const lastJoinAt = last.at(-1)!.joinedAt;
    expect(startedAt).toBeGreaterThanOrEqual(lastJoinAt);
    const lastMs = joinOrder
      .map((j, i) => ({ j, ticket: ticketInJoinOrder[i]! }))
      .filter(({ j }) => j.joinedAt >= lastJoinAt - 1);
    expect(lastMs.length).toBeGreaterThan(0);
    const lastMsBound = 4 * sd * Math.sqrt(1 / lastMs.length + 1 / N);
    expect(mean(lastMs.map((e) => e.ticket))).toBeGreaterThan((N + 1) / 2 - lastMsBound);
    // Later joiners keep coming strictly after every drawn entry.
    const after = await room.join(ev, 'after-start');
    expect(after.ticketNumber).toBe(N + 1);
  });
});
