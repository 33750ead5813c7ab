import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import webpush from 'web-push';
import { deleteKeysUnder } from '../../src/infra/index.js';
import type { Booted } from '../../src/boot.js';
import { startLocalCluster, type LocalCluster } from '../cluster/local-cluster.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger, type Logger } from '../../src/logger.js';
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
  const prefix = `fddrop:${runId}:`;
  const dataDir = await makeDataDir();
  const teardown: Teardown = { undo: [], dataDir, keep: options.keep };
  const stop = () => tearDown(teardown);
  try {
    const databaseUrl = await createOwnDatabase(options.env, runId, teardown.undo);
    const redis = await redisForDrop(options.env, prefix, join(dataDir, 'redis'), teardown.undo);
    const fromEnv = [databaseUrl && 'Postgres', !redis.own && 'Redis'].filter(Boolean).join(' and ');
    log(`starting services in ${dataDir}${fromEnv ? ` (${fromEnv} from the environment)` : ''}`);
    const base = dropEnv(dataDir, prefix);
    const quiet = createLogger({ LOG_LEVEL: 'error', NODE_ENV: 'production' });
    // Our own boot: it starts the local services (when no URL is given), and its connection is
    // the audit's; the demo organizer (and admin) exist only in development seeds, and the drop
    // needs one to create its event through the API as any organizer would.
    const booted = await bootLocal(loadConfig({ ...base, DATABASE_URL: databaseUrl, REDIS_URL: redis.url }), quiet);
    teardown.booted = booted;
    const resolved = booted.infra.config;
    await seedAccounts(booted.infra.database.db, resolved);
    const cluster = await startNodes(options, base, resolved, quiet);
    teardown.cluster = cluster;
    // Fans spread over the nodes themselves, as a load balancer would: the launcher's proxy
    // runs in this process, and the simulator's own event loop must not sit in every request.
    const urls = cluster.nodes.map((n) => `http://127.0.0.1:${n.port}`);
    log(`${options.nodes} API node${options.nodes > 1 ? 's' : ''} and a worker are up: ${urls.join(', ')}`);
    const organizer = demoAccounts.find((a) => a.roles.includes('organizer'))!;
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
      faults: faultControls(cluster, redis),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function makeDataDir(): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), 'fairdrop-drop-'));
  // mkdtemp makes it 0700; run as root, embedded Postgres drops to the `postgres` user, which
  // must be able to enter it to create its own data folder inside.
  await chmod(dataDir, 0o755);
  return dataDir;
}

/** What a self-started deployment undoes when it stops; the boot and the cluster are set once they run. */
interface Teardown {
  /** Run last to first. */
  undo: (() => Promise<void>)[];
  booted?: Booted;
  cluster?: LocalCluster;
  dataDir: string;
  keep: boolean;
}

async function tearDown(teardown: Teardown): Promise<void> {
  // The nodes first (they drain in-flight requests), then the worker, then the services.
  await teardown.cluster?.stop().catch(() => undefined);
  await teardown.booted?.shutdown();
  for (const step of teardown.undo.reverse()) await step().catch(() => undefined);
  if (!teardown.keep) await rm(teardown.dataDir, { recursive: true, force: true });
}

