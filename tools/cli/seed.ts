import { configOrExit } from '../../src/boot.js';
import { createLogger } from '../../src/logger.js';
import { bootLocal } from '../local/services.js';
import { seedDemo } from '../seed/index.js';

/** `npm run seed`: loads the demo data (idempotent) into DATABASE_URL, or the local database `npm start` uses. */
const config = configOrExit(process.env);
const { infra, shutdown } = await bootLocal(config, createLogger(config));
await seedDemo(infra.database.db, infra.config, infra.logger);
await shutdown();
