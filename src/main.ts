import { boot, configOrExit, onSignals } from './boot.js';
import { createLogger } from './logger.js';
import { demoAccounts, DEMO_PASSWORD, seedAccounts } from './seed/accounts.js';
import { seedCatalog } from './seed/catalog.js';
import { startServer } from './server.js';
import { jobModules } from './jobs/index.js';
import { startJobModules } from './jobs/runtime.js';

/** `npm start`: the whole product on one machine, with local services when none are configured. */
const config = configOrExit(process.env);
const logger = createLogger(config);

try {
  const { infra, shutdown } = await boot(config, logger);
  const demo = config.SEED_DEMO && config.NODE_ENV !== 'production';
  // The accounts first (a second), so the banner's logins work at once; the catalogue (tens of
  // thousands of seats) loads after the server answers. Both are idempotent, so a first start
  // killed half-way finishes the job on the next one.
  if (demo) await seedAccounts(infra.database.db, infra.config);
  const server = await startServer(infra);
  const seeding = demo
    ? seedCatalog(infra.database.db).then(
        (events) => logger.info({ events }, 'demo catalogue loaded'),
        (err: unknown) => logger.error({ err }, 'demo catalogue could not be loaded'),
      )
    : Promise.resolve();
  // Signals are handled from here on: a SIGTERM while the background jobs are still starting
  // waits for them to start, then stops them, before Redis and Postgres go away under them.
  const jobs = config.RUN_WORKERS ? startJobModules(infra, jobModules) : Promise.resolve(async () => {});
  onSignals(logger, async () => {
    await server.close();
    // Let the catalogue finish rather than cut its connection mid-statement (it is idempotent anyway).
    await seeding;
    await (
      await jobs.catch(() => async () => {})
    )();
    await shutdown();
  });
  await jobs;
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