/** An existing Postgres (DATABASE_URL) gets a database of its own, dropped afterwards; without one, undefined. */
async function createOwnDatabase(
  env: StartOptions['env'],
  runId: string,
  undo: Teardown['undo'],
): Promise<string | undefined> {
  if (!env.DATABASE_URL) return undefined;
  const adminUrl = env.DATABASE_URL;
  const name = `fd_drop_${runId}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  undo.push(async () => {
    const drop = postgres(adminUrl, { max: 1, onnotice: () => {} });
    await drop.unsafe(`drop database if exists ${name} with (force)`);
    await drop.end();
  });
  return url.toString();
}

interface DropRedis {
  url: string;
  /** The simulator's own redis-server, which the restart-redis fault replaces; null for a shared service. */
  own: LocalService | null;
  dir: string;
}

/**
 * A shared Redis (REDIS_URL) is used under the run's prefix, whose keys are deleted afterwards.
 * Without one the simulator starts redis-server itself (append-only, as `npm start` would), so
 * it holds the handle that the restart-redis fault needs. A shared service is never restarted.
 */
async function redisForDrop(
  env: StartOptions['env'],
  prefix: string,
  dir: string,
  undo: Teardown['undo'],
): Promise<DropRedis> {
  const shared = env.REDIS_URL || undefined;
  if (shared) {
    undo.push(() => deleteKeysUnder(shared, prefix));
    return { url: shared, own: null, dir };
  }
  const own = await startLocalRedis(dir, createLogger({ LOG_LEVEL: 'error', NODE_ENV: 'production' }));
  const redis: DropRedis = { url: own.url, own, dir };
  undo.push(() => redis.own!.stop());
  return redis;
}

function vapidPair(): { VAPID_PUBLIC_KEY: string; VAPID_PRIVATE_KEY: string } {
  const keys = webpush.generateVAPIDKeys();
  return { VAPID_PUBLIC_KEY: keys.publicKey, VAPID_PRIVATE_KEY: keys.privateKey };
}

/** The settings of the drop's own boot and of every node and worker. */
function dropEnv(dataDir: string, prefix: string): Record<string, string> {
  return {
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
    // Away fans (--away) subscribe to Web Push at the simulator's own receiver on 127.0.0.1,
    // which NODE_ENV=development accepts (production takes only PUSH_SERVICE_HOSTS over https).
    // One VAPID pair for the run, handed to every node and the worker: they sign, the fans'
    // receivers check against the key GET /v1/push/key publishes.
    ...vapidPair(),
  };
}

/** The nodes and the worker: `npm run cluster`'s launcher, handed the services just started. */
async function startNodes(
  options: StartOptions,
  base: Record<string, string>,
  resolved: Config,
  logger: Logger,
): Promise<LocalCluster> {
  const env: Record<string, string | undefined> = {
    ...options.env,
    ...base,
    REDIS_CLUSTER_NODES: '',
    ...options.childEnv,
  };
  const config = loadConfig({ ...base, DATABASE_URL: resolved.DATABASE_URL, REDIS_URL: resolved.REDIS_URL });
  return startLocalCluster(config, { nodes: options.nodes, port: 0, env, logger, output: 'ignore' });
}

function faultControls(cluster: LocalCluster, redis: DropRedis): FaultControls {
  return {
    refuse: (kind) => {
      if (kind === 'kill-api' && cluster.nodes.length < 2) return 'kill-api needs 2 or more nodes';
      if (kind === 'restart-redis' && !redis.own)
        return 'restart-redis needs the simulator’s own Redis; REDIS_URL names a shared service, which a rehearsal must not restart (unset it)';
      return null;
    },
    inject: (kind) => {
      if (kind === 'kill-api') return killLastNode(cluster);
      if (kind === 'kill-worker') return replaceWorker(cluster);
      return restartOwnRedis(redis);
    },
  };
}

/** The last node: fans of every node keep going, those of this one move to the others. */
async function killLastNode(cluster: LocalCluster): Promise<FaultOutcome> {
  const at = Date.now();
  const node = cluster.nodes[cluster.nodes.length - 1]!;
  await cluster.kill(node.id);
  return {
    kind: 'kill-api',
    target: `${node.id} (127.0.0.1:${node.port})`,
    at,
    recoveredAt: null,
    detail: 'SIGKILL; stays down, its fans fail over to the other nodes',
  };
}

async function replaceWorker(cluster: LocalCluster): Promise<FaultOutcome> {
  const at = Date.now();
  await cluster.kill('worker');
  await new Promise((r) => setTimeout(r, WORKER_RESTART_MS));
  const replacement = await cluster.startWorker('worker-2');
  return {
    kind: 'kill-worker',
    target: 'worker',
    at,
    recoveredAt: Date.now(),
    detail: `SIGKILL; the admission scheduler stops until worker-2 (pid ${replacement.pid}) starts ${WORKER_RESTART_MS / 1000} s later`,
  };
}

/** SIGTERM (Redis writes its append-only file out), then the same port and dir. */
async function restartOwnRedis(redis: DropRedis): Promise<FaultOutcome> {
  const at = Date.now();
  const port = Number(new URL(redis.own!.url).port);
  await redis.own!.stop();
  redis.own = await startLocalRedis(redis.dir, createLogger({ LOG_LEVEL: 'error', NODE_ENV: 'production' }), { port });
  return {
    kind: 'restart-redis',
    target: `redis-server 127.0.0.1:${port}`,
    at,
    recoveredAt: Date.now(),
    detail: 'SIGTERM and restart on the same port from its append-only file (appendonly yes, appendfsync everysec)',
  };
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
