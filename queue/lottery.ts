import { createHash, createHmac, randomBytes } from 'node:crypto';
import { hmacSha256Batch } from './hmac-batch.js';
import { judgeDraw, type LotteryVerdict, type PublishedDraw } from './lottery-verify.js';

/**
 * The lottery, as pure functions shared by the engine that draws and by anyone who verifies.
 *
 * - seed: 32 random bytes, written as 64 hex chars; secret until the draw is finished.
 * - commitment: SHA-256 of the seed's 32 bytes, hex; published when the pre-queue opens.
 * - entriesDigest: SHA-256 over the pre-queue's entry ids in JOIN order, each followed by "\n".
 * - drawKey = HMAC-SHA256(key = seed bytes, message = the 32 bytes of entriesDigest).
 * - score(entry) = HMAC-SHA256(key = drawKey, message = entry id as UTF-8).
 * - ticket numbers 1..N go to the pre-queue entries in ascending score, comparing the 32-byte
 *   scores as big-endian unsigned integers (equal scores, which never happen in practice,
 *   fall back to comparing the entry ids).
 * - orderDigest: SHA-256 over the entry ids in ticket order, each followed by "\n".
 *
 * Why the draw key: the operator knows the seed while entries arrive and makes the entry ids.
 * Scoring with the seed alone would let it try ids until one scores well and give that id to
 * a favoured account. With the key bound to the whole final list, an entry's score is unknown
 * until the pre-queue is frozen, and any change to the list (one more entry, another id)
 * reshuffles every rank. See queue/README.md for what this does and does not rule out.
 */

const SEED_HEX = /^[0-9a-f]{64}$/;

export function newSeed(): string {
  return randomBytes(32).toString('hex');
}

function seedBytes(seed: string): Buffer {
  if (!SEED_HEX.test(seed)) throw new Error('a lottery seed is 64 lowercase hex characters');
  return Buffer.from(seed, 'hex');
}

export function commitmentOf(seed: string): string {
  return createHash('sha256').update(seedBytes(seed)).digest('hex');
}

/** The draw key (hex) of a seed and the digest of the pre-queue in join order. */
export function drawKeyOf(seed: string, entriesDigestHex: string): string {
  if (!SEED_HEX.test(entriesDigestHex)) throw new Error('an entries digest is 64 lowercase hex characters');
  return createHmac('sha256', seedBytes(seed)).update(Buffer.from(entriesDigestHex, 'hex')).digest('hex');
}

/** SHA-256 over the pre-queue's ids in join order (the same byte rule as orderDigest). */
export function entriesDigest(idsInJoinOrder: readonly string[]): string {
  return orderDigest(idsInJoinOrder);
}

/** One entry's score under a draw key (drawKeyOf). */
export function scoreOf(drawKey: string, entryId: string): Buffer {
  return createHmac('sha256', seedBytes(drawKey)).update(entryId, 'utf8').digest();
}

export function orderDigest(idsInTicketOrder: readonly string[]): string {
  // One join and one update: a million update() calls cost more than the hashing itself.
  // Same bytes as hashing each id followed by "\n".
  const hash = createHash('sha256');
  if (idsInTicketOrder.length > 0) hash.update(`${idsInTicketOrder.join('\n')}\n`, 'utf8');
  return hash.digest('hex');
}

/**
 * The 32-byte scores of `entryIds` under a draw key (64 hex chars, from drawKeyOf), back to
 * back (entry i at i*32), written into `out` from `outOffset` when given. Uses the batch HMAC (hmac-batch.ts), which the tests hold to
 * node:crypto byte for byte.
 */
export function scoreAll(drawKey: string, entryIds: readonly string[], out?: Buffer, outOffset = 0): Buffer {
  const target = out ?? Buffer.allocUnsafe(entryIds.length * 32);
  hmacSha256Batch(seedBytes(drawKey), entryIds, target, outOffset);
  return target;
}

/** The same scores through node:crypto: slower, and independent of the engine's own code. */
export function scoreAllReference(drawKey: string, entryIds: readonly string[]): Buffer {
  const key = seedBytes(drawKey);
  const scores = Buffer.allocUnsafe(entryIds.length * 32);
  entryIds.forEach((id, i) =>
    createHmac('sha256', key)
      .update(id, 'utf8')
      .digest()
      .copy(scores, i * 32),
  );
  return scores;
}

