import { randomBytes } from 'node:crypto';

/**
 * `CPU_PROFILE_DIR=<dir>`: the processes a drop starts (API nodes, worker, fan processes) write a
 * V8 CPU profile each into <dir> when they exit, named after their role. For finding where a
 * drop's CPU goes; the figures of such a run are slowed by the profiler.
 */
export function cpuProfileArgs(role: string): string[] {
  const dir = process.env.CPU_PROFILE_DIR;
  if (!dir) return [];
  return [
    '--cpu-prof',
    `--cpu-prof-dir=${dir}`,
    `--cpu-prof-name=${role}-${randomBytes(3).toString('hex')}.cpuprofile`,
  ];
}
