import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { connectDatabase } from '../../src/db/client.js';
import type { Db } from '../../src/db/types.js';
import { clientOf, preparedOnce } from '../../src/platform/prepared.js';
import { TEST_POSTGRES } from '../support/env.js';
import { internal } from './internals.js';

/**
 * Canary for src/platform/prepared.ts: drizzle-orm's database and transaction handles still keep
 * their dialect and postgres-js client where preparedOnce and clientOf read them, and a prepared
 * postgres-js query still runs on whatever its own `client` field holds. If an upgrade moves
 * either, a query built once would run on the pool instead of the caller's transaction (or the
 * build would no longer be shared): this fails first, by name.
 */

const FILE = 'prepared.ts';
const database = connectDatabase(TEST_POSTGRES, { max: 2 });
afterAll(() => database.close());

/** A one-row source that needs no table, so the canary runs on the plain `postgres` database. */
const oneRow = sql`(values (1)) as one(x)`;
/** A setting local to a transaction: a statement sees it only on that transaction's connection. */
const readMarker = (db: Db) =>
  db
    .select({ value: sql<string | null>`current_setting('fairdrop.canary', true)` })
    .from(oneRow)
    .prepare('platform_canary_marker');
const setMarker = (db: Db) => db.execute(sql`select set_config('fairdrop.canary', 'inside', true)`);

interface Internals {
  dialect?: unknown;
  session?: { client?: unknown };
}

describe('platform canary: queries prepared once (drizzle-orm, postgres internals)', () => {
  it("drizzle-orm: a handle and its transactions share one dialect and keep postgres-js' client at session.client", async () => {
    const db = database.db as unknown as Internals;
    expect(typeof db.dialect, internal('drizzle-orm', 'PgDatabase#dialect is gone', FILE)).toBe('object');
    expect(
      db.session?.client,
      internal('drizzle-orm', 'PgDatabase#session.client is not the postgres-js Sql', FILE),
    ).toBe(database.sql);
    await database.db.transaction(async (tx) => {
      const t = tx as unknown as Internals;
      expect(
        t.dialect,
        internal('drizzle-orm', "a transaction's dialect is not its database's (one build per transaction)", FILE),
      ).toBe(db.dialect);
      expect(
        typeof (t.session?.client as { unsafe?: unknown } | undefined)?.unsafe,
        internal('drizzle-orm', "a transaction's session.client is not its postgres-js connection", FILE),
      ).toBe('function');
      expect(t.session?.client, internal('drizzle-orm', "a transaction's session.client is the pool's", FILE)).not.toBe(
        database.sql,
      );
    });
  });

  it("drizzle-orm: a prepared postgres-js query runs on its own `client` field, so a query built once runs in the caller's transaction", async () => {
    const built = readMarker(database.db) as unknown as { client?: unknown };
    expect(
      Object.hasOwn(built, 'client') && built.client === database.sql,
      internal('drizzle-orm', 'PostgresJsPreparedQuery no longer keeps its connection in an own `client` field', FILE),
    ).toBe(true);

    let builds = 0;
    const marker = preparedOnce((db) => (builds++, readMarker(db)));
    // Built on the pool first, so the transaction's run proves the re-pointing, not the build.
    expect((await marker(database.db).execute())[0]?.value).not.toBe('inside');
    const seen = await database.db.transaction(async (tx) => {
      await setMarker(tx);
      return (await marker(tx).execute())[0]?.value;
    });
    expect(
      seen,
      internal('drizzle-orm', 'PostgresJsPreparedQuery#execute did not run on the re-pointed `client`', FILE),
    ).toBe('inside');
    const outside = (await marker(database.db).execute())[0]?.value;
    expect(
      outside,
      internal('drizzle-orm', 'a query re-pointed at the pool still ran in the transaction', FILE),
    ).not.toBe('inside');
    expect(builds, internal('drizzle-orm', 'the pool and its transactions no longer share the built query', FILE)).toBe(
      1,
    );
  });

  it("postgres: clientOf(tx) sends on the transaction's connection, in the order called, without waiting", async () => {
    const seen = await database.db.transaction(async (tx) => {
      const client = clientOf(tx);
      // Sent back to back, not awaited in between: the connection runs them in the order written.
      const set = client`select set_config('fairdrop.canary', 'inside', true)`.execute();
      const read = client`select current_setting('fairdrop.canary', true) as value`.execute();
      await set;
      return (await read)[0]?.value as string | undefined;
    });
    expect(
      seen,
      internal('postgres', "a transaction's client did not run queries in order on its connection", FILE),
    ).toBe('inside');
  });
});