/** The entry ids in ticket order (index 0 holds ticket 1), from the pre-queue in join order. */
export function drawOrder(seed: string, idsInJoinOrder: readonly string[], packedBits?: number): string[] {
  const key = drawKeyOf(seed, entriesDigest(idsInJoinOrder));
  return orderByScores(idsInJoinOrder, scoreAll(key, idsInJoinOrder), packedBits);
}

/**
 * Sorts entries by their scores (from scoreAll, or computed in parallel by the same rule).
 *
 * A comparator sort over a million 32-byte scores takes seconds; instead each score's top
 * bits and the entry's index are packed into one float64 (exact below 2^53), the typed
 * array is sorted natively, and only runs whose top bits tie are re-sorted on full scores.
 */
export function orderByScores(entryIds: readonly string[], scores: Buffer, packedBits?: number): string[] {
  const n = entryIds.length;
  if (scores.length !== n * 32) throw new Error('one 32-byte score per entry is needed');
  const indexBits = Math.max(1, Math.ceil(Math.log2(n + 1)));
  // packedBits only changes the speed, never the order; tests lower it to force many ties.
  const highBits = Math.min(48, 53 - indexBits, packedBits ?? 48);
  const indexSpan = 2 ** indexBits;
  const dropBits = 2 ** (48 - highBits);
  const packed = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const high = Math.floor(scores.readUIntBE(i * 32, 6) / dropBits);
    packed[i] = high * indexSpan + i;
  }
  packed.sort();

  const order = new Array<number>(n);
  for (let j = 0; j < n; j++) order[j] = (packed[j] as number) % indexSpan;
  const fullCompare = (a: number, b: number): number =>
    Buffer.compare(scores.subarray(a * 32, a * 32 + 32), scores.subarray(b * 32, b * 32 + 32)) ||
    ((entryIds[a] as string) < (entryIds[b] as string) ? -1 : 1);
  for (let start = 0; start < n;) {
    const high = Math.floor((packed[start] as number) / indexSpan);
    let end = start + 1;
    while (end < n && Math.floor((packed[end] as number) / indexSpan) === high) end++;
    if (end - start > 1) {
      const run = order.slice(start, end).sort(fullCompare);
      for (let k = 0; k < run.length; k++) order[start + k] = run[k] as number;
    }
    start = end;
  }
  return order.map((i) => entryIds[i] as string);
}

/** The plain definition, slow but obviously right: used by tests to check the fast path. */
export function drawOrderReference(seed: string, idsInJoinOrder: readonly string[]): string[] {
  const hash = createHash('sha256');
  for (const id of idsInJoinOrder) hash.update(`${id}\n`, 'utf8');
  const key = createHmac('sha256', seedBytes(seed)).update(hash.digest()).digest('hex');
  return idsInJoinOrder
    .map((id) => ({ id, score: scoreOf(key, id) }))
    .sort((a, b) => Buffer.compare(a.score, b.score) || (a.id < b.id ? -1 : 1))
    .map((e) => e.id);
}

export type { LotteryVerdict, PublishedDraw } from './lottery-verify.js';

/** Recomputes the draw from public data alone and says whether every published rank matches. */
export function verifyLottery(draw: PublishedDraw, maxMismatches = 20): LotteryVerdict {
  const commitmentMatches = SEED_HEX.test(draw.seed) && commitmentOf(draw.seed) === draw.commitment.toLowerCase();
  const ids = draw.entries.map((e) => e.entryId);
  const joinDigest = entriesDigest(ids);
  // node:crypto rather than the engine's batch HMAC: the check does not rest on the code it checks.
  const order = commitmentMatches ? orderByScores(ids, scoreAllReference(drawKeyOf(draw.seed, joinDigest), ids)) : [];
  return judgeDraw(draw, order, {
    commitmentMatches,
    joinDigest,
    orderDigest: commitmentMatches && draw.orderDigest !== undefined ? orderDigest(order) : null,
    maxMismatches,
  });
}
