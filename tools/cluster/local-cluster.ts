import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { schema } from '../../src/db/index.js';
import { servedConfig, type Config } from '../../src/config.js';
import type { Logger } from '../../src/logger.js';
import { bootLocal } from '../local/services.js';
import { seedDemo } from '../seed/index.js';
import { startProxy, type ProxyTarget } from './proxy.js';
import { cpuProfileArgs } from '../local/cpu-profile.js';

const { users } = schema;

/**
 * Several API processes and one worker on one machine, behind a round-robin proxy: the shape of
 * a production deployment (stateless nodes sharing Postgres and Redis) that a laptop can run.
 * The supervisor boots the services once — starting the local ones when no URL is configured,
 * as `npm start` does — migrates and seeds, then hands the resolved URLs to every child, so the
 * children neither race to start services nor to seed.
 */

export interface LocalClusterOptions {
  /** API processes; each listens on 127.0.0.1 at port + 1, port + 2, … */
  nodes: number;
  /** Where the proxy listens (HOST from config); 0 picks a free port and then the nodes' ports too. */
  port: number;
  /** The environment handed to every child (usually process.env); resolved URLs and per-node settings override it. */
  env: Record<string, string | undefined>;
  logger: Logger;
  /** How the children's output reaches the terminal; default inherit. */
  output?: 'inherit' | 'ignore';
  /** How long a node may take to answer /readyz. */
  readyTimeoutMs?: number;
}

export interface ClusterProcess {
  id: string;
  pid: number;
  /** API nodes only. */
  port?: number;
}

export interface LocalCluster {
  url: string;
  nodes: ClusterProcess[];
  worker: ClusterProcess;
  /** Stops the proxy, then every child (SIGTERM, SIGKILL after the shutdown timeout), then the local services. */
  stop(): Promise<void>;
  /** Fault injection (the drop simulator): signals one child, SIGKILL by default as a crash would, and waits for it to exit. */
  kill(id: string, signal?: NodeJS.Signals): Promise<void>;
  /** Starts another worker process under `id` (a replacement after a kill); resolves once it runs. */
  startWorker(id: string): Promise<ClusterProcess>;
}

const root = fileURLToPath(new URL('../..', import.meta.url));
const entry = (file: string) => resolve(root, 'src', file);

