/**
 * How long an admitted fan's token sets seats aside before the next fans are admitted past it
 * (admitNext-7's reserve window), measured on the room's own recent claims: one and a half
 * times the time nine in ten of them took to come, within [RESERVE_FLOOR_MS, the configured
 * maximum]. A crowd that buys within seconds no longer waits minutes for the few who stepped
 * away; a crowd that takes its time gets the time it takes, up to the maximum. A token past its
 * window stays valid until it expires: a fan who comes later still buys what is left.
 */

/** Claims needed before the measure replaces the maximum: fewer say little about a crowd. */
export const RESERVE_MIN_SAMPLES = 20;
/** Never shorter: a fan reading the push on another device needs this much at least. */
export const RESERVE_FLOOR_MS = 30_000;
const QUANTILE = 0.9;
const MARGIN = 1.5;

/** `ages`: how long each recent claim came after its token's issue, ms. `maxMs` 0: a token reserves for its whole lifetime. */
export function reserveWindowMs(ages: readonly number[], maxMs: number): number {
  if (maxMs <= 0 || ages.length < RESERVE_MIN_SAMPLES) return maxMs;
  const sorted = [...ages].sort((a, b) => a - b);
  const quantile = sorted[Math.ceil(QUANTILE * sorted.length) - 1]!;
  return Math.min(maxMs, Math.max(RESERVE_FLOOR_MS, Math.round(MARGIN * quantile)));
}
