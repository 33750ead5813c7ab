import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { openSync, closeSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { Redis } from 'ioredis';
import { boot, type Booted } from '../boot.js';
import { loadConfig } from '../config.js';
import { freePort } from '../infra/processes.js';
import { createLogger } from '../logger.js';
import { DEMO_PASSWORD, demoAccounts, seedAccounts } from '../seed/accounts.js';

/**
 * Where the drop runs. Self-started: local services through boot() (embedded Postgres and a
 * local redis-server, or a fresh database and Redis prefix on the Postgres and Redis that
 * DATABASE_URL / REDIS_URL name), N API processes and one worker as child processes, all torn
 * down afterwards. --target: somebody's running deployment, reached through its public API
 * (and its Postgres only if given, for the audit).
 */

export interface Deployment {
  /** API base URLs, one per node. */
  urls: string[];
  /** Read by the audit; null when the target's database was not given. */
  sql: postgres.Sql | null;
  /** The Redis the deployment uses and its key prefix (queue audit); null for --target. */
  redis: { url: string; prefix: string } | null;
  selfStarted: boolean;
  organizer: { email: string; password: string };
  /** Where the child processes write their logs. */
  logDir: string | null;
  stop(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Starts Node processes of this code base. A seam for the multi-process launcher of
 * `npm run cluster` (src/cli/cluster.ts): once it exists, an adapter with this shape replaces
 * the spawning below and the simulator's --nodes runs on it unchanged.
 */
export interface ProcessLauncher {
  start(spec: { name: string; entry: string; env: Record<string, string>; logFile: string }): Promise<ChildHandle>;
}

export interface ChildHandle {
  name: string;
  pid: number | undefined;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
  exited(): boolean;
}

export const nodeLauncher: ProcessLauncher = {
  async start({ name, entry, env, logFile }) {
    const fd = openSync(logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, ['--import', 'tsx', resolve(ROOT, entry)], { cwd: ROOT, env, stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd); // the child has its own copy of the descriptor
    }
    await once(child, 'spawn');
    const exited = () => child.exitCode !== null || child.signalCode !== null;
    return {
      name,
      pid: child.pid,
      exited,
      stop: async (graceMs = 15_000) => {
        if (exited()) return;
        const gone = once(child, 'exit');
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await gone;
        clearTimeout(timer);
      },
    };
  },
};

async function waitReady(url: string, child: ChildHandle, timeoutMs = 90_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exited()) throw new Error(`${child.name} exited during start-up; see its log`);
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${child.name} was not ready after ${timeoutMs / 1000} s`);
}

export interface StartOptions {
  nodes: number;
  /** Environment of the simulator: DATABASE_URL / REDIS_URL say which services to reuse. */
  env: Record<string, string | undefined>;
  keep: boolean;
  launcher?: ProcessLauncher;
  /** Extra variables for every child (tests lower timeouts here). */
  childEnv?: Record<string, string>;
  log?(line: string): void;
}

export async function startDeployment(options: StartOptions): Promise<Deployment> {
  const log = options.log ?? (() => {});
  const launcher = options.launcher ?? nodeLauncher;
  const runId = randomBytes(5).toString('hex');
  const dataDir = await mkdtemp(join(tmpdir(), 'fairdrop-drop-'));
  const logDir = join(dataDir, 'logs');
  await mkdir(logDir, { recursive: true });
  const prefix = `fddrop:${runId}:`;
  const undo: (() => Promise<void>)[] = [];
  const children: ChildHandle[] = [];
  let booted: Booted | undefined;

  const stop = async () => {
    // API nodes first (they drain in-flight requests), then the worker, then the services.
    for (const child of children) await child.stop().catch(() => undefined);
    await booted?.shutdown();
    for (const step of undo.reverse()) await step().catch(() => undefined);
    if (!options.keep) await rm(dataDir, { recursive: true, force: true });
  };

  try {
    // An existing Postgres gets a database of its own, dropped afterwards.
    let databaseUrl: string | undefined;
    if (options.env.DATABASE_URL) {
      const name = `fd_drop_${runId}`;
      const admin = postgres(options.env.DATABASE_URL, { max: 1, onnotice: () => {} });
      await admin.unsafe(`create database ${name}`);
      await admin.end();
      const url = new URL(options.env.DATABASE_URL);
      url.pathname = `/${name}`;
      databaseUrl = url.toString();
      undo.push(async () => {
        const drop = postgres(options.env.DATABASE_URL!, { max: 1, onnotice: () => {} });
        await drop.unsafe(`drop database if exists ${name} with (force)`);
        await drop.end();
      });
    }
    const redisUrl = options.env.REDIS_URL || undefined;
    if (redisUrl) undo.push(() => deletePrefix(redisUrl, prefix));

    log(`starting services in ${dataDir}${databaseUrl ? ' (Postgres and Redis from the environment)' : ''}`);
    const base = {
      NODE_ENV: 'development',
      DATA_DIR: dataDir,
      REDIS_PREFIX: prefix,
      LOG_LEVEL: 'warn',
      // Thousands of accounts are registered before the sale; the cost is a parameter, the path the same.
      PASSWORD_SCRYPT_LOG_N: '10',
      SEED_DEMO: 'false',
    };
    const config = loadConfig({ ...base, DATABASE_URL: databaseUrl, REDIS_URL: redisUrl });
    booted = await boot(config, createLogger({ LOG_LEVEL: 'error', NODE_ENV: 'production' }));
    const resolved = booted.infra.config;
    // The demo organizer (and admin) exist only in development seeds: the drop needs one to
    // create its event through the API like any organizer would.
    await seedAccounts(booted.infra.database.db, resolved);
    const organizer = demoAccounts.find((a) => a.roles.includes('organizer'))!;

    const childEnv = (nodeId: string, port: number): Record<string, string> => {
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
      return {
        ...env,
        ...base,
        DATABASE_URL: resolved.DATABASE_URL!,
        REDIS_URL: resolved.REDIS_URL!,
        REDIS_CLUSTER_NODES: '',
        HOST: '127.0.0.1',
        PORT: String(port),
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        NODE_ID: nodeId,
        // Every fan registers from 127.0.0.1: a per-IP limit meant for one venue's Wi-Fi would stop the rehearsal.
        AUTH_LIMIT_PER_IP: '100000',
        GIFT_CARD_LOOKUPS_PER_MINUTE: '10000',
        // A worker process runs the jobs, as in a scaled deployment.
        RUN_WORKERS: 'false',
        ...options.childEnv,
      };
    };

    const urls: string[] = [];
    for (let i = 1; i <= options.nodes; i++) {
      const port = await freePort();
      const child = await launcher.start({ name: `api-${i}`, entry: 'src/main.ts', env: childEnv(`api-${i}`, port), logFile: join(logDir, `api-${i}.log`) });
      children.push(child);
      urls.push(`http://127.0.0.1:${port}`);
    }
    const worker = await launcher.start({ name: 'worker', entry: 'src/worker.ts', env: childEnv('worker-1', 0), logFile: join(logDir, 'worker.log') });
    children.push(worker);
    await Promise.all(urls.map((url, i) => waitReady(url, children[i]!)));
    log(`${options.nodes} API node${options.nodes > 1 ? 's' : ''} and a worker are up: ${urls.join(', ')}`);

    return {
      urls,
      sql: booted.infra.database.sql,
      redis: { url: resolved.REDIS_URL!, prefix },
      selfStarted: true,
      organizer: { email: organizer.email, password: DEMO_PASSWORD },
      logDir,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

export function targetDeployment(url: string, organizer: string, databaseUrl: string | undefined): Deployment {
  const sql = databaseUrl ? postgres(databaseUrl, { max: 2, onnotice: () => {} }) : null;
  const colon = organizer.indexOf(':');
  return {
    urls: [new URL(url).origin],
    sql,
    redis: null,
    selfStarted: false,
    organizer: { email: organizer.slice(0, colon), password: organizer.slice(colon + 1) },
    logDir: null,
    stop: async () => void (await sql?.end({ timeout: 5 })),
  };
}

async function deletePrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  // BullMQ's keys sit under `{<prefix>bull}` (src/jobs/connection.ts).
  for (const pattern of [`${prefix}*`, `{${prefix}*`]) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  }
  await redis.quit();
}
