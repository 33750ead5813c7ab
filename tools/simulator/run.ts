import type { Deployment } from './deployment.js';
import type { FanProcess } from './fan-process.js';
import type { DropOptions } from './options.js';
import type { Reporter } from './reporter.js';
import { emptyCounters, type Counters, type ErrorCounts } from './types.js';

/**
 * What every step of a drop (runner.ts) works on: the options, where it reports, the deployment,
 * the crowd of fan processes with their latest counters, and the run's timers, all cleared when
 * the drop ends however it ends.
 */
export interface DropRun {
  options: DropOptions;
  reporter: Reporter;
  runId: string;
  deployment: Deployment;
  crowd: Crowd;
  timers: Timers;
}

/** The fan processes, and the counters each last reported. */
export interface Crowd {
  processes: FanProcess[];
  /** Every process' latest counters, summed. */
  counters(): Counters;
}

export function startCrowd(processes: FanProcess[]): Crowd {
  const latest: Counters[] = processes.map(() => emptyCounters());
  processes.forEach((p, i) => p.onProgress((m) => (latest[i] = m.counters)));
  return { processes, counters: () => sumCounters(latest) };
}

/** Intervals that belong to the run; `clear` stops them all (the runner calls it in its finally). */
export class Timers {
  private readonly running = new Set<NodeJS.Timeout>();

  /** Calls `tick` every `ms` until the returned stop (or `clear`). */
  every(ms: number, tick: () => void): () => void {
    const timer = setInterval(tick, ms);
    this.running.add(timer);
    return () => {
      clearInterval(timer);
      this.running.delete(timer);
    };
  }

  clear(): void {
    for (const timer of this.running) clearInterval(timer);
    this.running.clear();
  }
}

export function sumCounters(all: Counters[]): Counters {
  const out = emptyCounters();
  for (const c of all) for (const k of Object.keys(out) as (keyof Counters)[]) out[k] += c[k];
  return out;
}

export function mergeErrors(into: ErrorCounts, from: ErrorCounts): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

export const n = (value: number) => value.toLocaleString('en-US');
