import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hmacSha256Batch } from '../../queue/hmac-batch.js';
import { newSeed, scoreAll, scoreAllReference } from '../../queue/lottery.js';

const reference = (key: Buffer, message: string) => createHmac('sha256', key).update(message, 'utf8').digest();

describe('the batch HMAC-SHA256', () => {
  it('matches node:crypto on every message length around the block boundaries', () => {
    const key = randomBytes(32);
    // 55/56 bytes: the last length that fits one block and the first that needs two; 119/120 likewise for three.
    const messages = Array.from({ length: 200 }, (_, n) => 'x'.repeat(n));
    const out = hmacSha256Batch(key, messages);
    messages.forEach((m, i) =>
      expect(Buffer.from(out.subarray(i * 32, i * 32 + 32)).equals(reference(key, m)), `length ${m.length}`).toBe(true),
    );
  });

  it('matches node:crypto on UTF-8, random ids and keys of other lengths', () => {
    const messages = [
      'é',
      '☃ snow',
      '𝄞 clef',
      'ünïcødé-ïd',
      ...Array.from({ length: 2_000 }, () => randomBytes(16).toString('base64url')),
    ];
    for (const key of [randomBytes(32), randomBytes(1), randomBytes(64), Buffer.alloc(0)]) {
      const out = hmacSha256Batch(key, messages);
      messages.forEach((m, i) =>
        expect(Buffer.from(out.subarray(i * 32, i * 32 + 32)).equals(reference(key, m))).toBe(true),
      );
    }
    expect(() => hmacSha256Batch(randomBytes(65), ['a'])).toThrow();
  });

  it('gives the lottery the same scores as the node:crypto reference, written at an offset', () => {
    const seed = newSeed();
    const ids = Array.from({ length: 5_000 }, () => randomBytes(16).toString('base64url'));
    expect(scoreAll(seed, ids).equals(scoreAllReference(seed, ids))).toBe(true);
    const out = Buffer.alloc(ids.length * 32 + 64);
    scoreAll(seed, ids, out, 64);
    expect(out.subarray(64).equals(scoreAllReference(seed, ids))).toBe(true);
    expect(out.subarray(0, 64).equals(Buffer.alloc(64))).toBe(true);
  });
});
