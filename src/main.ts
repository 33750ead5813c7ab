import { boot, configOrExit, onSignals } from './boot.js';
import { createLogger } from './logger.js';
import { demoAccounts, DEMO_PASSWORD } from './seed/accounts.js';
import { seedDemo } from './seed/index.js';
import { startServer } from './server.js';
import { users } from './auth/auth.table.js';
import { jobModules } from './jobs/index.js';
import { startJobModules } from './jobs/runtime.js';

/** `npm start`: the whole product on one machine, with local services when none are configured. */
const config = configOrExit(process.env);
const logger = createLogger(config);

try {
  const { infra, shutdown } = await boot(config, logger);
  if (config.SEED_DEMO && config.NODE_ENV !== 'production') {
    const existing = await infra.database.db.select({ id: users.id }).from(users).limit(1);
    if (existing.length === 0) await seedDemo(infra.database.db, infra.config, logger);
  }
  const server = await startServer(infra);
  const stopJobs = config.RUN_WORKERS ? await startJobModules(infra, jobModules) : async () => {};
  onSignals(logger, async () => {
    await server.close();
    await stopJobs();
    await shutdown();
  });
  logger.info(
    {
      url: server.url,
      docs: `${server.url}/docs`,
      ...(config.SEED_DEMO && config.NODE_ENV !== 'production'
        ? { demoAccounts: demoAccounts.map((a) => `${a.email} (${a.roles.join(', ')})`), demoPassword: DEMO_PASSWORD }
        : {}),
    },
    `Fairdrop is serving on ${server.url}`,
  );
} catch (err) {
  logger.fatal({ err }, (err as Error).message);
  process.exit(1);
}
