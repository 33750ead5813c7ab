/**
 * The lottery's check, as anyone runs it: in a fan's browser (the waiting room's "Verify the
 * draw") and in `npm run verify-lottery`. It recomputes the draw from public data alone, by the
 * rule queue/lottery.ts defines (commitment, entries digest, draw key, scores, ticket order,
 * order digest), and says whether every published number matches.
 *
 * Browser-safe: no Node API. The hashing is handed in (`LotteryHashes`), so the check never
 * rests on the engine's own batch HMAC (queue/hmac-batch.ts): a browser uses its Web Crypto,
 * the command line node:crypto.
 */

/** SHA-256 and HMAC-SHA256, from whatever crypto the caller trusts. */
export interface LotteryHashes {
  sha256(data: Bytes): Promise<Uint8Array>;
  hmac(key: Bytes, message: Bytes): Promise<Bytes>;
  /** HMAC-SHA256 of each id (UTF-8) under one key: the 32-byte results back to back, id i at i*32. */
  hmacEach(key: Bytes, ids: readonly string[], onProgress?: (done: number) => void): Promise<Uint8Array>;
}
/** Bytes over a plain ArrayBuffer, as Web Crypto takes them. */
type Bytes = Uint8Array<ArrayBuffer>;

/** How many scores a browser computes between two reports of progress (and two yields to the page). */
const CHUNK = 2048;

/** The hashes of the Web Crypto API (every browser; Node has it too). */
export const webCryptoHashes: LotteryHashes = {
  async sha256(data) {
    return new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', data));
  },
  async hmac(key, message) {
    const k = await globalThis.crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    return new Uint8Array(await globalThis.crypto.subtle.sign('HMAC', k, message));
  },
  async hmacEach(key, ids, onProgress) {
    const subtle = globalThis.crypto.subtle;
    const k = await subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    const encoder = new TextEncoder();
    const out = new Uint8Array(ids.length * 32);
    for (let start = 0; start < ids.length; start += CHUNK) {
      const chunk = ids.slice(start, start + CHUNK);
      const scores = await Promise.all(chunk.map((id) => subtle.sign('HMAC', k, encoder.encode(id))));
      scores.forEach((score, i) => out.set(new Uint8Array(score), (start + i) * 32));
      onProgress?.(Math.min(ids.length, start + CHUNK));
    }
    return out;
  },
};

const SEED_HEX = /^[0-9a-f]{64}$/;
const encoder = new TextEncoder();

export const toHex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

function fromHex(hex: string): Bytes {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

/** SHA-256 over the ids, each followed by "\n" (entriesDigest in join order, orderDigest in ticket order). */
async function listDigest(hashes: LotteryHashes, ids: readonly string[]): Promise<string> {
  return toHex(await hashes.sha256(encoder.encode(ids.length ? `${ids.join('\n')}\n` : '')));
}

/**
 * The ids in ticket order: ascending score, the 32-byte scores compared as big-endian unsigned
 * integers, equal scores (never seen in practice) by id. The first 6 bytes of each score, read
 * as one number, settle almost every comparison; the full score settles the rest.
 */
export function ticketOrder(ids: readonly string[], scores: Uint8Array): string[] {
  const n = ids.length;
  const high = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let v = 0;
    for (let b = 0; b < 6; b++) v = v * 256 + scores[i * 32 + b]!;
    high[i] = v;
  }
  const full = (a: number, b: number): number => {
    for (let k = 6; k < 32; k++) {
      const d = scores[a * 32 + k]! - scores[b * 32 + k]!;
      if (d !== 0) return d;
    }
    return ids[a]! < ids[b]! ? -1 : ids[a]! > ids[b]! ? 1 : 0;
  };
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => high[a]! - high[b]! || full(a, b));
  return order.map((i) => ids[i]!);
}

