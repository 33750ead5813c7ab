import { resolve } from 'node:path';
import { boot, type Booted } from '../../src/boot.js';
import type { Config } from '../../src/config.js';
import type { Logger } from '../../src/logger.js';
import { startEmbeddedPostgres, type LocalService } from './embedded-postgres.js';
import { startLocalRedis } from './local-redis.js';

/**
 * The services a configuration leaves out, started on this machine with their data in
 * DATA_DIR: `redis-server` from the PATH when neither REDIS_URL nor REDIS_CLUSTER_NODES is
 * set, an embedded PostgreSQL when DATABASE_URL is not. The returned config names them.
 */
export async function startLocalServices(
  config: Config,
  logger: Logger,
): Promise<{ config: Config; stop(): Promise<void> }> {
  const local: LocalService[] = [];
  const stop = async () => {
    for (const service of [...local].reverse()) {
      await service.stop().catch((err: unknown) => logger.warn({ err }, 'error while stopping a local service'));
    }
  };
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
    return { config: { ...config, DATABASE_URL: databaseUrl, REDIS_URL: redisUrl }, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * The product's boot() on the configured services, starting local ones for what is missing:
 * how `npm start`, `npm run cluster`, `npm run seed` and `npm run db:migrate` get going with
 * nothing configured. `shutdown` closes the connections, then stops the local services.
 */
export async function bootLocal(config: Config, logger: Logger): Promise<Booted> {
  const services = await startLocalServices(config, logger);
  try {
    const booted = await boot(services.config, logger);
    return {
      infra: booted.infra,
      shutdown: async () => {
        await booted.shutdown();
        await services.stop();
      },
    };
  } catch (err) {
    await services.stop();
    throw err;
  }
}
