/** The statistics of the report: percentiles, rank correlation, histograms, time buckets. Pure functions. */

export interface Percentiles {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentiles (no interpolation: every figure is a latency somebody measured). */
export function percentiles(values: readonly number[]): Percentiles {
  if (values.length === 0) return { count: 0, p50: 0, p90: 0, p99: 0, max: 0, mean: 0 };
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  const round = (n: number) => Math.round(n * 10) / 10;
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    p50: round(at(0.5)),
    p90: round(at(0.9)),
    p99: round(at(0.99)),
    max: round(sorted[sorted.length - 1]!),
    mean: round(sum / sorted.length),
  };
}

/** Ranks 1..n with ties given their average rank (as Spearman's ρ requires). */
export function ranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(values.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) out[order[k]![1]] = rank;
    i = j + 1;
  }
  return out;
}

/**
 * Spearman's rank correlation: Pearson's r of the ranks. Near 0 for a fair lottery (join order
 * says nothing about the ticket number), near 1 for first come, first served. null below 3 pairs.
 */
export function spearman(xs: readonly number[], ys: readonly number[]): number | null {
  const n = Math.min(xs.length, ys.length);
  if (n < 3) return null;
  const rx = ranks(xs.slice(0, n));
  const ry = ranks(ys.slice(0, n));
  const mean = (n + 1) / 2;
  let cov = 0;
  let vx = 0;
  let vy = 0;
  for (let i = 0; i < n; i++) {
    const dx = rx[i]! - mean;
    const dy = ry[i]! - mean;
    cov += dx * dy;
    vx += dx * dx;
    vy += dy * dy;
  }
  if (vx === 0 || vy === 0) return null;
  return Math.round((cov / Math.sqrt(vx * vy)) * 10_000) / 10_000;
}

/**
 * Neighbours out of order in a sequence that should only grow: ticket numbers of the late
 * joiners listed in join order. 0 means first in, first out held.
 */
export function descents(order: readonly number[]): number {
  let count = 0;
  for (let i = 1; i < order.length; i++) if (order[i]! < order[i - 1]!) count++;
  return count;
}

export interface Histogram {
  /** Upper bounds of the buckets, ms (log-spaced), the last one +Infinity rendered as null. */
  bounds: (number | null)[];
  counts: number[];
}

const BOUNDS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 30_000];

export function histogram(values: readonly number[]): Histogram {
  const counts = new Array<number>(BOUNDS.length + 1).fill(0);
  for (const v of values) {
    let i = BOUNDS.findIndex((b) => v <= b);
    if (i < 0) i = BOUNDS.length;
    counts[i]!++;
  }
  return { bounds: [...BOUNDS, null], counts };
}

/** Counts per second since `start`, `seconds` buckets long (events at or after the end go to the last). */
export function perSecond(
  times: readonly number[],
  start: number,
  seconds: number,
  weights?: readonly number[],
): number[] {
  const out = new Array<number>(Math.max(1, seconds)).fill(0);
  times.forEach((t, i) => {
    const s = Math.min(out.length - 1, Math.max(0, Math.floor((t - start) / 1000)));
    out[s]! += weights ? weights[i]! : 1;
  });
  return out;
}

export function cumulative(series: readonly number[]): number[] {
  let sum = 0;
  return series.map((v) => (sum += v));
}
