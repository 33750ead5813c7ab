import { onSignals, type Booted } from './boot.js';
import { createMetrics, startMetricsServer } from './http/metrics.js';
import type { Infra } from './infra/types.js';
import { jobModules } from './jobs/index.js';
import { startJobModules } from './jobs/runtime.js';
import { startServer, type RunningServer } from './server.js';

/**
 * One product process, started on what boot() connected: an API node (with the background jobs
 * in the same process when RUN_WORKERS is on) or a worker. The product's entry points
 * (src/main.ts, src/worker.ts) call these; so does `npm start` (tools/start.ts), which adds its
 * demo data through the hooks.
 */

export interface ApiNodeHooks {
  /** After boot, before the server listens (`npm start` creates the demo accounts, so the banner's logins work at once). */
  beforeListen?(infra: Infra): Promise<void>;
  /** Once the server answers, in the background (the demo catalogue); a shutdown waits for it. */
  whileServing?(infra: Infra): Promise<void>;
  /** More fields for the "serving" log line. */
  banner?: Record<string, unknown>;
}

/** Serves the API (and runs the jobs when RUN_WORKERS); SIGINT/SIGTERM drain it and undo the boot. */
export async function runApiNode(booted: Booted, hooks: ApiNodeHooks = {}): Promise<RunningServer> {
  const { infra, shutdown } = booted;
  const { config, logger } = infra;
  await hooks.beforeListen?.(infra);
  const server = await startServer(infra);
  const background = (hooks.whileServing?.(infra) ?? Promise.resolve()).catch((err: unknown) =>
    logger.error({ err }, 'background start-up work failed'),
  );
  // Signals are handled from here on: a SIGTERM while the background jobs are still starting
  // waits for them to start, then stops them, before Redis and Postgres go away under them.
  const jobs = config.RUN_WORKERS ? startJobModules(infra, jobModules) : Promise.resolve(async () => {});
  onSignals(logger, async () => {
    await server.close();
    // Let background work finish rather than cut its connection mid-statement.
    await background;
    await (
      await jobs.catch(() => async () => {})
    )();
    await shutdown();
  });
  await jobs;
  logger.info({ url: server.url, docs: `${server.url}/docs`, ...hooks.banner }, `Fairdrop is serving on ${server.url}`);
  return server;
}

/** Runs every background job module (scale these apart from API nodes); SIGINT/SIGTERM stop them and undo the boot. */
export async function runWorkerNode(booted: Booted): Promise<void> {
  const { infra, shutdown } = booted;
  const { config } = infra;
  // With METRICS_PORT the worker serves /metrics too: the counters of what its jobs do.
  const metrics =
    config.METRICS_PORT === undefined
      ? null
      : await startMetricsServer(createMetrics(), { ...config, METRICS_PORT: config.METRICS_PORT }, infra.logger);
  const stopJobs = await startJobModules(infra, jobModules);
  onSignals(infra.logger, async () => {
    metrics?.close();
    metrics?.closeAllConnections();
    await stopJobs();
    await shutdown();
  });
  infra.logger.info({ modules: jobModules.map((m) => m.name) }, 'worker running');
}
