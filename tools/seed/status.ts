import { eq, sql } from 'drizzle-orm';
import { type Db, schema } from '../../src/db/index.js';
import type { Logger } from '../../src/logger.js';
import { seedCatalog } from './catalog.js';

const { events, users } = schema;

/** Events of the demo organizer: the demo catalogue as it stands, with whatever was added to it since. */
export async function demoCatalogEvents(db: Db): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(events)
    .innerJoin(users, eq(users.id, events.organizerId))
    .where(eq(users.email, 'organizer@fairdrop.local'));
  return row?.n ?? 0;
}

/**
 * Loads the demo catalogue unless it is there, and says which: "loaded" with the events it
 * added, or "already loaded" with the events there are (a restart adds nothing, and must not
 * read as if the catalogue were empty).
 */
export async function loadDemoCatalog(db: Db, logger: Logger): Promise<number> {
  const added = await seedCatalog(db);
  if (added > 0) logger.info({ events: added }, 'demo catalogue loaded');
  else logger.info({ events: await demoCatalogEvents(db) }, 'demo catalogue already loaded');
  return added;
}
