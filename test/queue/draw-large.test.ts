import { afterAll, describe, expect, it } from 'vitest';
import { verifyLottery } from '../../queue/lottery.js';
import { openSlowlogWindow } from '../../queue/slowlog.js';
import { accounts, createRoomEnv, joinAll, newEventId, ticketsByEntry } from './support.js';

const env = createRoomEnv();
afterAll(() => env.close());
const { room } = env;

describe('a large draw', () => {
  // How long each call keeps Redis busy is a speed target: bench:queue-draw measures it (SLOWLOG)
  // on a million entries. Here, what must hold on any machine, however loaded: the draw is cut
  // into many bounded calls, and the result is right.
  it('draws 200,000 entries in many bounded calls, and the order verifies', async () => {
    const N = 200_000;
    const ev = newEventId();
    await room.open(ev, { tokenTtlMs: 60_000 });
    const joined = await joinAll(room, ev, accounts(N), 10_000);
    const slowlog = await openSlowlogWindow(env.redis, env.prefix);
    const report = await room.draw(ev);
    const { slowest } = await slowlog.read();
    expect(report.size).toBe(N);
    console.info(
      `200k draw: ${report.redisCalls} calls, slowest inside Redis ${slowest[0]?.ms ?? 0} ms, slowest round trip ${report.maxCallMs} ms`,
    );
    // Reads of at most 10,000 ids and writes of at most 2,500: many short calls, not a few long ones.
    expect(report.redisCalls).toBeGreaterThanOrEqual(N / 10_000 + N / 2_500);

    const tickets = await ticketsByEntry(room, ev, N);
    const { seed, commitment, orderDigest } = await room.reveal(ev);
    const verdict = verifyLottery({
      seed,
      commitment,
      orderDigest,
      entries: joined.map((j) => ({ entryId: j.entryId, ticketNumber: tickets.get(j.entryId)! })),
    });
    expect(verdict).toMatchObject({ ok: true, entries: N });
  });
});
