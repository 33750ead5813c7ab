import { readdir, readFile } from 'node:fs/promises';
import { cpus } from 'node:os';

/**
 * CPU per kind of process over a drop, read from /proc (Linux): the simulated crowd's own cost
 * beside the servers', on the same cores. Each process is sampled every few seconds and its
 * last reading kept, so a process that exits (a killed node) still counts what it used.
 */

export type CpuGroup = 'fans' | 'simulator' | 'api' | 'worker' | 'postgres' | 'redis' | 'other';

export interface CpuUse {
  /** Wall seconds measured, and the cores they were measured on. */
  seconds: number;
  cores: number;
  groups: { group: CpuGroup; cpuSeconds: number; share: number }[];
}

const TICKS_PER_SECOND = 100;

async function readProcess(pid: number): Promise<{ ticks: number; comm: string; cmdline: string } | null> {
  try {
    const [stat, cmdline] = await Promise.all([
      readFile(`/proc/${pid}/stat`, 'utf8'),
      readFile(`/proc/${pid}/cmdline`, 'utf8'),
    ]);
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    return {
      ticks: Number(fields[11]) + Number(fields[12]),
      comm: stat.slice(stat.indexOf('(') + 1, close),
      cmdline: cmdline.replaceAll('\0', ' '),
    };
  } catch {
    return null;
  }
}

function groupOf(pid: number, p: { comm: string; cmdline: string }, fans: ReadonlySet<number>): CpuGroup {
  if (fans.has(pid)) return 'fans';
  if (pid === process.pid) return 'simulator';
  if (p.comm === 'postgres') return 'postgres';
  if (p.comm === 'redis-server') return 'redis';
  if (p.cmdline.includes('src/main.ts')) return 'api';
  if (p.cmdline.includes('src/worker.ts')) return 'worker';
  return 'other';
}

/**
 * Starts measuring; `fanPids` are the crowd's processes. Answers null where /proc cannot be
 * read (not Linux): the report then says CPU was not measured.
 */
export async function startCpuMeter(fanPids: readonly number[], everyMs = 5_000) {
  const fans = new Set(fanPids);
  const first = new Map<number, number>();
  const last = new Map<number, { ticks: number; group: CpuGroup }>();
  const sample = async (initial: boolean) => {
    const pids = (await readdir('/proc').catch(() => [])).filter((d) => /^\d+$/.test(d)).map(Number);
    await Promise.all(
      pids.map(async (pid) => {
        const p = await readProcess(pid);
        if (!p) return;
        if (initial) first.set(pid, p.ticks);
        else if (!first.has(pid)) first.set(pid, 0);
        last.set(pid, { ticks: p.ticks, group: groupOf(pid, p, fans) });
      }),
    );
  };
  const startedAt = Date.now();
  await sample(true);
  if (last.size === 0) return null;
  let inFlight = Promise.resolve();
  const timer = setInterval(() => (inFlight = inFlight.then(() => sample(false))), everyMs);
  timer.unref();
  return async (): Promise<CpuUse> => {
    clearInterval(timer);
    await inFlight;
    await sample(false);
    const seconds = (Date.now() - startedAt) / 1000;
    const cores = cpus().length;
    const byGroup = new Map<CpuGroup, number>();
    for (const [pid, { ticks, group }] of last)
      byGroup.set(group, (byGroup.get(group) ?? 0) + (ticks - (first.get(pid) ?? 0)) / TICKS_PER_SECOND);
    const groups = [...byGroup]
      .map(([group, cpuSeconds]) => ({
        group,
        cpuSeconds: Math.round(cpuSeconds * 10) / 10,
        share: Math.round((cpuSeconds / (seconds * cores)) * 1000) / 1000,
      }))
      .sort((a, b) => b.cpuSeconds - a.cpuSeconds);
    return { seconds: Math.round(seconds * 10) / 10, cores, groups };
  };
}
