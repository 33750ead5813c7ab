import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { startEmbeddedPostgres, type LocalService } from '../../tools/local/embedded-postgres.js';
import { readStatements, resetStatements } from '../../tools/simulator/pg-statements.js';

// The drop's own Postgres: embedded, as `npm run drop` starts it.
let dir: string;
let pg: LocalService;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fairdrop-pgss-'));
  // mkdtemp makes the folder private to root; Postgres runs as the `postgres` user and must reach it.
  await chmod(dir, 0o755);
  pg = await startEmbeddedPostgres(join(dir, 'pg'), createLogger({ LOG_LEVEL: 'error', NODE_ENV: 'test' }));
}, 120_000);
afterAll(async () => {
  await pg?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("the drop report's Postgres statements", () => {
  it('counts what ran since the reset, costliest first, on the embedded Postgres', async () => {
    const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
    try {
      await sql`create table t (id int primary key, v text)`;
      await sql`insert into t select g, 'x' from generate_series(1, 10) g`;
      expect(await resetStatements(sql)).toBe(true);
      for (let i = 1; i <= 10; i++) await sql`select v from t where id = ${i}`;
      await sql`select pg_sleep(0.05)`;

      const use = await readStatements(sql);
      const [slowest] = use.top;
      expect(slowest).toMatchObject({ calls: 1, rows: 1 });
      expect(slowest!.query).toContain('pg_sleep');
      expect(slowest!.totalMs).toBeGreaterThanOrEqual(50);
      const lookup = use.top.find((s) => s.query.startsWith('select v from t where id'));
      expect(lookup).toMatchObject({ calls: 10, rows: 10 });
      // What ran before the reset (the table, its rows) is not counted.
      expect(use.top.some((s) => /create table|insert into t/.test(s.query))).toBe(false);
      expect(use.calls).toBeGreaterThanOrEqual(11);
      expect(use.totalMs).toBeGreaterThanOrEqual(slowest!.totalMs);
    } finally {
      await sql.end();
    }
  });
});
