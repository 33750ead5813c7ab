import type { QueueKeys } from '../../queue/keys.js';
import type { AppRedis } from '../infra/redis.js';

/**
 * The measured admission rate: the scheduler records `<ms>:<cursor>` after every tick, and the
 * rate is the cursor's progress over the last minute. ETAs come from this rather than from the
 * configured rate, so a sell-out pause, a slow payment provider or a paused room shows up in
 * what fans are told instead of a promise the system is not keeping.
 */

/** Two minutes of one-second ticks: the window below needs a sample at least a minute old. */
const SAMPLES = 120;
const WINDOW_MS = 60_000;

export async function recordPace(redis: AppRedis, k: QueueKeys, now: number, cursor: number): Promise<void> {
  await redis
    .multi()
    .lpush(k.pace, `${now}:${cursor}`)
    .ltrim(k.pace, 0, SAMPLES - 1)
    .exec();
}

/** Admissions per minute over the last minute (or since the first sample, if younger). */
export async function measuredRate(redis: AppRedis, k: QueueKeys, now: number): Promise<number> {
  const raw = await redis.lrange(k.pace, 0, SAMPLES - 1);
  return rateOf(raw, now);
}

export function rateOf(raw: readonly string[], now: number): number {
  const samples = raw.map((s) => s.split(':').map(Number) as [number, number]);
  const newest = samples[0];
  if (!newest) return 0;
  let oldest = newest;
  for (const sample of samples) {
    oldest = sample;
    if (sample[0] <= now - WINDOW_MS) break;
  }
  const spanMs = Math.max(now, newest[0]) - oldest[0];
  if (spanMs < 1_000) return 0;
  return ((newest[1] - oldest[1]) / spanMs) * 60_000;
}

/** Seconds until a fan `position` places back is admitted; null when nothing moves yet. */
export function etaSeconds(position: number | null, ratePerMinute: number): number | null {
  if (position === null) return null;
  if (position <= 0) return 0;
  if (ratePerMinute <= 0) return null;
  // Whole seconds: an ETA changes every tick anyway, and coarse values keep the ETag of
  // GET …/queue/me stable for clients that poll faster than it moves.
  return Math.ceil((position / ratePerMinute) * 60);
}
