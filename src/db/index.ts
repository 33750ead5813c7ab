/**
 * The database, as tools and benchmarks use it: the connection, the migrations, and `schema`
 * (every table) for the few that load or audit data in bulk (the demo seed, the drop
 * simulator's audit, benchmark fixtures). Product modules reach tables through repositories.
 */
export { connectDatabase, type Database } from './client.js';
export { runMigrations } from './migrate.js';
export * as schema from './schema.js';
export type { Db } from './types.js';
