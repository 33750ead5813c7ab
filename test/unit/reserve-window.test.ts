import { describe, expect, it } from 'vitest';
import { RESERVE_FLOOR_MS, RESERVE_MIN_SAMPLES, reserveWindowMs } from '../../src/waitingroom/reserve.js';

const MAX = 180_000;

describe('reserve window', () => {
  it('is the configured maximum until enough fans have come to say how long they take', () => {
    expect(reserveWindowMs([], MAX)).toBe(MAX);
    expect(reserveWindowMs(Array(RESERVE_MIN_SAMPLES - 1).fill(1_000), MAX)).toBe(MAX);
  });

  it('is one and a half times the ninth decile of the recent claims', () => {
    // 100 claims: 90 within 30 s, 10 slow ones at 100 s.
    const ages = [...Array.from({ length: 90 }, (_, i) => (i + 1) * 333), ...Array(10).fill(100_000)];
    expect(reserveWindowMs(ages, MAX)).toBe(Math.round(1.5 * 90 * 333));
    // The order the list comes in does not matter.
    expect(reserveWindowMs([...ages].reverse(), MAX)).toBe(Math.round(1.5 * 90 * 333));
  });

  it('stays within the floor and the configured maximum', () => {
    expect(reserveWindowMs(Array(50).fill(2_000), MAX)).toBe(RESERVE_FLOOR_MS);
    expect(reserveWindowMs(Array(50).fill(170_000), MAX)).toBe(MAX);
  });

  it('keeps a token reserving for its whole lifetime when the maximum is 0', () => {
    expect(reserveWindowMs(Array(50).fill(2_000), 0)).toBe(0);
  });
});
