import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { commitmentOf, drawOrder, entriesDigest, newSeed, orderDigest, verifyLottery } from '../../queue/lottery.js';
import { nodeHashes } from '../../queue/lottery-node-hashes.js';
import { verifyDraw, webCryptoHashes, type LotteryHashes } from '../../queue/lottery-verify.js';
import type { PublishedDraw } from '../../queue/lottery.js';

/**
 * The check the waiting-room page and `npm run verify-lottery` share (queue/lottery-verify.ts):
 * the engine's draw checks out with either set of hashes, and every tampering the engine's own
 * verifier catches, it catches the same way.
 */

function publishedDraw(n: number, seed = newSeed()): Required<PublishedDraw> {
  const ids = Array.from({ length: n }, () => randomBytes(16).toString('base64url'));
  const order = drawOrder(seed, ids);
  const rank = new Map(order.map((entryId, i) => [entryId, i + 1]));
  return {
    seed,
    commitment: commitmentOf(seed),
    entries: ids.map((entryId) => ({ entryId, ticketNumber: rank.get(entryId)! })),
    entriesDigest: entriesDigest(ids),
    orderDigest: orderDigest(order),
  };
}

const backends: [string, LotteryHashes][] = [
  ['Web Crypto (the browser)', webCryptoHashes],
  ['node:crypto (the command line)', nodeHashes],
];

describe.each(backends)('verifyDraw with %s', (_name, hashes) => {
  it("confirms the engine's draw of 3,000 entries, reporting its progress", async () => {
    const draw = publishedDraw(3_000);
    const progress: number[] = [];
    const verdict = await verifyDraw(draw, hashes, { onProgress: (done) => progress.push(done) });
    expect(verdict).toEqual(verifyLottery(draw));
    expect(verdict).toMatchObject({
      ok: true,
      commitmentMatches: true,
      entriesDigestMatches: true,
      digestMatches: true,
      mismatchCount: 0,
      entries: 3_000,
    });
    expect(progress.at(-1)).toBe(3_000);
  });

  it('catches each tampering exactly as the engine’s verifier does', async () => {
    const draw = publishedDraw(500);
    const swapped = draw.entries.map((e) => ({ ...e }));
    [swapped[3]!.ticketNumber, swapped[7]!.ticketNumber] = [swapped[7]!.ticketNumber, swapped[3]!.ticketNumber];
    const cases: PublishedDraw[] = [
      { ...draw, entries: swapped },
      { ...draw, seed: newSeed() },
      { ...draw, seed: 'not hex' },
      { ...draw, orderDigest: '0'.repeat(64) },
      { ...draw, entriesDigest: 'f'.repeat(64) },
      { ...draw, entries: [...draw.entries].reverse() },
      { ...draw, entries: [...draw.entries, draw.entries[0]!] },
      { ...draw, entries: draw.entries.slice(1) },
      { seed: draw.seed, commitment: draw.commitment, entries: draw.entries },
      { ...draw, entries: [] },
    ];
    for (const tampered of cases) {
      const verdict = await verifyDraw(tampered, hashes);
      expect(verdict).toEqual(verifyLottery(tampered));
    }
    expect(await verifyDraw({ ...draw, entries: swapped }, hashes)).toMatchObject({
      ok: false,
      mismatchCount: 2,
      mismatches: [
        { entryId: swapped[3]!.entryId, published: swapped[3]!.ticketNumber },
        { entryId: swapped[7]!.entryId, published: swapped[7]!.ticketNumber },
      ],
    });
  });
});
