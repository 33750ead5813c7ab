import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { deleteKeysUnder } from '../../src/infra/index.js';
import type { Booted } from '../../src/boot.js';
import { startLocalCluster, type LocalCluster } from '../cluster/local-cluster.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { DEMO_PASSWORD, demoAccounts, seedAccounts } from '../seed/accounts.js';
import type { LocalService } from '../local/embedded-postgres.js';
import { startLocalRedis } from '../local/local-redis.js';
import { bootLocal } from '../local/services.js';
import { parseSigningKey, signerFromKey } from '../../src/shared/index.js';
import type { Mailbox } from './accounts.js';
import type { DropFault } from './options.js';

/**
 * Where the drop runs. Self-started: local services through bootLocal() (embedded Postgres and a
 * local redis-server, or a fresh database and Redis prefix on the Postgres and Redis that
 * DATABASE_URL / REDIS_URL name), N API processes and one worker started by the cluster
 * launcher (tools/cluster/local-cluster.ts), all torn down afterwards. --target: somebody's running deployment, reached through its public API
 * (and its Postgres only if given, for the audit).
 */

export interface Deployment {
  /** API base URLs, one per node. */
  urls: string[];
  /** Read by the audit; null when the target's database was not given. */
  sql: postgres.Sql | null;
  /** Where the fans' verification mails are read (with `sql`); null for a --target without SIGNING_KEY. */
  mailbox: Mailbox | null;
  /** The Redis the deployment uses and its key prefix (queue audit); null for --target. */
  redis: { url: string; prefix: string } | null;
  selfStarted: boolean;
  /** The scrypt cost (log2 N) the deployment hashes passwords with; null for --target. */
  scryptLogN: number | null;
  organizer: { email: string; password: string };
  /** Self-started: the round-robin proxy in front of the nodes (fans talk to the nodes directly). */
  proxyUrl: string | null;
  /** Fault injection; null for --target (the simulator never kills what it did not start). */
  faults: FaultControls | null;
  stop(): Promise<void>;
}

/** What an injected fault did, for the report. Times are epoch ms. */
export interface FaultOutcome {
  kind: DropFault;
  target: string;
  at: number;
  /** When the service was back (a worker restarted, Redis answering again); null when nothing comes back (a killed node stays dead). */
  recoveredAt: number | null;
  detail: string;
}

export interface FaultControls {
  /** Why this deployment cannot take `kind`, or null when it can (checked before any fan is registered). */
  refuse(kind: DropFault): string | null;
  inject(kind: DropFault): Promise<FaultOutcome>;
}

/** The password-hash cost of a self-started deployment (see `base` below). */
const DROP_SCRYPT_LOG_N = 10;

/** A supervisor's restart delay: the worker is down this long before its replacement starts. */
const WORKER_RESTART_MS = 2_000;

export interface StartOptions {
  nodes: number;
  /** Environment of the simulator: DATABASE_URL / REDIS_URL say which services to reuse. */
  env: Record<string, string | undefined>;
  keep: boolean;
  /** Extra variables for every child (tests lower timeouts here). */
  childEnv?: Record<string, string>;
  log?(line: string): void;
}

