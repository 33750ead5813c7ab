import { configOrExit } from '../../src/boot.js';
import { createLogger } from '../../src/logger.js';
import { parseCommandLine } from '../../src/shared/index.js';
import { bootLocal } from '../local/services.js';

parseCommandLine({
  usage: `npm run db:migrate

  Applies the migrations in drizzle/ to DATABASE_URL, or to the local database \`npm start\`
  uses when DATABASE_URL is not set (starting it for the run). Safe to run again: applied
  migrations are skipped. Every product process also migrates as it starts.

  -h, --help     this text
`,
  options: {},
});

const config = configOrExit(process.env);
const { infra, shutdown } = await bootLocal(config, createLogger(config));
infra.logger.info('migrations applied');
await shutdown();
