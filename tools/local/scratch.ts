import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { loadConfig, type Config } from '../../src/config.js';
import { connectDatabase, runMigrations } from '../../src/db/index.js';
import { connectRedis, deleteKeysUnder, type Infra } from '../../src/infra/index.js';
import { createLogger } from '../../src/logger.js';
import { createBroadcaster } from '../../src/realtime/index.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { generateSigner } from '../../src/shared/index.js';

/**
 * Throwaway product instances for benchmarks and tests: a database of their own on an existing
 * PostgreSQL server, migrated exactly as production migrates, and a Redis key prefix of their
 * own, both removed by `drop`/`close`. Nothing here runs in production.
 */

/** The PostgreSQL server and Redis that tests and benchmarks use unless told otherwise (CI's services). */
export const LOCAL_POSTGRES =
  process.env.BENCH_POSTGRES_URL ?? process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const LOCAL_REDIS = process.env.BENCH_REDIS_URL ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface ScratchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A fresh database named `<prefix>_<random>` on the server of `adminUrl`, with the committed migrations applied. */
export async function createScratchDatabase(adminUrl: string, prefix = 'fd_scratch'): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  await runMigrations(url.toString());
  return {
    name,
    url: url.toString(),
    drop: async () => {
      const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await sql.unsafe(`drop database if exists ${name} with (force)`);
      await sql.end();
    },
  };
}

export interface ScratchNode {
  config: Config;
  infra: Infra;
  server: RunningServer;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Stops the server, closes the connections, deletes the Redis keys and drops the database. */
  close(): Promise<void>;
}

/** One API node (server, sockets, no background jobs) on a scratch database and Redis prefix, on a free port. */
export async function startScratchNode(
  options: { postgres?: string; redis?: string; env?: Record<string, string> } = {},
): Promise<ScratchNode> {
  const redisUrl = options.redis ?? LOCAL_REDIS;
  const db = await createScratchDatabase(options.postgres ?? LOCAL_POSTGRES);
  const prefix = `fdscratch:${db.name}:`;
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'silent',
    // Cheap password hashes: benchmarks create accounts; the cost is a parameter, the code path the same.
    PASSWORD_SCRYPT_LOG_N: '10',
    SEED_DEMO: 'false',
    ...options.env,
  });
  const database = connectDatabase(db.url);
  const redis = connectRedis(redisUrl);
  const logger = createLogger(config);
  const infra: Infra = {
    config,
    logger,
    database,
    redis,
    signer: generateSigner(),
    broadcaster: createBroadcaster(redis, config, logger),
  };
  const server = await startServer(infra);
  return {
    config,
    infra,
    server,
    url: `http://127.0.0.1:${server.port}`,
    close: async () => {
      await server.close();
      await infra.broadcaster.close();
      await database.close();
      await redis.quit();
      await deleteKeysUnder(redisUrl, prefix);
      await db.drop();
    },
  };
}
