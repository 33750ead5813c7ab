import type { Sql } from 'postgres';

/** One statement's share of Postgres' time over the drop, from pg_stat_statements. */
export interface StatementUse {
  calls: number;
  totalMs: number;
  meanMs: number;
  rows: number;
  /** The normalized text, whitespace collapsed, cut at 160 characters. */
  query: string;
}

export interface PostgresUse {
  /** Execution time of every statement of the drop's database (lock waits included). */
  totalMs: number;
  calls: number;
  /** The statements that took the most time, most first. */
  top: StatementUse[];
}

const TOP = 12;

/**
 * Starts counting the drop's statements: forgets what setup and seeding ran, for this database
 * only (the Postgres may be shared). False when pg_stat_statements is not loaded (a Postgres the
 * drop did not start, without it in shared_preload_libraries): the report then lists none.
 */
export async function resetStatements(sql: Sql): Promise<boolean> {
  try {
    await sql`create extension if not exists pg_stat_statements`;
    await sql`select pg_stat_statements_reset(0, (select oid from pg_database where datname = current_database()), 0)`;
    return true;
  } catch {
    return false;
  }
}

/** Where Postgres' time went since the reset: the totals and the costliest statements. */
export async function readStatements(sql: Sql): Promise<PostgresUse> {
  const scope = sql`from pg_stat_statements where dbid = (select oid from pg_database where datname = current_database())
    and query not like '%pg_stat_statements%'`;
  const [total] = await sql<{ ms: number; calls: number }[]>`
    select coalesce(sum(total_exec_time), 0)::float8 as ms, coalesce(sum(calls), 0)::int as calls ${scope}`;
  const top = await sql<{ calls: number; ms: number; rows: number; query: string }[]>`
    select calls::int, total_exec_time::float8 as ms, rows::int, regexp_replace(left(query, 400), '\\s+', ' ', 'g') as query
    ${scope} order by total_exec_time desc limit ${TOP}`;
  const round = (v: number) => Math.round(v * 10) / 10;
  return {
    totalMs: Math.round(total!.ms),
    calls: total!.calls,
    top: top.map((s) => ({
      calls: s.calls,
      totalMs: Math.round(s.ms),
      meanMs: round(s.ms / Math.max(1, s.calls)),
      rows: s.rows,
      query: s.query.slice(0, 160),
    })),
  };
}
