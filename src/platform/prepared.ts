import { sql, type SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { Sql } from 'postgres';
import type { Db } from '../db/types.js';

interface Executable {
  execute(placeholderValues?: Record<string, unknown>): Promise<unknown>;
}

/**
 * A hot query whose drizzle build (`is()` checks, column walks, SQL text) runs once instead of
 * on every call: `build` returns a drizzle `.prepare(name)` query with `sql.placeholder`s for
 * its values, and the returned function gives it for any handle, the pool or a transaction.
 *
 * Drizzle binds a prepared query to the connection of the handle that prepared it, and every
 * transaction is a new handle, so the query built once per drizzle instance (its dialect) is
 * handed out re-pointed at the caller's postgres-js client: `client` is the one field
 * PostgresJsPreparedQuery reads it from (drizzle-orm 0.45; test/integration covers every
 * caller, inside transactions and out). postgres-js itself keeps the server-side prepared
 * statement per connection, as for any other query.
 */
export function preparedOnce<Q extends Executable>(build: (db: Db) => Q): (db: Db) => Q {
  const built = new WeakMap<object, Q>();
  return (db) => {
    const { dialect, session } = db as unknown as { dialect: object; session: { client: unknown } };
    let query = built.get(dialect);
    if (!query) built.set(dialect, (query = build(db)));
    return Object.create(query, { client: { value: session.client } }) as Q;
  };
}

/**
 * The postgres-js client behind a handle (for a transaction, its connection), for statements
 * that must be sent in a given order without waiting for each answer: postgres-js sends
 * queries in the order their `execute()` is called and pipelines them on the connection.
 */
export function clientOf(db: Db): Sql {
  return (db as unknown as { session: { client: Sql } }).session.client;
}

/**
 * `insert into <table> (<fields>) values (<placeholders>) returning *`, prepared once. The
 * returned function sends a value for every field, null for one left out (so callers leave
 * out only nullable columns whose default is null); `computed` adds columns written by SQL,
 * whose own placeholders take their values from the same object.
 */
export function preparedInsert<T extends PgTable, F extends keyof T['$inferInsert'] & string>(
  table: T,
  fields: readonly F[],
  name: string,
  computed: Record<string, SQL> = {},
) {
  const query = preparedOnce((db) =>
    db
      .insert(table)
      .values({ ...Object.fromEntries(fields.map((f) => [f, sql.placeholder(f)])), ...computed } as T['$inferInsert'])
      .returning()
      .prepare(name),
  );
  return async (db: Db, values: Partial<Record<F, unknown>> & Record<string, unknown>): Promise<T['$inferSelect']> => {
    const rows = (await query(db).execute({
      ...values,
      ...Object.fromEntries(fields.map((f) => [f, values[f] ?? null])),
    })) as T['$inferSelect'][];
    return rows[0]!;
  };
}
