import { boot, configOrExit } from '../boot.js';

/** `npm run db:migrate`: applies drizzle/ to DATABASE_URL (or the embedded database). */
const { infra, shutdown } = await boot(configOrExit(process.env));
infra.logger.info('migrations applied');
await shutdown();
