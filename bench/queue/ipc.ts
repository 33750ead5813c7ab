/** The coordinator's side of the IPC with its child processes, and the small helpers its figures share. */
import type { ChildProcess } from 'node:child_process';

export const KB = 1024;
export const round1 = (n: number) => Math.round(n * 10) / 10;
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const log = (line: string) => process.stderr.write(`${line}\n`);

/** Asks a child something over IPC and waits for the answer with the same cmd. */
export function ask<T>(child: ChildProcess, message: Record<string, unknown>, reply: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: { cmd: string }) => {
      if (m.cmd !== reply) return;
      child.off('message', on);
      resolve(m as T);
    };
    child.on('message', on);
    child.send(message);
  });
}
export const rssOf = async (child: ChildProcess) => (await ask<{ bytes: number }>(child, { cmd: 'rss' }, 'rss')).bytes;
/** The CPU time (user + system, µs) a child has used so far. */
export const cpuOf = async (child: ChildProcess) => {
  const { user, system } = await ask<{ user: number; system: number }>(child, { cmd: 'cpu' }, 'cpu');
  return user + system;
};

/** What the load generator (bench/queue.ts runLoad) reports for one round against one URL. */
export interface LoadResult {
  ok: number;
  failed: number;
  throughput: number;
  p50Ms: number;
  p99Ms: number;
  /** The load generator's own CPU time per request, µs. */
  clientCpuUs: number;
  statuses: Record<string, number>;
  fresh: number;
}

/** What the load generator sends: a join (POST, the default) or a poll (GET), with each account's ETag in If-None-Match when `etags` holds one. */
export interface LoadRequest {
  method?: 'POST' | 'GET';
  etags?: Record<string, string>;
}

export type Spawn = (role: string, env?: Record<string, string>) => Promise<{ child: ChildProcess; port: number }>;
