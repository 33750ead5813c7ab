import { afterAll, describe, expect, it } from 'vitest';
import type { Admission } from '../../queue/types.js';
import { accounts, CLAIM_WINDOW_MS, createRoomEnv, joinAll, newEventId, ticketsByEntry } from './support.js';

const env = createRoomEnv();
afterAll(() => env.close());
const { room } = env;

async function liveRoom(drawn: number, late = 0, tokenTtlMs = 60_000) {
  const ev = newEventId();
  await room.open(ev, { tokenTtlMs });
  await joinAll(room, ev, accounts(drawn, 'd'));
  await room.draw(ev);
  const lateJoins = await joinAll(room, ev, accounts(late, 'l'));
  return { ev, lateJoins };
}

describe('admission', () => {
  it('follows ticket order across the drawn and the late entries, none skipped or twice', async () => {
    const { ev, lateJoins } = await liveRoom(3_000, 500);
    const tickets = await ticketsByEntry(room, ev, 3_000);
    lateJoins.forEach((j) => tickets.set(j.entryId, j.ticketNumber!));

    const admitted: Admission[] = [];
    for (const k of [1, 7, 250, 1_000, 999, 2_000, 2_000]) {
      const result = await room.admit(ev, k);
      expect(result.status).toBe('admitting');
      admitted.push(...result.admitted);
    }
    expect(admitted.map((a) => a.ticketNumber)).toEqual(Array.from({ length: 3_500 }, (_, i) => i + 1));
    for (const a of admitted) expect(tickets.get(a.entryId)).toBe(a.ticketNumber);
    expect(new Set(admitted.map((a) => a.accountId)).size).toBe(3_500);
    expect(new Set(admitted.map((a) => a.token)).size).toBe(3_500);
    expect(await room.admit(ev, 10)).toMatchObject({ status: 'admitting', cursor: 3_500, admitted: [] });
    // Someone arriving now is next in line.
    const newcomer = await room.join(ev, 'newcomer');
    expect(newcomer).toMatchObject({ ticketNumber: 3_501, position: 1 });
    expect((await room.admit(ev, 5)).admitted.map((a) => a.accountId)).toEqual(['newcomer']);
  });

  it('never admits a number twice or skips one when two schedulers race', async () => {
    const { ev } = await liveRoom(6_000, 1_000);
    const other = env.second();
    const seen: number[] = [];
    const scheduler = async (engine: typeof room, k: number) => {
      for (;;) {
        const { admitted } = await engine.admit(ev, k);
        if (admitted.length === 0) return;
        // Each call takes one contiguous run of numbers.
        expect(admitted.map((a) => a.ticketNumber)).toEqual(admitted.map((_, i) => admitted[0]!.ticketNumber + i));
        seen.push(...admitted.map((a) => a.ticketNumber));
      }
    };
    await Promise.all([scheduler(room, 37), scheduler(other, 53), scheduler(room, 11), scheduler(other, 101)]);
    expect(seen).toHaveLength(7_000);
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 7_000 }, (_, i) => i + 1));
    expect((await room.stats(ev)).admitted).toBe(7_000);
  });

  it('caps outstanding tokens and lets expired ones give their share back', async () => {
    // Tokens live 400 ms: long enough to outlast the claim window below, short enough to expire here.
    const { ev } = await liveRoom(100, 0, 400);
    const first = await room.admit(ev, 50, { maxOutstanding: 20 });
    expect(first.admitted).toHaveLength(20);
    expect(await room.admit(ev, 50, { maxOutstanding: 20 })).toMatchObject({ admitted: [] });
    // A claimed token keeps its share while its hold commits (a tick in between must not admit
    // someone for seats about to be held); after the claim window its hold counts instead.
    await room.claim(ev, first.admitted[0]!.token, first.admitted[0]!.accountId);
    expect((await room.admit(ev, 50, { maxOutstanding: 20 })).admitted).toHaveLength(0);
    await new Promise((r) => setTimeout(r, CLAIM_WINDOW_MS + 20));
    expect((await room.admit(ev, 50, { maxOutstanding: 20 })).admitted).toHaveLength(1);

    await new Promise((r) => setTimeout(r, 500));
    const stats = await room.stats(ev);
    expect(stats).toMatchObject({ outstandingTokens: 0, expiredTokens: 20, claimedTokens: 1, admitted: 21 });
    const after = await room.admit(ev, 50, { maxOutstanding: 20, tokenTtlMs: 60_000 });
    expect(after.admitted.map((a) => a.ticketNumber)).toEqual(Array.from({ length: 20 }, (_, i) => 22 + i));
    expect(await room.stats(ev)).toMatchObject({ outstandingTokens: 20, expiredTokens: 20 });
    expect(await room.fanState(ev, first.admitted[5]!.accountId)).toMatchObject({ status: 'expired', position: 0 });
  });

  it('counts a token against the cap only while it reserves, and a claimed one while its hold commits', async () => {
    const { ev } = await liveRoom(10, 0, 60_000);
    // Claims and admissions through nodes whose claim window outlasts the reserve window below.
    const node = env.second({ claimWindowMs: 5_000 });
    const limits = { maxOutstanding: 2, reserveMs: 300 };
    const first = (await node.admit(ev, 5, limits)).admitted;
    expect(first.map((a) => a.ticketNumber)).toEqual([1, 2]);
    expect((await node.admit(ev, 5, limits)).admitted).toHaveLength(0);
    await node.claim(ev, first[0]!.token, first[0]!.accountId);
    await new Promise((r) => setTimeout(r, 400));
    // Without a reserve window both tokens still count for their whole minute: nobody more.
    expect((await node.admit(ev, 5, { maxOutstanding: 2 })).admitted).toHaveLength(0);
    // With it, the unclaimed token no longer holds the line; the claimed one still does.
    expect((await node.admit(ev, 5, limits)).admitted.map((a) => a.ticketNumber)).toEqual([3]);
    expect((await node.admit(ev, 5, limits)).admitted).toHaveLength(0);
    expect(await node.stats(ev)).toMatchObject({ outstandingTokens: 3, claimedTokens: 1 });
    // The token past its reserve window is still the fan's to use.
    await expect(node.claim(ev, first[1]!.token, first[1]!.accountId)).resolves.toMatchObject({
      entryId: first[1]!.entryId,
    });
  });

  it('records how long each claim came after its token was issued, newest first, the last 200', async () => {
    const { ev } = await liveRoom(205, 0, 60_000);
    const admitted = (await room.admit(ev, 205)).admitted;
    expect(await room.claimAges(ev, 60_000)).toEqual([]);
    await new Promise((r) => setTimeout(r, 300));
    await room.claim(ev, admitted[0]!.token, admitted[0]!.accountId);
    const [age] = await room.claimAges(ev, 60_000);
    expect(age).toBeGreaterThanOrEqual(300);
    expect(age).toBeLessThan(5_000);
    // A refused claim (used, someone else's) is not a fan coming: nothing recorded.
    await expect(room.claim(ev, admitted[0]!.token, admitted[0]!.accountId)).rejects.toMatchObject({
      code: 'queue.token_used',
    });
    await expect(room.claim(ev, admitted[1]!.token, 'someone-else')).rejects.toMatchObject({
      code: 'queue.token_wrong_account',
    });
    expect(await room.claimAges(ev, 60_000)).toHaveLength(1);
    for (const a of admitted.slice(1)) await room.claim(ev, a.token, a.accountId);
    const ages = await room.claimAges(ev, 60_000);
    expect(ages).toHaveLength(200);
    // Newest first: the first claim, the oldest, has been trimmed away.
    expect(ages[0]!).toBeGreaterThanOrEqual(ages[199]!);
    expect(ages[199]!).toBeGreaterThanOrEqual(300);
  });

  it('lets a settled token stop reserving its share at once, before its claim window ends', async () => {
    const { ev } = await liveRoom(10, 0, 60_000);
    const [first] = (await room.admit(ev, 1, { maxOutstanding: 1 })).admitted;
    // Claimed through an API node whose claim window is a minute long.
    await env.second({ claimWindowMs: 60_000 }).claim(ev, first!.token, first!.accountId);
    expect((await room.admit(ev, 5, { maxOutstanding: 1 })).admitted).toHaveLength(0);
    // Another account cannot settle it; an unclaimed token has nothing to settle.
    await expect(room.settle(ev, first!.token, 'someone-else')).rejects.toMatchObject({
      code: 'queue.token_wrong_account',
    });
    expect(await room.settle(ev, first!.token, first!.accountId)).toBe(true);
    expect(await room.settle(ev, first!.token, first!.accountId)).toBe(false);
    // Inside the claim window: the next admission already has the share back.
    const next = await room.admit(ev, 5, { maxOutstanding: 1 });
    expect(next.admitted.map((a) => a.ticketNumber)).toEqual([2]);
    await expect(room.settle(ev, next.admitted[0]!.token, next.admitted[0]!.accountId)).rejects.toMatchObject({
      code: 'queue.token_not_claimed',
    });
    expect(await room.stats(ev)).toMatchObject({ claimedTokens: 1, outstandingTokens: 1, settledTokens: 1 });
  });

  it('keeps counting a token settled after the scheduler counted the unsold seats, until it has seen it', async () => {
    const { ev } = await liveRoom(10, 0, 60_000);
    const [first] = (await room.admit(ev, 1, { maxOutstanding: 1 })).admitted;
    await room.claim(ev, first!.token, first!.accountId);
    // The scheduler reads the room, then counts unsold seats in Postgres; the hold commits and
    // settles in between, so that count still had the seats free: the token must still count.
    const { settledTokens: seen } = await room.stats(ev);
    expect(await room.settle(ev, first!.token, first!.accountId)).toBe(true);
    expect((await room.admit(ev, 5, { maxOutstanding: 1, settledSeen: seen })).admitted).toHaveLength(0);
    expect((await room.admit(ev, 5, { maxOutstanding: 1, settledSeen: seen })).admitted).toHaveLength(0);
    // Settled, it is not outstanding in the room's figures, nor expired.
    expect(await room.stats(ev)).toMatchObject({ outstandingTokens: 0, expiredTokens: 0, settledTokens: seen + 1 });
    // The next tick read the room after the settle: its count includes the hold, the share comes back.
    const { settledTokens: later } = await room.stats(ev);
    const next = await room.admit(ev, 5, { maxOutstanding: 1, settledSeen: later });
    expect(next.admitted.map((a) => a.ticketNumber)).toEqual([2]);
  });

  it('stops while paused, sold out or closed, and resumes where it stopped', async () => {
    const { ev } = await liveRoom(50);
    expect((await room.admit(ev, 5)).cursor).toBe(5);
    expect(await room.pause(ev)).toEqual({ changed: true, phase: 'paused', soldOut: false });
    expect(await room.pause(ev)).toMatchObject({ changed: false });
    expect(await room.admit(ev, 5)).toEqual({ status: 'paused', cursor: 5, admitted: [] });
    // Fans can still join a paused room; they wait behind everyone.
    expect((await room.join(ev, 'during-pause')).ticketNumber).toBe(51);
    await room.resume(ev);

    expect(await room.setSoldOut(ev, true)).toEqual({ changed: true, phase: 'live', soldOut: true });
    expect(await room.admit(ev, 5)).toEqual({ status: 'soldout', cursor: 5, admitted: [] });
    expect(await room.fanState(ev, 'during-pause')).toMatchObject({ soldOut: true, status: 'waiting', position: 46 });
    expect(await room.setSoldOut(ev, false)).toMatchObject({ changed: true, soldOut: false });
    expect((await room.admit(ev, 5)).admitted.map((a) => a.ticketNumber)).toEqual([6, 7, 8, 9, 10]);

    await expect(room.resume(ev)).resolves.toMatchObject({ changed: false, phase: 'live' });
    await room.close(ev);
    expect(await room.admit(ev, 5)).toEqual({ status: 'closed', cursor: 10, admitted: [] });
    await expect(room.resume(ev)).rejects.toMatchObject({ code: 'queue.closed' });
  });

  it('refuses to pause a room that is not live and admits nobody before the draw', async () => {
    const ev = newEventId();
    await room.open(ev, { tokenTtlMs: 1_000 });
    await room.join(ev, 'early');
    await expect(room.pause(ev)).rejects.toMatchObject({ code: 'queue.wrong_phase' });
    expect(await room.admit(ev, 5)).toEqual({ status: 'not_live', cursor: 0, admitted: [] });
    await expect(room.admit(newEventId(), 5)).rejects.toMatchObject({ code: 'queue.not_open' });
  });
});
