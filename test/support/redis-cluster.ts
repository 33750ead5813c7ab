import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';

/**
 * A throwaway Redis Cluster of `masters` primaries (no replicas) from the `redis-server` on the
 * PATH, for tests and benchmarks: free ports on 127.0.0.1, configs and data in a temp dir, slots
 * assigned by `redis-cli --cluster create`. `stop()` kills every server and removes the dir.
 */
export interface LocalRedisCluster {
  /** `127.0.0.1:<port>` of every master, the form REDIS_CLUSTER_NODES takes. */
  nodes: string[];
  stop(): Promise<void>;
}

/** A port that is free together with its cluster-bus port (port + 10000), which Redis opens too. */
async function freeClusterPort(taken: Set<number>): Promise<number> {
  const canListen = (port: number) =>
    new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 200; attempt++) {
    // Below the ephemeral range (32768+), so outgoing connections do not grab them meanwhile.
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    if (taken.has(port) || taken.has(port + 10_000)) continue;
    if ((await canListen(port)) && (await canListen(port + 10_000))) {
      taken.add(port);
      return port;
    }
  }
  throw new Error('no free port pair for a cluster node');
}

async function clusterInfo(port: number): Promise<string> {
  const probe = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return String(await probe.call('CLUSTER', 'INFO'));
  } catch {
    return '';
  } finally {
    probe.disconnect();
  }
}

export async function startRedisCluster(masters = 3, timeoutMs = 20_000): Promise<LocalRedisCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'fd-redis-cluster-'));
  const children: ChildProcess[] = [];
  const killAll = () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  // If the test process dies without reaching stop(), the servers must not outlive it.
  process.once('exit', killAll);
  const stop = async () => {
    process.removeListener('exit', killAll);
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.kill('SIGKILL');
        await exited;
      }),
    );
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const taken = new Set<number>();
    const ports: number[] = [];
    for (let i = 0; i < masters; i++) ports.push(await freeClusterPort(taken));
    for (const port of ports) {
      const child = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--dir',
          dir,
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, `nodes-${port}.conf`),
          '--cluster-node-timeout',
          '5000',
          '--save',
          '',
          '--appendonly',
          'no',
          '--logfile',
          join(dir, `redis-${port}.log`),
        ],
        { stdio: 'ignore' },
      );
      children.push(child);
      await once(child, 'spawn');
    }
    const deadline = Date.now() + timeoutMs;
    for (const port of ports) {
      while (!(await clusterInfo(port))) {
        if (Date.now() > deadline) throw new Error(`cluster node ${port} did not start; see ${dir}`);
        await sleep(50);
      }
    }
    const nodes = ports.map((p) => `127.0.0.1:${p}`);
    const create = spawnSync(
      'redis-cli',
      ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes'],
      { encoding: 'utf8', timeout: timeoutMs },
    );
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stderr || create.stdout}`);
    // Every node must see every slot covered before a client may rely on the slot map.
    for (const port of ports) {
      while (!(await clusterInfo(port)).includes('cluster_state:ok')) {
        if (Date.now() > deadline) throw new Error(`cluster_state never became ok on ${port}`);
        await sleep(50);
      }
    }
    return { nodes, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
