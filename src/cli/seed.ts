import { boot, configOrExit } from '../boot.js';
import { seedDemo } from '../seed/index.js';

/** `npm run seed`: loads the demo data (idempotent). */
const { infra, shutdown } = await boot(configOrExit(process.env));
await seedDemo(infra.database.db, infra.config, infra.logger);
await shutdown();
