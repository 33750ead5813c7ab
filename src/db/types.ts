import type { PgDatabase } from 'drizzle-orm/pg-core';
import type { PostgresJsQueryResultHKT } from 'drizzle-orm/postgres-js';
import type * as schema from './schema.js';

/** A database handle or an open transaction: repositories accept either. */
export type Db = PgDatabase<PostgresJsQueryResultHKT, typeof schema>;
