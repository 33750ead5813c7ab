import type { Config } from '../../src/config.js';
import type { Db } from '../../src/db/index.js';
import type { Logger } from '../../src/logger.js';
import { seedAccounts } from './accounts.js';
import { seedCatalog } from './catalog.js';

/** Loads the demo data; idempotent, so running it twice changes nothing. */
export async function seedDemo(db: Db, config: Config, logger: Logger): Promise<void> {
  const accounts = await seedAccounts(db, config);
  const events = await seedCatalog(db);
  logger.info({ accounts, events }, 'demo data loaded');
}
