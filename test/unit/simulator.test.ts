import { describe, expect, it } from 'vitest';
import { dropOptions, OptionsError, parseDropOptions } from '../../tools/simulator/options.js';
import { nextPollMs } from '../../tools/simulator/admission.js';
import { arrivals, buildPlan, rng, socketBudget } from '../../tools/simulator/plan.js';
import { fanProcessCount } from '../../tools/simulator/runner.js';
import { descents, histogram, percentiles, spearman } from '../../tools/simulator/stats.js';

describe('drop simulator: statistics', () => {
  it('Spearman: 1 for the same order, -1 reversed, ties averaged, ~0 for a shuffle', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i);
    expect(
      spearman(
        xs,
        xs.map((x) => x * 3 + 1),
      ),
    ).toBe(1);
    expect(
      spearman(
        xs,
        xs.map((x) => -x),
      ),
    ).toBe(-1);
    expect(spearman([1, 2, 2, 3], [1, 2, 2, 3])).toBe(1);
    const random = rng(3);
    const shuffled = xs
      .map((x) => [random(), x] as const)
      .sort((a, b) => a[0] - b[0])
      .map(([, x]) => x);
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
    expect(parseDropOptions(['--target', 'http://127.0.0.1:3000', '--gift-cards', '3'])).toMatchObject({
      target: 'http://127.0.0.1:3000',
      giftCards: 3,
    });
    expect(parseDropOptions(['--help'])).toBeNull();
  });
});

describe('drop simulator: sockets budget and polling', () => {
  it('gives websockets to an even share of the crowd within the per-node budget, less with kill-api', () => {
    const options = dropOptions({ fans: 10_000, seats: 100, nodes: 3, socketsPerNode: 1_000 });
    const plan = buildPlan(options);
    expect(plan.socketClients).toBe(3_000);
    expect(plan.personas.filter((p) => p.socket)).toHaveLength(3_000);
    // Even across the nodes (fan i talks to node i mod 3) and across arrival order.
    for (let node = 0; node < 3; node++)
      expect(
        Math.abs(plan.personas.filter((p) => p.socket && p.index % 3 === node).length - 1_000),
      ).toBeLessThanOrEqual(10);
    expect(plan.personas.slice(0, 5_000).filter((p) => p.socket)).toHaveLength(1_500);
    expect(
      socketBudget(dropOptions({ fans: 10, seats: 10, nodes: 3, socketsPerNode: 15_000, fault: 'kill-api' })),
    ).toBe(10_000);
    expect(buildPlan(dropOptions({ fans: 500, seats: 10 })).personas.every((p) => p.socket)).toBe(true);
  });

  it('fan processes: one per 10,000 clients, at least 2, or as asked', () => {
    expect(fanProcessCount(0, 2_000)).toBe(2);
    expect(fanProcessCount(0, 100_000)).toBe(10);
    expect(fanProcessCount(4, 100_000)).toBe(4);
    expect(fanProcessCount(0, 1)).toBe(1);
  });

  it('a polling fan asks rarely when far back, every few seconds near the front, never before Retry-After', () => {
    const mid = () => 0.5; // no jitter
    expect(nextPollMs(null, {}, 60_000, mid)).toBe(60_000);
    expect(nextPollMs({ position: 0, eta: 0 }, {}, 60_000, mid)).toBe(5_000);
    expect(nextPollMs({ position: 10, eta: 6 }, {}, 60_000, mid)).toBe(5_000);
    expect(nextPollMs({ position: 500, eta: 90 }, {}, 60_000, mid)).toBe(30_000);
    expect(nextPollMs({ position: 50_000, eta: 9_000 }, {}, 60_000, mid)).toBe(60_000);
    expect(nextPollMs({ position: 500, eta: 90 }, { 'retry-after': '45' }, 60_000, mid)).toBe(45_000);
    expect(nextPollMs({ position: 500, eta: 90 }, { 'cache-control': 'private, max-age=40' }, 60_000, mid)).toBe(
      40_000,
    );
    // ±20% jitter.
    expect(nextPollMs(null, {}, 60_000, () => 0)).toBe(48_000);
    expect(nextPollMs(null, {}, 60_000, () => 1)).toBeCloseTo(72_000);
  });
});

describe('drop simulator: fans away from the page', () => {
  it('marks an even share of the fans (never bots) away, off the socket budget, with a seeded reaction; the rest of the plan is unchanged', () => {
    const base = { fans: 110, bots: 10, mode: 'queue', seed: 9, awayReactSeconds: 10, awayNever: 0.2 };
    const plan = buildPlan(dropOptions({ ...base, away: 0.25 }));
    const away = plan.personas.filter((p) => p.away);
    expect(away).toHaveLength(25);
    expect(away.every((p) => p.kind === 'fan' && !p.socket)).toBe(true);
    const never = away.filter((p) => p.away!.reactMs === null).length;
    expect(never).toBeGreaterThan(0);
    expect(never).toBeLessThan(away.length);
    expect(away.every((p) => p.away!.reactMs === null || p.away!.reactMs >= 0)).toBe(true);
    expect(buildPlan(dropOptions({ ...base, away: 0.25 })).personas).toEqual(plan.personas);
    // Open mode has no admission to be told of: nobody is away.
    expect(buildPlan(dropOptions({ ...base, mode: 'open', away: 0.25 })).personas.some((p) => p.away)).toBe(false);
    // The same seed without away fans: the same crowd in every other respect.
    const none = buildPlan(dropOptions({ ...base, away: 0 }));
    const strip = (p: (typeof plan.personas)[number]) => ({ ...p, away: null, socket: true });
    expect(none.personas.map(strip)).toEqual(plan.personas.map(strip));
    expect(() => dropOptions({ away: 1.5 })).toThrow(/--away:/);
  });
});
