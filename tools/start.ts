import { configOrExit } from '../src/boot.js';
import { createLogger } from '../src/logger.js';
import { runApiNode, type ApiNodeHooks } from '../src/node.js';
import { bootLocal } from './local/services.js';
import { DEMO_PASSWORD, demoAccounts, seedAccounts } from './seed/accounts.js';
import { loadDemoCatalog } from './seed/status.js';

/**
 * `npm start` (and `npm run dev`): the whole product on one machine. Services that are not
 * configured are started locally (tools/local/), the demo data is loaded unless SEED_DEMO=false
 * (never in production), and the product runs as an API node with its background jobs
 * (src/node.ts runApiNode, as src/main.ts runs it).
 */
const config = configOrExit(process.env);
const logger = createLogger(config);
const demo = config.SEED_DEMO && config.NODE_ENV !== 'production';

// The accounts first (a second), so the banner's logins work at once; the catalogue (tens of
// thousands of seats) loads after the server answers. Both are idempotent, so a first start
// killed half-way finishes the job on the next one.
const demoData: ApiNodeHooks = {
  beforeListen: async (infra) => void (await seedAccounts(infra.database.db, infra.config)),
  whileServing: (infra) =>
    loadDemoCatalog(infra.database.db, logger).then(
      () => undefined,
      (err: unknown) => logger.error({ err }, 'demo catalogue could not be loaded'),
    ),
  banner: {
    demoAccounts: demoAccounts.map((a) => `${a.email} (${a.roles.join(', ')})`),
    demoPassword: DEMO_PASSWORD,
  },
};

try {
  await runApiNode(await bootLocal(config, logger), demo ? demoData : {});
} catch (err) {
  logger.fatal({ err }, (err as Error).message);
  process.exit(1);
}
