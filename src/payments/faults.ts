import type { Config } from '../config.js';

export type FaultPoint = NonNullable<Config['FAULT_POINT']>;

/**
 * Crash injection for the crash tests: the process dies as a SIGKILL would (exit 137) at a
 * named point of the order flow, leaving whatever was half done for the reconciler. Ignored
 * outside NODE_ENV=test, so a stray variable in production cannot take a node down.
 */
export function faultPoint(config: Pick<Config, 'NODE_ENV' | 'FAULT_POINT'>, point: FaultPoint): void {
  if (config.NODE_ENV === 'test' && config.FAULT_POINT === point) process.exit(137);
}
