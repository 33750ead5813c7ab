import { resolve } from 'node:path';
import type { Infra } from './infra/types.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { connectDatabase } from './db/client.js';
import { runMigrations } from './db/migrate.js';
import { startEmbeddedPostgres, type LocalService } from './infra/embedded-postgres.js';
import { startLocalRedis } from './infra/local-redis.js';
import { connectRedis, redisTarget } from './infra/redis.js';
import { createBroadcaster } from './realtime/broadcaster.js';
import { createLogger, type Logger } from './logger.js';
import { loadOrCreateSigningKey, parseSigningKey, signerFromKey } from './shared/signing.js';

/**
 * Shared start-up for every entry point (server, worker, CLI): parse the config, start the
 * local services it lacks, connect, migrate. `shutdown` undoes all of it in reverse.
 */
export interface Booted {
  infra: Infra;
  shutdown(): Promise<void>;
}

export function configOrExit(env: Record<string, string | undefined>): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}

export async function boot(config: Config, logger: Logger = createLogger(config)): Promise<Booted> {
  const local: LocalService[] = [];
  const stops: (() => Promise<void>)[] = [];
  try {
    // Redis first: it starts in milliseconds, and a missing redis-server is reported before Postgres spends seconds starting.
    let redisUrl = config.REDIS_URL;
    if (!redisUrl && !config.REDIS_CLUSTER_NODES) {
      const redis = await startLocalRedis(resolve(config.DATA_DIR, 'redis'), logger);
      local.push(redis);
      redisUrl = redis.url;
    }
    let databaseUrl = config.DATABASE_URL;
    if (!databaseUrl) {
      const pg = await startEmbeddedPostgres(resolve(config.DATA_DIR, 'pg'), logger);
      local.push(pg);
      databaseUrl = pg.url;
    }
    const database = connectDatabase(databaseUrl);
    stops.push(() => database.close());
    const resolved = { ...config, DATABASE_URL: databaseUrl, REDIS_URL: redisUrl };
    const redis = connectRedis(redisTarget(resolved));
    stops.push(async () => void (await redis.quit()));
    const broadcaster = createBroadcaster(redis, resolved);
    stops.push(() => broadcaster.close());
    await runMigrations(databaseUrl);
    const signer = signerFromKey(
      config.SIGNING_KEY
        ? parseSigningKey(config.SIGNING_KEY)
        : await loadOrCreateSigningKey(resolve(config.DATA_DIR, 'signing-key.pem')),
    );
    return {
      infra: { config: resolved, logger, database, redis, signer, broadcaster },
      shutdown: async () => {
        for (const stop of [...stops.reverse(), ...local.reverse().map((s) => s.stop)]) {
          await stop().catch((err: unknown) => logger.warn({ err }, 'error while shutting down'));
        }
      },
    };
  } catch (err) {
    for (const service of local.reverse()) await service.stop().catch(() => undefined);
    throw err;
  }
}

/** Runs `shutdown` once on SIGINT or SIGTERM, then exits. */
export function onSignals(logger: Logger, shutdown: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    shutdown().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  // A child of `npm run cluster` has an IPC channel to its supervisor; it closes when the
  // supervisor dies, even by SIGKILL, and the child stops too instead of lingering on its port.
  if (process.send) process.once('disconnect', () => handler('SIGTERM'));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    // embedded-postgres installs an exit hook that stops Postgres and exits at once, under any
    // request still in flight; `shutdown` stops it too, but only after the server has drained.
    process.removeAllListeners(signal);
    process.on(signal, handler);
  }
}
