import type { Config } from '../../src/config.js';
import type { Db } from '../../src/db/index.js';
import type { Logger } from '../../src/logger.js';
import { seedAccounts } from './accounts.js';
import { loadDemoCatalog } from './status.js';

/** Loads the demo data; idempotent, so running it twice changes nothing (and the log says it was there). */
export async function seedDemo(db: Db, config: Config, logger: Logger): Promise<void> {
  const accounts = await seedAccounts(db, config);
  logger.info({ accounts }, accounts > 0 ? 'demo accounts created' : 'demo accounts already there');
  await loadDemoCatalog(db, logger);
}
