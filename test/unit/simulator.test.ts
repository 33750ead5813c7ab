import { describe, expect, it } from 'vitest';
import { dropOptions, OptionsError, parseDropOptions } from '../../src/simulator/options.js';
import { arrivals, buildPlan, rng } from '../../src/simulator/plan.js';
import { descents, histogram, percentiles, spearman } from '../../src/simulator/stats.js';

describe('drop simulator: statistics', () => {
  it('Spearman: 1 for the same order, -1 reversed, ties averaged, ~0 for a shuffle', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i);
    expect(spearman(xs, xs.map((x) => x * 3 + 1))).toBe(1);
    expect(spearman(xs, xs.map((x) => -x))).toBe(-1);
    expect(spearman([1, 2, 2, 3], [1, 2, 2, 3])).toBe(1);
    const random = rng(3);
    const shuffled = xs.map((x) => [random(), x] as const).sort((a, b) => a[0] - b[0]).map(([, x]) => x);
    expect(Math.abs(spearman(xs, shuffled)!)).toBeLessThan(0.3);
    expect(spearman([1, 2], [1, 2])).toBeNull();
  });

  it('percentiles are nearest-rank, histograms count every value once', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentiles(values)).toMatchObject({ count: 100, p50: 50, p90: 90, p99: 99, max: 100 });
    expect(percentiles([])).toMatchObject({ count: 0, p50: 0 });
    const h = histogram([0.5, 3, 3, 40_000]);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(4);
    expect(h.counts.at(-1)).toBe(1);
    expect(descents([1, 2, 3, 5, 4, 6])).toBe(1);
  });
});

describe('drop simulator: plan and options', () => {
  it('the same seed gives the same crowd; bots and gift cards as asked', () => {
    const options = dropOptions({ fans: 1_000, seats: 100, bots: 90, giftCards: 40, seed: 11 });
    const a = buildPlan(options);
    expect(buildPlan(options)).toEqual(a);
    expect(a.personas).toHaveLength(1_000);
    expect(a.personas.filter((p) => p.kind === 'bot')).toHaveLength(90);
    expect(new Set(a.personas.map((p) => p.giftCard).filter((g) => g !== null)).size).toBe(40);
    // Shared bots: groups of four on one account, so there are fewer accounts than clients.
    expect(a.accounts).toBe(1_000 - 30 + Math.ceil(30 / 4));
    expect(a.personas.every((p) => p.quantity >= 1 && p.quantity <= options.perAccount)).toBe(true);
  });

  it('arrival patterns stay inside the window, a burst front-loaded, a ramp back-loaded', () => {
    const median = (xs: number[]) => xs[Math.floor(xs.length / 2)]!;
    const burst = arrivals('burst', 2_000, 10_000, rng(1));
    const ramp = arrivals('ramp', 2_000, 10_000, rng(1));
    const steady = arrivals('steady', 2_000, 10_000, rng(1));
    for (const xs of [burst, ramp, steady]) expect(xs.every((t) => t >= 0 && t <= 10_000)).toBe(true);
    expect(median(burst)).toBeLessThan(500);
    expect(median(ramp)).toBeGreaterThan(6_000);
    expect(Math.abs(median(steady) - 5_000)).toBeLessThan(600);
  });

  it('refuses targets off this machine, unbounded counts and unknown flags', () => {
    expect(() => parseDropOptions(['--target', 'http://example.com:3000'])).toThrow(OptionsError);
    expect(() => parseDropOptions(['--fans', '5000000'])).toThrow(/--fans/);
    expect(() => parseDropOptions(['--bots', '10', '--fans', '5'])).toThrow(/--bots/);
    expect(() => parseDropOptions(['--fanz', '10'])).toThrow(OptionsError);
    expect(parseDropOptions(['--target', 'http://127.0.0.1:3000', '--gift-cards', '3'])).toMatchObject({ target: 'http://127.0.0.1:3000', giftCards: 3 });
    expect(parseDropOptions(['--help'])).toBeNull();
  });
});
