import { configOrExit } from '../../src/boot.js';
import { createLogger } from '../../src/logger.js';
import { parseCommandLine } from '../../src/shared/index.js';
import { bootLocal } from '../local/services.js';
import { seedDemo } from '../seed/index.js';

parseCommandLine({
  usage: `npm run seed

  Loads the demo accounts and the demo catalogue into DATABASE_URL, or into the local database
  \`npm start\` uses when DATABASE_URL is not set. Idempotent: accounts that exist are kept and
  the catalogue is loaded only into a database without it. Not for production: the demo
  accounts share a published password.

  -h, --help     this text
`,
  options: {},
});

const config = configOrExit(process.env);
const { infra, shutdown } = await bootLocal(config, createLogger(config));
await seedDemo(infra.database.db, infra.config, infra.logger);
await shutdown();
