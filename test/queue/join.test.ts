import { afterAll, describe, expect, it } from 'vitest';
import type { QueueError } from '../../queue/errors.js';
import { accounts, createRoomEnv, joinAll, newEventId } from './support.js';

const env = createRoomEnv();
afterAll(() => env.close());
const { room } = env;

describe('joining the waiting room', () => {
  it('refuses before the room is open', async () => {
    await expect(room.join(newEventId(), 'fan')).rejects.toMatchObject({ code: 'queue.not_open' });
  });

  it('answers the same entry when an account joins again', async () => {
    const ev = newEventId();
    await room.open(ev, { tokenTtlMs: 60_000 });
    const first = await room.join(ev, 'fan-1');
    const again = await room.join(ev, 'fan-1');
    expect(first.created).toBe(true);
    expect(again).toMatchObject({
      created: false,
      entryId: first.entryId,
      joinedAt: first.joinedAt,
      phase: 'prequeue',
      ticketNumber: null,
    });
    expect(await env.redis.llen(env.keys.queue(ev).prequeue)).toBe(1);
  });

  it('keeps one entry for an account that joins 1,000 times at once', async () => {
    const ev = newEventId();
    await room.open(ev, { tokenTtlMs: 60_000 });
    // Two connections, as two API nodes would receive the hammering.
    const other = env.second();
    const results = await Promise.all(
      Array.from({ length: 1_000 }, (_, i) => (i % 2 ? other : room).join(ev, 'hammer')),
    );
    expect(new Set(results.map((r) => r.entryId)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const stats = await room.stats(ev);
    expect(stats.entrants).toBe(1);
    expect(stats.prequeue).toBe(1);
  });

  it('counts joins per address and per account in the same script: over either limit is a 429 and makes no entry', async () => {
    const ev = newEventId();
    const limits = { address: '203.0.113.7', perAddress: 3, perAccount: 2, windowMs: 60_000 };
    // A room that is not open counts nothing.
    await expect(room.join(ev, 'a1', limits)).rejects.toMatchObject({ code: 'queue.not_open' });
    await room.open(ev, { tokenTtlMs: 60_000 });
    await room.join(ev, 'a1', limits);
    await room.join(ev, 'a1', limits);
    // The account's third call in the window is refused, with the time left in the window.
    const refused = await room.join(ev, 'a1', limits).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'rate_limited' });
    const retryAfter = Math.ceil((refused as QueueError).retryAfterMs! / 1000);
    expect(retryAfter).toBeGreaterThanOrEqual(59);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // The address has used 3 of 3 (the refused call counted against it too): a new account from it is refused.
    await expect(room.join(ev, 'a2', limits)).rejects.toMatchObject({ code: 'rate_limited' });
    expect((await room.stats(ev)).entrants).toBe(1);
    // Another address is not affected.
    expect(await room.join(ev, 'a2', { ...limits, address: '203.0.113.8' })).toMatchObject({ created: true });
  });

  it('gives joiners after the draw the next numbers in arrival order, each once', async () => {
    const ev = newEventId();
    await room.open(ev, { tokenTtlMs: 60_000 });
    await joinAll(room, ev, accounts(500, 'early'));
    await room.draw(ev);
    const late = await joinAll(room, ev, accounts(300, 'late'));
    expect(late.map((j) => j.ticketNumber)).toEqual(Array.from({ length: 300 }, (_, i) => 501 + i));
    // An early fan joining again after the draw keeps the drawn number, it is not sent to the back.
    const again = await room.join(ev, 'early7');
    expect(again.created).toBe(false);
    expect(again.ticketNumber).toBeGreaterThanOrEqual(1);
    expect(again.ticketNumber).toBeLessThanOrEqual(500);
  });

  it('puts joins that arrive while the draw is running behind the whole pre-queue', async () => {
    const ev = newEventId();
    await room.open(ev, { tokenTtlMs: 60_000 });
    await joinAll(room, ev, accounts(20_000, 'pre'));
    let during: Promise<unknown> | undefined;
    const report = await room.draw(ev, {
      writeChunk: 2_000,
      // Fired between two chunks, while the phase is `drawing`.
      afterWrite: (written) => {
        if (written === 2_000) during = joinAll(room, ev, accounts(50, 'mid'));
      },
    });
    const mid = (await during) as { ticketNumber: number }[];
    expect(report.size).toBe(20_000);
    expect(mid.map((j) => j.ticketNumber)).toEqual(Array.from({ length: 50 }, (_, i) => 20_001 + i));
  });

  it('refuses new entries once closed but still answers existing ones', async () => {
    const ev = newEventId();
    await room.open(ev, { tokenTtlMs: 60_000 });
    const entry = await room.join(ev, 'in-time');
    await room.close(ev);
    await expect(room.join(ev, 'too-late')).rejects.toMatchObject({ code: 'queue.closed' });
    expect((await room.join(ev, 'in-time')).entryId).toBe(entry.entryId);
  });

  it('keeps every key of an event under one hash tag, so a cluster keeps it on one shard', () => {
    const names = [
      ...Object.values(env.keys.queue('evt-42')),
      env.keys.joinCounter('evt-42', 'address:::1'),
      env.keys.joinCounter('evt-42', 'account:a'),
    ];
    expect(names.length).toBeGreaterThan(5);
    for (const name of names) {
      // The hash tag is the text between the first "{" and the next "}".
      const open = name.indexOf('{');
      expect(name.slice(open + 1, name.indexOf('}', open))).toBe('ev:evt-42');
      expect(name.startsWith(env.prefix)).toBe(true);
    }
    expect(() => env.keys.queue('a}b')).toThrow();
  });
});
