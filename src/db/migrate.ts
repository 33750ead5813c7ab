import { fileURLToPath } from 'node:url';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';

export const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));

/** Any fixed number works; it only has to be the same for every process that migrates. */
const MIGRATION_LOCK = 0x66_64_6d_67; // "fdmg"

/**
 * Applies the committed SQL migrations in drizzle/, exactly as production does. Safe on every
 * start and from several nodes at once: an advisory lock, held on the one connection that
 * migrates, lets one node migrate while the others wait.
 */
export async function runMigrations(databaseUrl: string): Promise<void> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK})`;
    await migrate(drizzle(sql), { migrationsFolder });
  } finally {
    await sql.end({ timeout: 5 });
  }
}
