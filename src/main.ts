import { boot, configOrExit } from './boot.js';
import { createLogger } from './logger.js';
import { runApiNode } from './node.js';

/**
 * An API node: what the Docker image runs. It connects to the PostgreSQL and Redis it is
 * configured with (DATABASE_URL, REDIS_URL or REDIS_CLUSTER_NODES) and serves; with
 * RUN_WORKERS it also runs the background jobs. For a start on one machine with nothing
 * configured, `npm start` (tools/start.ts) starts local services and demo data around it.
 */
const config = configOrExit(process.env, { services: 'configured' });
const logger = createLogger(config);
try {
  await runApiNode(await boot(config, logger));
} catch (err) {
  logger.fatal({ err }, (err as Error).message);
  process.exit(1);
}
