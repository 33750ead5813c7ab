import type { Sql } from 'postgres';
import type { Db } from './types.js';

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
