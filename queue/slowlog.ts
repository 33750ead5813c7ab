import type { RedisConnection } from './scripts.js';

/**
 * Redis's own record of slow commands (SLOWLOG), read to prove the draw never blocked Redis
 * for long: it holds each command's execution time inside Redis, without the network or the
 * client's scheduling. Only commands slower than `slowlog-log-slower-than` are recorded, so
 * "nothing recorded" means "every call was faster than that threshold".
 */
export interface SlowlogWindow {
  /** Commands touching keys under `marker` logged since the window opened, slowest first. */
  read(): Promise<{ thresholdMs: number; slowest: { command: string; ms: number }[] }>;
}

export async function openSlowlogWindow(redis: RedisConnection, marker: string): Promise<SlowlogWindow> {
  const latest = (await redis.call('SLOWLOG', 'GET', '1')) as [number, ...unknown[]][];
  const sinceId = latest[0]?.[0] ?? -1;
  const [, threshold] = (await redis.call('CONFIG', 'GET', 'slowlog-log-slower-than')) as [string, string];
  return {
    read: async () => {
      const entries = (await redis.call('SLOWLOG', 'GET', '-1')) as [number, number, number, string[]][];
      const mine = entries
        .filter(([id, , , args]) => id > sinceId && args.some((a) => a.includes(marker)))
        .map(([, , micros, args]) => ({
          command: `${args[0]} ${args.find((a) => a.includes(marker)) ?? ''}`,
          ms: micros / 1000,
        }))
        .sort((a, b) => b.ms - a.ms);
      return { thresholdMs: Number(threshold) / 1000, slowest: mine };
    },
  };
}
