import { createHash, createHmac } from 'node:crypto';
import type { LotteryHashes } from './lottery-verify.js';
import { scoreAllReference } from './lottery.js';

/**
 * node:crypto's SHA-256 and HMAC for the lottery's check on the command line: a call per entry
 * costs a few microseconds here, where Node's Web Crypto costs a hundred (a 100,000-entry draw
 * in a second rather than ten). Like Web Crypto in a browser, it is not the engine's own batch
 * HMAC (queue/hmac-batch.ts), so the check does not rest on the code it checks.
 */
export const nodeHashes: LotteryHashes = {
  sha256: async (data) => new Uint8Array(createHash('sha256').update(data).digest()),
  hmac: async (key, message) => new Uint8Array(createHmac('sha256', key).update(message).digest()),
  hmacEach: async (key, ids, onProgress) => {
    const scores = scoreAllReference(Buffer.from(key).toString('hex'), ids);
    onProgress?.(ids.length);
    return new Uint8Array(scores.buffer, scores.byteOffset, scores.byteLength);
  },
};
