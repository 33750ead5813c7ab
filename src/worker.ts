import { boot, configOrExit } from './boot.js';
import { createLogger } from './logger.js';
import { runWorkerNode } from './node.js';

/** `npm run worker`: a process that runs only the background jobs, on the configured PostgreSQL and Redis. */
const config = configOrExit(process.env, { services: 'configured' });
const logger = createLogger(config);
try {
  await runWorkerNode(await boot(config, logger));
} catch (err) {
  logger.fatal({ err }, (err as Error).message);
  process.exit(1);
}