export async function startDeployment(options: StartOptions): Promise<Deployment> {
  const log = options.log ?? (() => {});
  const runId = randomBytes(5).toString('hex');
  const dataDir = await mkdtemp(join(tmpdir(), 'fairdrop-drop-'));
  // mkdtemp makes it 0700; run as root, embedded Postgres drops to the `postgres` user, which
  // must be able to enter it to create its own data folder inside.
  await chmod(dataDir, 0o755);
  const prefix = `fddrop:${runId}:`;
  const undo: (() => Promise<void>)[] = [];
  let booted: Booted | undefined;
  let cluster: LocalCluster | undefined;

  const stop = async () => {
    // The nodes first (they drain in-flight requests), then the worker, then the services.
    await cluster?.stop().catch(() => undefined);
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
    let redisUrl = options.env.REDIS_URL || undefined;
    if (redisUrl) undo.push(() => deleteKeysUnder(redisUrl!, prefix));
    // No REDIS_URL: the simulator starts redis-server itself (append-only, as `npm start` would), so
    // it holds the handle that the restart-redis fault needs. A shared service is never restarted.
    let ownRedis: LocalService | null = null;
    const redisDir = join(dataDir, 'redis');
    if (!redisUrl) {
      ownRedis = await startLocalRedis(redisDir, createLogger({ LOG_LEVEL: 'error', NODE_ENV: 'production' }));
      redisUrl = ownRedis.url;
      undo.push(() => ownRedis!.stop());
    }

    log(`starting services in ${dataDir}${databaseUrl ? ' (Postgres and Redis from the environment)' : ''}`);
    const base: Record<string, string> = {
      NODE_ENV: 'development',
      DATA_DIR: dataDir,
      REDIS_PREFIX: prefix,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'warn',
      // Thousands of accounts are registered before the sale; the cost is a parameter, the path
      // the same. 10 (N = 1,024, ~4 ms here) is the lowest the config accepts; the default is 15.
      PASSWORD_SCRYPT_LOG_N: String(DROP_SCRYPT_LOG_N),
      SEED_DEMO: 'false',
      // Every fan registers from 127.0.0.1: a per-IP limit meant for one venue's Wi-Fi would stop the rehearsal.
      AUTH_LIMIT_PER_IP: '100000',
      GIFT_CARD_LOOKUPS_PER_MINUTE: '10000',
      // Likewise the waiting room's per-IP join limit: the whole crowd joins from one address.
      QUEUE_JOIN_LIMIT_PER_IP: '1000000',
    };
    const config = loadConfig({ ...base, DATABASE_URL: databaseUrl, REDIS_URL: redisUrl });
    const quiet = createLogger({ LOG_LEVEL: 'error', NODE_ENV: 'production' });
    // Our own boot: it starts the local services (when no URL is given), and its connection is
    // the audit's; the demo organizer (and admin) exist only in development seeds, and the drop
    // needs one to create its event through the API as any organizer would.
    booted = await bootLocal(config, quiet);
    const resolved = booted.infra.config;
    await seedAccounts(booted.infra.database.db, resolved);
    const organizer = demoAccounts.find((a) => a.roles.includes('organizer'))!;

    // The nodes and the worker: `npm run cluster`'s launcher, handed the services just started.
    const env: Record<string, string | undefined> = {
      ...options.env,
      ...base,
      REDIS_CLUSTER_NODES: '',
      ...options.childEnv,
    };
    const clusterConfig = loadConfig({ ...base, DATABASE_URL: resolved.DATABASE_URL, REDIS_URL: resolved.REDIS_URL });
    cluster = await startLocalCluster(clusterConfig, {
      nodes: options.nodes,
      port: 0,
      env,
      logger: quiet,
      output: 'ignore',
    });
    // Fans spread over the nodes themselves, as a load balancer would: the launcher's proxy
    // runs in this process, and the simulator's own event loop must not sit in every request.
    const urls = cluster.nodes.map((n) => `http://127.0.0.1:${n.port}`);
    log(`${options.nodes} API node${options.nodes > 1 ? 's' : ''} and a worker are up: ${urls.join(', ')}`);

    const running = cluster;
    const faults: FaultControls = {
      refuse: (kind) => {
        if (kind === 'kill-api' && running.nodes.length < 2) return 'kill-api needs 2 or more nodes';
        if (kind === 'restart-redis' && !ownRedis)
          return 'restart-redis needs the simulator’s own Redis; REDIS_URL names a shared service, which a rehearsal must not restart (unset it)';
        return null;
      },
      inject: async (kind) => {
        const at = Date.now();
        if (kind === 'kill-api') {
          // The last node: fans of every node keep going, those of this one move to the others.
          const node = running.nodes[running.nodes.length - 1]!;
          await running.kill(node.id);
          return {
            kind,
            target: `${node.id} (127.0.0.1:${node.port})`,
            at,
            recoveredAt: null,
            detail: 'SIGKILL; stays down, its fans fail over to the other nodes',
          };
        }
        if (kind === 'kill-worker') {
          await running.kill('worker');
          await new Promise((r) => setTimeout(r, WORKER_RESTART_MS));
          const replacement = await running.startWorker('worker-2');
          return {
            kind,
            target: 'worker',
            at,
            recoveredAt: Date.now(),
            detail: `SIGKILL; the admission scheduler stops until worker-2 (pid ${replacement.pid}) starts ${WORKER_RESTART_MS / 1000} s later`,
          };
        }
        // restart-redis: SIGTERM (Redis writes its append-only file out), then the same port and dir.
        const port = Number(new URL(ownRedis!.url).port);
        await ownRedis!.stop();
        ownRedis = await startLocalRedis(redisDir, createLogger({ LOG_LEVEL: 'error', NODE_ENV: 'production' }), {
          port,
        });
        return {
          kind,
          target: `redis-server 127.0.0.1:${port}`,
          at,
          recoveredAt: Date.now(),
          detail:
            'SIGTERM and restart on the same port from its append-only file (appendonly yes, appendfsync everysec)',
        };
      },
    };
    return {
      urls,
      sql: booted.infra.database.sql,
      // The nodes share this boot's signing key (the same DATA_DIR); the worker writes mail files there.
      mailbox: { keys: booted.infra.signer, dir: join(dataDir, 'mail') },
      redis: { url: resolved.REDIS_URL!, prefix },
      selfStarted: true,
      scryptLogN: DROP_SCRYPT_LOG_N,
      organizer: { email: organizer.email, password: DEMO_PASSWORD },
      proxyUrl: cluster.url,
      faults,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** `signingKey`: the target's SIGNING_KEY, to open the verification mails still in its outbox. */
export function targetDeployment(
  url: string,
  organizer: string,
  databaseUrl: string | undefined,
  signingKey?: string,
): Deployment {
  const sql = databaseUrl ? postgres(databaseUrl, { max: 2, onnotice: () => {} }) : null;
  const colon = organizer.indexOf(':');
  return {
    urls: [new URL(url).origin],
    sql,
    mailbox: signingKey ? { keys: signerFromKey(parseSigningKey(signingKey)), dir: null } : null,
    redis: null,
    selfStarted: false,
    scryptLogN: null,
    organizer: { email: organizer.slice(0, colon), password: organizer.slice(colon + 1) },
    proxyUrl: null,
    faults: null,
    stop: async () => void (await sql?.end({ timeout: 5 })),
  };
}
