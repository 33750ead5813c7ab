import { createHash, randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import {
  commitmentOf,
  drawKeyOf,
  drawOrder,
  drawOrderReference,
  entriesDigest,
  newSeed,
  orderDigest,
  scoreOf,
  verifyLottery,
} from '../../queue/lottery.js';
import type { Joined } from '../../queue/types.js';
import { accounts, createRoomEnv, joinAll, newEventId, ticketsByEntry } from './support.js';

const env = createRoomEnv();
afterAll(() => env.close());
const { room } = env;

/** The published draw as a verifier receives it: pre-queue entries in join order, each with its ticket. */
const inJoinOrder = (joined: readonly Joined[], tickets: Map<string, number>) =>
  joined.map((j) => ({ entryId: j.entryId, ticketNumber: tickets.get(j.entryId)! }));

async function openWith(n: number, tag = 'f') {
  const ev = newEventId();
  const opened = await room.open(ev, { tokenTtlMs: 60_000 });
  const joined = await joinAll(room, ev, accounts(n, tag));
  return { ev, opened, joined };
}

describe('the lottery draw', () => {
  it('gives 10,000 pre-queue entries exactly the ticket numbers 1..N, reproducible from the revealed seed', async () => {
    const { ev, opened, joined } = await openWith(10_000);
    await expect(room.reveal(ev)).rejects.toMatchObject({ code: 'queue.wrong_phase' });
    const report = await room.draw(ev);
    expect(report).toMatchObject({ size: 10_000, outcome: 'started' });

    const tickets = await ticketsByEntry(room, ev, 10_000);
    expect(tickets.size).toBe(10_000);
    expect([...tickets.values()].sort((a, b) => a - b)).toEqual(Array.from({ length: 10_000 }, (_, i) => i + 1));
    // Each fan's own view agrees with the published order.
    for (const i of [0, 4_321, 9_999]) {
      const state = await room.fanState(ev, `f${i}`);
      expect(state).toMatchObject({
        joined: true,
        entryId: joined[i]!.entryId,
        ticketNumber: tickets.get(joined[i]!.entryId),
      });
    }

    const revealed = await room.reveal(ev);
    expect(revealed.commitment).toBe(opened.commitment);
    expect(commitmentOf(revealed.seed)).toBe(opened.commitment);
    const entries = inJoinOrder(joined, tickets);
    expect(revealed.entriesDigest).toBe(entriesDigest(joined.map((j) => j.entryId)));
    const verdict = verifyLottery({
      seed: revealed.seed,
      commitment: opened.commitment,
      orderDigest: revealed.orderDigest,
      entriesDigest: revealed.entriesDigest,
      entries,
    });
    expect(verdict).toMatchObject({
      ok: true,
      commitmentMatches: true,
      digestMatches: true,
      entriesDigestMatches: true,
      mismatchCount: 0,
      entries: 10_000,
    });
    expect((await room.stats(ev)).revealedAt).not.toBeNull();
  });

  it('publishes a digest and commitment by the documented rule', () => {
    // The rule verifiers implement on their own (queue/README.md): each id followed by a newline.
    expect(orderDigest(['b', 'a'])).toBe(createHash('sha256').update('b\na\n').digest('hex'));
    expect(orderDigest([])).toBe(createHash('sha256').digest('hex'));
    const seed = newSeed();
    expect(commitmentOf(seed)).toBe(createHash('sha256').update(Buffer.from(seed, 'hex')).digest('hex'));
  });

  it('lets the verifier catch a swapped pair, a wrong seed and a wrong digest', async () => {
    const seed = newSeed();
    const ids = Array.from({ length: 2_000 }, () => randomBytes(16).toString('base64url'));
    const rank = new Map(drawOrder(seed, ids).map((entryId, i) => [entryId, i + 1]));
    const entries = ids.map((entryId) => ({ entryId, ticketNumber: rank.get(entryId)! }));
    const commitment = commitmentOf(seed);
    expect(verifyLottery({ seed, commitment, entries }).ok).toBe(true);

    const swapped = entries.map((e) => ({ ...e }));
    [swapped[10]!.ticketNumber, swapped[20]!.ticketNumber] = [swapped[20]!.ticketNumber, swapped[10]!.ticketNumber];
    expect(verifyLottery({ seed, commitment, entries: swapped })).toMatchObject({ ok: false, mismatchCount: 2 });

    const other = newSeed();
    expect(verifyLottery({ seed: other, commitment, entries })).toMatchObject({ ok: false, commitmentMatches: false });
    expect(verifyLottery({ seed, commitment, entries, orderDigest: '0'.repeat(64) })).toMatchObject({
      ok: false,
      digestMatches: false,
    });
  });

  it('sorts exactly like the plain definition, ties in the packed key included', () => {
    const seed = newSeed();
    const ids = Array.from({ length: 50_000 }, (_, i) => `entry-${i}`);
    const reference = drawOrderReference(seed, ids);
    expect(drawOrder(seed, ids)).toEqual(reference);
    // With only 10 packed bits almost every key ties, so the full-score tie-break decides.
    expect(drawOrder(seed, ids, 10)).toEqual(reference);
    expect(drawOrder(seed, [])).toEqual([]);
    expect(drawOrder(seed, ['only'])).toEqual(['only']);
  });

  it('binds the draw to the final entry list, so an id cannot be ground to rank well before the list is frozen', () => {
    const seed = newSeed();
    const ids = Array.from({ length: 5_000 }, () => randomBytes(16).toString('base64url'));
    const favoured = ids[0]!;
    // The score the operator could compute while entries arrive (seed alone) is not the one that counts.
    const key = drawKeyOf(seed, entriesDigest(ids));
    expect(scoreOf(key, favoured).equals(scoreOf(seed, favoured))).toBe(false);
    // One more entry at the end changes the key, and with it every rank: about 1 in N keep their number.
    const before = drawOrder(seed, ids);
    const after = drawOrder(seed, [...ids, 'one-more']);
    const rankBefore = new Map(before.map((id, i) => [id, i]));
    const unchanged = after.filter((id, i) => rankBefore.get(id) === i).length;
    expect(unchanged).toBeLessThan(20);
    // Join order is part of the input: the same ids in another order draw differently…
    expect(drawOrder(seed, [...ids].reverse())).not.toEqual(before);
    // …and a published list given in another order, or with its digest misreported, fails verification.
    const rank = new Map(before.map((id, i) => [id, i + 1]));
    const entries = ids.map((entryId) => ({ entryId, ticketNumber: rank.get(entryId)! }));
    const commitment = commitmentOf(seed);
    expect(verifyLottery({ seed, commitment, entries, entriesDigest: entriesDigest(ids) })).toMatchObject({
      ok: true,
      entriesDigestMatches: true,
    });
    expect(verifyLottery({ seed, commitment, entries: [...entries].reverse() }).ok).toBe(false);
    expect(
      verifyLottery({ seed, commitment, entries, entriesDigest: entriesDigest([...ids].reverse()) }),
    ).toMatchObject({ ok: false, entriesDigestMatches: false });
  });

  it('resumes a draw whose process died half way, with no ticket written twice', async () => {
    const { ev, joined } = await openWith(12_000);
    const crash = new Error('killed mid-draw');
    await expect(
      room.draw(ev, {
        writeChunk: 1_000,
        afterWrite: (written) => {
          if (written >= 5_000) throw crash;
        },
      }),
    ).rejects.toBe(crash);
    const half = await room.stats(ev);
    expect(half).toMatchObject({ phase: 'drawing', drawWritten: 5_000 });
    await expect(room.admit(ev, 10)).resolves.toMatchObject({ status: 'not_live', admitted: [] });

    const resumed = await env.second().draw(ev, { writeChunk: 1_000 });
    expect(resumed).toMatchObject({ outcome: 'resumed', size: 12_000 });
    const tickets = await ticketsByEntry(room, ev, 12_000);
    expect(tickets.size).toBe(12_000);
    const { seed, commitment, orderDigest } = await room.reveal(ev);
    const verdict = verifyLottery({ seed, commitment, orderDigest, entries: inJoinOrder(joined, tickets) });
    expect(verdict.ok).toBe(true);
    expect(await room.draw(ev)).toMatchObject({ outcome: 'done', orderDigest });
  });

  it('lets two schedulers draw at once and still writes each ticket once', async () => {
    const { ev, joined } = await openWith(15_000);
    const reports = await Promise.all([
      room.draw(ev, { writeChunk: 700 }),
      env.second().draw(ev, { writeChunk: 1_100 }),
    ]);
    // One of them started it; the other resumed it or found it done.
    expect(reports.filter((r) => r.outcome === 'started')).toHaveLength(1);
    expect(reports.map((r) => r.orderDigest).filter(Boolean)).toEqual([
      reports[0]!.orderDigest,
      reports[0]!.orderDigest,
    ]);
    const stats = await room.stats(ev);
    expect(stats).toMatchObject({ phase: 'live', drawSize: 15_000, drawWritten: 15_000 });
    const tickets = await ticketsByEntry(room, ev, 15_000);
    expect(tickets.size).toBe(15_000);
    const { seed, commitment } = await room.reveal(ev);
    expect(verifyLottery({ seed, commitment, entries: inJoinOrder(joined, tickets) }).ok).toBe(true);
  });

  it('draws an empty pre-queue and then serves arrivals first come, first served', async () => {
    const ev = newEventId();
    await room.open(ev, { tokenTtlMs: 60_000 });
    expect(await room.draw(ev)).toMatchObject({ size: 0, outcome: 'started' });
    const late = await joinAll(room, ev, accounts(3, 'x'));
    expect(late.map((j) => j.ticketNumber)).toEqual([1, 2, 3]);
  });

  it('keeps the commitment when the room is opened twice', async () => {
    const ev = newEventId();
    const first = await room.open(ev, { tokenTtlMs: 60_000 });
    const second = await env.second().open(ev, { tokenTtlMs: 1 });
    expect(second).toEqual({ created: false, commitment: first.commitment, phase: 'prequeue' });
  });
});