export async function startLocalCluster(config: Config, options: LocalClusterOptions): Promise<LocalCluster> {
  const { logger } = options;
  if (!Number.isInteger(options.nodes) || options.nodes < 1)
    throw new Error('--nodes must be a whole number of at least 1');
  const booted = await bootLocal(config, logger);
  const children: { process: ChildProcess; id: string }[] = [];
  let proxy: Awaited<ReturnType<typeof startProxy>> | undefined;
  let stopping = false;

  const stopChildren = async () => {
    const grace = config.SHUTDOWN_TIMEOUT_MS + 5_000;
    await Promise.all(
      children.map(async ({ process: child, id }) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        const timer = setTimeout(() => {
          logger.warn({ node: id }, 'did not stop in time; killing it');
          child.kill('SIGKILL');
        }, grace);
        await exited;
        clearTimeout(timer);
      }),
    );
  };
  const stop = async () => {
    stopping = true;
    await proxy?.close();
    await stopChildren();
    await booted.shutdown();
  };

  try {
    const { infra } = booted;
    if (config.SEED_DEMO && config.NODE_ENV !== 'production') {
      const existing = await infra.database.db.select({ id: users.id }).from(users).limit(1);
      if (existing.length === 0) await seedDemo(infra.database.db, infra.config, logger);
    }
    const shared: Record<string, string | undefined> = {
      ...options.env,
      DATABASE_URL: infra.config.DATABASE_URL,
      ...(infra.config.REDIS_CLUSTER_NODES
        ? { REDIS_CLUSTER_NODES: infra.config.REDIS_CLUSTER_NODES.join(',') }
        : { REDIS_URL: infra.config.REDIS_URL }),
      // Absolute, so every child finds the signing key the supervisor's boot created, whatever its cwd.
      DATA_DIR: resolve(config.DATA_DIR),
      SEED_DEMO: 'false',
    };
    const basePort = options.port === 0 ? await freeBlock(options.nodes) : options.port;
    // Fans reach the proxy, not a node: every node's links (mails, transfers, /docs) name it.
    shared.PUBLIC_URL = servedConfig(config, basePort).PUBLIC_URL;
    const spawnChild = (id: string, file: string, env: Record<string, string>) => {
      const child = spawn(process.execPath, ['--import', 'tsx', ...cpuProfileArgs(id), entry(file)], {
        cwd: root,
        env: { ...shared, NODE_ID: id, ...env },
        // The IPC channel lets a child notice when this supervisor dies, even by SIGKILL (see onSignals).
        stdio: ['ignore', options.output ?? 'inherit', options.output ?? 'inherit', 'ipc'],
      });
      children.push({ process: child, id });
      child.on('exit', (code, signal) => {
        if (!stopping) logger.error({ node: id, code, signal }, 'a cluster process exited');
      });
      return child;
    };
    const nodes: ClusterProcess[] = [];
    for (let i = 1; i <= options.nodes; i++) {
      const port = basePort + i;
      const child = spawnChild(`api-${i}`, 'main.ts', {
        PORT: String(port),
        HOST: '127.0.0.1',
        RUN_WORKERS: 'false',
        // One hop: the proxy appends the client's socket address to X-Forwarded-For, and the
        // nodes take that last entry. Not `loopback`: a client on this machine is loopback too,
        // and would have its forged entries to the left believed.
        TRUST_PROXY: '1',
      });
      nodes.push({ id: `api-${i}`, pid: child.pid!, port });
    }
    const workerChild = spawnChild('worker', 'worker.ts', {});
    const worker = { id: 'worker', pid: workerChild.pid! };

    await Promise.all(nodes.map((node, i) => waitReady(node, children[i]!.process, options.readyTimeoutMs ?? 90_000)));
    if (workerChild.exitCode !== null) throw new Error(`the worker exited with code ${workerChild.exitCode}`);

    const targets: ProxyTarget[] = nodes.map((n) => ({ id: n.id, host: '127.0.0.1', port: n.port! }));
    proxy = await startProxy({ host: config.HOST, port: basePort, targets, logger });
    const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST;
    const kill = async (id: string, signal: NodeJS.Signals = 'SIGKILL') => {
      const target = children.find((c) => c.id === id && c.process.exitCode === null && c.process.signalCode === null);
      if (!target) throw new Error(`no running cluster process ${id}`);
      const exited = once(target.process, 'exit');
      target.process.kill(signal);
      await exited;
    };
    const startWorker = async (id: string): Promise<ClusterProcess> => {
      const child = spawnChild(id, 'worker.ts', {});
      await once(child, 'spawn');
      return { id, pid: child.pid! };
    };
    return {
      url: `http://${host}:${proxy.port}`,
      nodes,
      worker,
      stop,
      kill,
      startWorker,
    };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

async function waitReady(node: ClusterProcess, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${node.id} exited (${child.exitCode ?? child.signalCode}) before it was ready`);
    try {
      const answer = await fetch(`http://127.0.0.1:${node.port}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (answer.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`${node.id} did not answer /readyz within ${Math.round(timeoutMs / 1000)} s`);
}

/** A port p such that p … p + count are all free (the proxy and the nodes), for --port 0. */
async function freeBlock(count: number): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((done) => {
      const server = createServer();
      server.once('error', () => done(false));
      server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
    });
  for (let attempt = 0; attempt < 100; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 10_000);
    let ok = true;
    for (let p = base; p <= base + count && ok; p++) ok = await free(p);
    if (ok) return base;
  }
  throw new Error('no block of free ports');
}
