import type { Redis } from 'ioredis';
import type { Infra } from '../../src/infra/types.js';
import { loadConfig, type Config } from '../../src/config.js';
import { connectDatabase } from '../../src/db/client.js';
import { connectRedis, deleteKeysUnder } from '../../src/infra/redis.js';
import { createLogger } from '../../src/logger.js';
import { generateSigner } from '../../src/shared/signing.js';
import { createBroadcaster } from '../../src/realtime/broadcaster.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { createScratchDatabase } from '../../tools/local/scratch.js';
import { ApiClient } from './api.js';

/** The real services the tests use; CI and this machine run them on the standard ports. */
export const TEST_POSTGRES = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A fresh database with the committed migrations applied, exactly as production applies them. */
export const createTestDatabase = (): Promise<TestDatabase> => createScratchDatabase(TEST_POSTGRES, 'fd_test');

/** Deletes every key under a prefix (the test's own namespace in the shared Redis). */
export const dropRedisPrefix = (prefix: string): Promise<void> => deleteKeysUnder(TEST_REDIS, prefix);

export interface TestEnv {
  config: Config;
  infra: Infra;
  server: RunningServer;
  api: ApiClient;
  db: TestDatabase;
  close(): Promise<void>;
}

export function testConfig(databaseUrl: string, prefix: string, overrides: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    REDIS_URL: TEST_REDIS,
    REDIS_PREFIX: prefix,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // Cheap hashes: the tests create many accounts; the cost is a parameter, the code path the same.
    PASSWORD_SCRYPT_LOG_N: '10',
    ...overrides,
  });
}

/** One database, one Redis prefix and one API server on a free port, for one test file. */
export async function createTestEnv(
  overrides: Record<string, string> = {},
  options: { logLines?: string[] } = {},
): Promise<TestEnv> {
  const db = await createTestDatabase();
  const prefix = `fdt:${db.name}:`;
  const config = testConfig(db.url, prefix, overrides);
  const { logLines } = options;
  // A test that reads the logs gets every line in `logLines`, through the same redaction as production.
  const logger = logLines
    ? createLogger({ ...config, LOG_LEVEL: 'info' }, { write: (line: string) => void logLines.push(line) })
    : createLogger(config);
  const database = connectDatabase(db.url);
  const redis = connectRedis(TEST_REDIS);
  const infra: Infra = {
    config,
    logger,
    database,
    redis,
    signer: generateSigner(),
    broadcaster: createBroadcaster(redis as Redis, config, logger),
  };
  const server = await startServer(infra);
  return {
    config,
    infra,
    server,
    api: new ApiClient(`http://127.0.0.1:${server.port}`),
    db,
    close: async () => {
      await server.close();
      await database.close();
      await redis.quit();
      await dropRedisPrefix(prefix);
      await db.drop();
    },
  };
}

/**
 * The environment of a product process (`src/main.ts`, `src/worker.ts`, a test's own script)
 * that a test spawns on its database and Redis: the test's key prefix unless `overrides` says
 * otherwise, its own data folder, no demo data, warnings only.
 */
export function childEnv(env: TestEnv, dataDir: string, overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    NODE_ENV: 'test',
    DATABASE_URL: env.db.url,
    REDIS_URL: TEST_REDIS,
    REDIS_PREFIX: env.config.REDIS_PREFIX,
    DATA_DIR: dataDir,
    SEED_DEMO: 'false',
    LOG_LEVEL: 'warn',
    ...overrides,
  };
}
