import { performance } from 'node:perf_hooks';
import { readFile } from 'node:fs/promises';
import type postgres from 'postgres';

/** One measured path: wall time for all operations, latency per operation. */
export interface Run {
  ops: number;
  seconds: number;
  throughput: number;
  p50Ms: number;
  p99Ms: number;
}

export const round1 = (n: number) => Math.round(n * 10) / 10;
export const round3 = (n: number) => Math.round(n * 1000) / 1000;

function summarize(latencies: number[], seconds: number): Run {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return {
    ops: latencies.length,
    seconds: round1(seconds),
    throughput: round1(latencies.length / seconds),
    p50Ms: round1(at(0.5)),
    p99Ms: round1(at(0.99)),
  };
}

/**
 * The load generator every path shares: `buyers` concurrent loops of `rounds` operations each,
 * an operation started as soon as the buyer's previous one ended.
 */
export function measurer(buyers: number, rounds: number) {
  return async (op: (buyer: number, round: number) => Promise<void>): Promise<Run> => {
    const latencies: number[] = [];
    const start = performance.now();
    await Promise.all(
      Array.from({ length: buyers }, async (_, b) => {
        for (let r = 0; r < rounds; r++) {
          const t0 = performance.now();
          await op(b, r);
          latencies.push(performance.now() - t0);
        }
      }),
    );
    return summarize(latencies, (performance.now() - start) / 1000);
  };
}

/** How many of a pool's connections were running a statement, and how many of those waited on a lock. */
export interface LockWaits {
  samples: number;
  avgBusy: number;
  avgWaiting: number;
  maxWaiting: number;
  /** avgWaiting ÷ avgBusy: the share of the work spent queued behind a row lock; null when never busy. */
  waitingShare: number | null;
}

/**
 * Samples pg_stat_activity every 100 ms for one pool (by its application_name) while a path is
 * measured: the way to see a hot row (the GA counter) without guessing from throughput. One
 * small query on its own connection, skipped while the previous one is still out.
 */
export function lockSampler(admin: postgres.Sql, dbName: string, applicationName: string) {
  const seen: { busy: number; waiting: number }[] = [];
  let inFlight = false;
  const timer = setInterval(() => {
    if (inFlight) return;
    inFlight = true;
    admin<{ busy: number; waiting: number }[]>`
      select count(*) filter (where state = 'active')::int as busy,
             count(*) filter (where state = 'active' and wait_event_type = 'Lock')::int as waiting
      from pg_stat_activity where datname = ${dbName} and application_name = ${applicationName}`
      .then(([row]) => void (row && seen.push(row)))
      .catch(() => {})
      .finally(() => (inFlight = false));
  }, 100);
  return (): LockWaits => {
    clearInterval(timer);
    const avg = (f: (s: { busy: number; waiting: number }) => number) =>
      seen.length ? round1(seen.reduce((sum, s) => sum + f(s), 0) / seen.length) : 0;
    const busy = seen.reduce((sum, s) => sum + s.busy, 0);
    return {
      samples: seen.length,
      avgBusy: avg((s) => s.busy),
      avgWaiting: avg((s) => s.waiting),
      maxWaiting: Math.max(0, ...seen.map((s) => s.waiting)),
      waitingShare: busy > 0 ? round3(seen.reduce((sum, s) => sum + s.waiting, 0) / busy) : null,
    };
  };
}

/** CPU spent on one path: this process (API or bare app and the load generator) and its pool's Postgres backends. */
export interface CpuUse {
  /** This process's CPU per operation, ms (the server under test and the shared load generator). */
  processMsPerOp: number;
  /** CPU of the pool's Postgres backends per operation, ms; null when Postgres is not on this machine. */
  postgresMsPerOp: number | null;
}

const TICKS_PER_SECOND = 100;

/** utime + stime of a process from /proc, in ms; null when it cannot be read (another host, no /proc). */
async function processCpuMs(pid: number): Promise<number | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/**
 * Starts counting CPU for a path: this process's (process.cpuUsage) and that of the Postgres
 * backends serving the pool named `applicationName` (their /proc entries, when Postgres runs on
 * this machine, as the bench's 127.0.0.1 default does). The stop function takes the operations done.
 */
export async function cpuMeter(admin: postgres.Sql, dbName: string, applicationName: string) {
  const backends = async () => {
    const rows = await admin<{ pid: number }[]>`
      select pid from pg_stat_activity where datname = ${dbName} and application_name = ${applicationName}`;
    const times = await Promise.all(rows.map(async (r) => [r.pid, await processCpuMs(r.pid)] as const));
    return new Map(times);
  };
  const before = await backends();
  const process0 = process.cpuUsage();
  return async (ops: number): Promise<CpuUse> => {
    const used = process.cpuUsage(process0);
    const after = await backends();
    let postgresMs: number | null = 0;
    for (const [pid, ms] of after) {
      if (ms === null || postgresMs === null) postgresMs = null;
      else postgresMs += ms - (before.get(pid) ?? ms);
    }
    return {
      processMsPerOp: round3((used.user + used.system) / 1000 / ops),
      postgresMsPerOp: postgresMs === null || after.size === 0 ? null : round3(postgresMs / ops),
    };
  };
}

/** Time inside one PL/pgSQL function per operation of a path, ms (pg_stat_user_functions). */
export interface FunctionTime {
  name: string;
  callsPerOp: number;
  /** Including the functions it calls. */
  totalMsPerOp: number;
  /** Its own statements only. */
  selfMsPerOp: number;
}

/**
 * Starts counting time inside the database's PL/pgSQL functions (`track_functions = 'pl'`, set on
 * the bench database when `benchDatabase` could). Backends report their counts when a transaction
 * ends and at most once a second while busy, so both readings wait for the last report.
 * The stop function takes the operations done; it answers null when the counts are off.
 */
export async function functionTimer(sql: postgres.Sql) {
  type Row = { funcname: string; calls: string; total: number; self: number };
  const read = async () => {
    await sql`select pg_stat_clear_snapshot()`;
    const rows = await sql<Row[]>`select funcname, calls::text, total_time as total, self_time as self
                                  from pg_stat_user_functions`;
    return new Map(rows.map((r) => [r.funcname, r]));
  };
  const [tracking] = await sql<{ setting: string }[]>`select current_setting('track_functions') as setting`;
  if (tracking?.setting === 'none') return async () => null;
  const settle = () => new Promise((r) => setTimeout(r, 1_100));
  await settle(); // the warm-ups' counts land before the first reading
  const before = await read();
  return async (ops: number): Promise<FunctionTime[]> => {
    await settle();
    const after = await read();
    const times: FunctionTime[] = [];
    for (const [name, row] of after) {
      const was = before.get(name);
      const calls = Number(row.calls) - Number(was?.calls ?? 0);
      if (calls === 0) continue;
      times.push({
        name,
        callsPerOp: round3(calls / ops),
        totalMsPerOp: round3((row.total - (was?.total ?? 0)) / ops),
        selfMsPerOp: round3((row.self - (was?.self ?? 0)) / ops),
      });
    }
    return times.sort((a, b) => b.selfMsPerOp - a.selfMsPerOp);
  };
}