export interface PublishedDraw {
  seed: string;
  commitment: string;
  /** Every pre-queue entry IN JOIN ORDER, with the ticket number the operator says it got. */
  entries: readonly { entryId: string; ticketNumber: number }[];
  /** When given, checked against the digest of the entries in the order given. */
  entriesDigest?: string;
  /** When given, also checked against the recomputed order. */
  orderDigest?: string;
}

export interface LotteryVerdict {
  ok: boolean;
  commitmentMatches: boolean;
  /** null when no digest was given. */
  digestMatches: boolean | null;
  /** Whether the published join-order digest matches the list as given; null when none was given. */
  entriesDigestMatches: boolean | null;
  entries: number;
  mismatchCount: number;
  /** The first few entries whose published ticket differs from the recomputed one. */
  mismatches: { entryId: string; published: number; expected: number | null }[];
}

export interface VerifyOptions {
  /** How many differing entries to name (all are counted). */
  maxMismatches?: number;
  /** Called as scores are computed: how many of the entries so far. */
  onProgress?: (done: number, total: number) => void;
}

/** Recomputes the draw from public data alone and says whether every published number matches. */
export async function verifyDraw(
  draw: PublishedDraw,
  hashes: LotteryHashes = webCryptoHashes,
  options: VerifyOptions = {},
): Promise<LotteryVerdict> {
  const maxMismatches = options.maxMismatches ?? 20;
  const ids = draw.entries.map((e) => e.entryId);
  const seedOk = SEED_HEX.test(draw.seed);
  const commitmentMatches = seedOk && toHex(await hashes.sha256(fromHex(draw.seed))) === draw.commitment.toLowerCase();
  const joinDigest = await listDigest(hashes, ids);

  let order: string[] = [];
  if (commitmentMatches) {
    const drawKey = await hashes.hmac(fromHex(draw.seed), fromHex(joinDigest));
    const scores = await hashes.hmacEach(drawKey, ids, (done) => options.onProgress?.(done, ids.length));
    order = ticketOrder(ids, scores);
  }
  return judgeDraw(draw, order, {
    commitmentMatches,
    joinDigest,
    orderDigest: commitmentMatches && draw.orderDigest !== undefined ? await listDigest(hashes, order) : null,
    maxMismatches,
  });
}

/**
 * The verdict on a published draw, given the order recomputed from it (empty when the
 * commitment does not match) and the digests of the list as given and of that order: every
 * published number against the recomputed one, and each digest that was published.
 */
export function judgeDraw(
  draw: PublishedDraw,
  order: readonly string[],
  facts: { commitmentMatches: boolean; joinDigest: string; orderDigest: string | null; maxMismatches: number },
): LotteryVerdict {
  const expected = new Map<string, number>();
  order.forEach((id, i) => expected.set(id, i + 1));
  const duplicates = facts.commitmentMatches && expected.size !== draw.entries.length;
  const mismatches: LotteryVerdict['mismatches'] = [];
  let mismatchCount = 0;
  for (const entry of draw.entries) {
    const want = expected.get(entry.entryId) ?? null;
    if (want !== entry.ticketNumber) {
      mismatchCount++;
      if (mismatches.length < facts.maxMismatches)
        mismatches.push({ entryId: entry.entryId, published: entry.ticketNumber, expected: want });
    }
  }
  const digestMatches =
    draw.orderDigest === undefined
      ? null
      : facts.commitmentMatches && facts.orderDigest === draw.orderDigest.toLowerCase();
  const entriesDigestMatches =
    draw.entriesDigest === undefined ? null : facts.joinDigest === draw.entriesDigest.toLowerCase();
  return {
    ok:
      facts.commitmentMatches &&
      !duplicates &&
      mismatchCount === 0 &&
      digestMatches !== false &&
      entriesDigestMatches !== false,
    commitmentMatches: facts.commitmentMatches,
    digestMatches,
    entriesDigestMatches,
    entries: draw.entries.length,
    mismatchCount,
    mismatches,
  };
}
