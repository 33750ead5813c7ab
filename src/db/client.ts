import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema.js';
import type { Db } from './types.js';

export interface Database {
  db: Db;
  /** The raw driver, for the few statements drizzle cannot say (and for benchmarks' baselines). */
  sql: postgres.Sql;
  close(): Promise<void>;
}

export function connectDatabase(url: string, options: { max?: number } = {}): Database {
  const sql = postgres(url, {
    // 10 connections per API process: Postgres' default max_connections (100) then serves
    // several API nodes plus workers; raise with care, a connection costs ~10 MB server-side.
    max: options.max ?? 10,
    onnotice: () => {},
    connection: { application_name: 'fairdrop' },
  });
  const db = drizzle(sql, { schema });
  return { db, sql, close: () => sql.end({ timeout: 5 }) };
}
