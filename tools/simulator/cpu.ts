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
  /** Each server and fan process on its own (a node busier than its peers shows here), busiest first. */
  processes: { group: CpuGroup; pid: number; cpuSeconds: number }[];
  /**
   * Cores each group used over each sampling interval, ending at `at` (epoch ms; the report
   * counts it from the sale's opening): when the machine was saturated, and by whom.
   */
  timeline: { at: number; cores: Partial<Record<CpuGroup, number>> }[];
}

/** Groups whose processes are listed one by one. */
const PER_PROCESS: ReadonlySet<CpuGroup> = new Set(['api', 'worker', 'fans']);

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
  const timeline: CpuUse['timeline'] = [];
  /** The last sample's time and ticks per group: each interval's cores are the difference. */
  let previous: { at: number; ticks: Map<CpuGroup, number> } | null = null;
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
    const now = Date.now();
    const ticks = ticksByGroup();
    if (previous && now > previous.at) {
      const cores: Partial<Record<CpuGroup, number>> = {};
      for (const [group, t] of ticks) {
        const used = (t - (previous.ticks.get(group) ?? 0)) / TICKS_PER_SECOND / ((now - previous.at) / 1000);
        if (used > 0.005) cores[group] = Math.round(used * 100) / 100;
      }
      timeline.push({ at: now, cores });
    }
    previous = { at: now, ticks };
  };
  const ticksByGroup = () => {
    const byGroup = new Map<CpuGroup, number>();
    for (const [pid, { ticks, group }] of last)
      byGroup.set(group, (byGroup.get(group) ?? 0) + ticks - (first.get(pid) ?? 0));
    return byGroup;
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
    const round = (v: number) => Math.round(v * 10) / 10;
    const groups = [...ticksByGroup()]
      .map(([group, ticks]) => ({
        group,
        cpuSeconds: round(ticks / TICKS_PER_SECOND),
        share: Math.round((ticks / TICKS_PER_SECOND / (seconds * cores)) * 1000) / 1000,
      }))
      .sort((a, b) => b.cpuSeconds - a.cpuSeconds);
    const processes = [...last]
      .filter(([, p]) => PER_PROCESS.has(p.group))
      .map(([pid, p]) => ({
        group: p.group,
        pid,
        cpuSeconds: round((p.ticks - (first.get(pid) ?? 0)) / TICKS_PER_SECOND),
      }))
      .sort((a, b) => b.cpuSeconds - a.cpuSeconds);
    return { seconds: round(seconds), cores, groups, processes, timeline };
  };
}
