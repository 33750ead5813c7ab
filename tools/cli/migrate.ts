import { configOrExit } from '../../src/boot.js';
import { createLogger } from '../../src/logger.js';
import { bootLocal } from '../local/services.js';

/** `npm run db:migrate`: applies drizzle/ to DATABASE_URL (or the local database `npm start` uses). */
const config = configOrExit(process.env);
const { infra, shutdown } = await bootLocal(config, createLogger(config));
infra.logger.info('migrations applied');
await shutdown();
