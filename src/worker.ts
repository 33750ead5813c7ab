import { boot, configOrExit, onSignals } from './boot.js';
import { jobModules } from './jobs/index.js';
import { startJobModules } from './jobs/runtime.js';
import { createLogger } from './logger.js';

/** `npm run worker`: a process that runs only the background jobs (scale these apart from API nodes). */
const config = configOrExit(process.env);
const logger = createLogger(config);
try {
  const { infra, shutdown } = await boot(config, logger);
  const stopJobs = await startJobModules(infra, jobModules);
  onSignals(logger, async () => {
    await stopJobs();
    await shutdown();
  });
  logger.info({ modules: jobModules.map((m) => m.name) }, 'worker running');
} catch (err) {
  logger.fatal({ err }, (err as Error).message);
  process.exit(1);
}
