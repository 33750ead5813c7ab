import { randomBytes } from 'node:crypto';

/**
 * `CPU_PROFILE_DIR=<dir>`: the processes a drop starts (API nodes, worker, fan processes) write
 * V8 CPU profiles into <dir>/<role>-<id>/ when they exit, one per thread. For finding where a
 * drop's CPU goes; the figures of such a run are slowed by the profiler.
 */
export function cpuProfileArgs(role: string): string[] {
  const dir = process.env.CPU_PROFILE_DIR;
  if (!dir) return [];
  // A directory per process, files named by Node (pid, thread id): a process under tsx has a
  // second thread (the module loader's), and one file name for both kept only the idle one.
  return ['--cpu-prof', `--cpu-prof-dir=${dir}/${role}-${randomBytes(3).toString('hex')}`];
}
