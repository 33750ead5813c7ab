import { afterAll, describe, expect, it } from 'vitest';
import { commitmentOf, newSeed, verifyLottery } from '../../queue/lottery.js';
import { openSlowlogWindow } from '../../queue/slowlog.js';
import { accounts, createRoomEnv, joinAll, newEventId, ticketsByEntry } from './support.js';

const env = createRoomEnv();
afterAll(() => env.close());
const { room } = env;

describe('a large draw', () => {
  it('draws 200,000 entries without any single call keeping Redis busy for 50 ms', async () => {
    const N = 200_000;
    const ev = newEventId();
    const k = env.keys.queue(ev);
    await room.open(ev, { tokenTtlMs: 60_000 });
    const joined = await joinAll(room, ev, accounts(N), 10_000);

    // SLOWLOG times each call inside Redis, but on this shared 2-core machine a call can also
    // be descheduled mid-way. A draw that makes long calls fails every attempt; one that met
    // a scheduling hiccup passes the second. So: up to two attempts, the second on a reset draw.
    const attempts: { maxInsideMs: number; calls: number; roundTripMs: number }[] = [];
    for (let attempt = 0; attempt < 2; attempt++) {
      if (attempt > 0) {
        const seed = newSeed();
        await env.redis.unlink(k.drawn, k.ticketOf);
        await env.redis.hdel(k.meta, 'drawnAt', 'drawSize', 'drawStartedAt', 'orderDigest');
        await env.redis.hset(k.meta, 'phase', 'prequeue', 'seed', seed, 'commitment', commitmentOf(seed));
      }
      const slowlog = await openSlowlogWindow(env.redis, env.prefix);
      const report = await room.draw(ev);
      const { slowest } = await slowlog.read();
      expect(report.size).toBe(N);
      attempts.push({ maxInsideMs: slowest[0]?.ms ?? 0, calls: report.redisCalls, roundTripMs: report.maxCallMs });
      if ((slowest[0]?.ms ?? 0) < 50) break;
    }
    console.info(`200k draw attempts: ${JSON.stringify(attempts)}`);
    // Chunked: many short calls, not a few long ones.
    expect(attempts[0]!.calls).toBeGreaterThan(N / 5_000);
    expect(Math.min(...attempts.map((a) => a.maxInsideMs))).toBeLessThan(50);

    const tickets = await ticketsByEntry(room, ev, N);
    const { seed, commitment, orderDigest } = await room.reveal(ev);
    const verdict = verifyLottery({ seed, commitment, orderDigest, entries: joined.map((j) => ({ entryId: j.entryId, ticketNumber: tickets.get(j.entryId)! })) });
    expect(verdict).toMatchObject({ ok: true, entries: N });
  });
});
