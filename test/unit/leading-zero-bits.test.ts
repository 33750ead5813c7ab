import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { leadingZeroBits } from '../../src/shared/leading-zero-bits.js';

describe('leadingZeroBits (the proof of work the server checks and the browser solves)', () => {
  it('counts whole zero bytes, then the zero bits of the first byte that is not', () => {
    expect(leadingZeroBits(Uint8Array.of(0x80))).toBe(0);
    expect(leadingZeroBits(Uint8Array.of(0x01, 0xff))).toBe(7);
    expect(leadingZeroBits(Uint8Array.of(0x00, 0x00, 0x10))).toBe(19);
    expect(leadingZeroBits(new Uint8Array(4))).toBe(32);
  });

  it('reads a Node Buffer (the server) and a Uint8Array (the browser) alike', () => {
    const digest = createHash('sha256').update('fairdrop').digest();
    expect(leadingZeroBits(digest)).toBe(leadingZeroBits(new Uint8Array(digest)));
  });
});
