import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { once } from 'node:events';
import type { Logger } from '../../src/logger.js';
import type { LocalService } from './embedded-postgres.js';
import { clearPidFile, freePort } from './processes.js';

export class RedisServerMissing extends Error {
  constructor() {
    super(
      'REDIS_URL is not set and there is no `redis-server` on the PATH to start one.\n' +
        'Install Redis 7 (Debian/Ubuntu: `sudo apt-get install redis-server`; macOS: `brew install redis`),\n' +
        'or run the whole stack with `docker compose up`, or set REDIS_URL to a Redis you already run.',
    );
    this.name = 'RedisServerMissing';
  }
}

/**
 * `redis-server` from the PATH for the zero-setup start, with its append-only file in `dir`
 * (queue entries survive a restart). A server left running by a SIGKILLed parent is stopped.
 */
export async function startLocalRedis(
  dir: string,
  logger: Logger,
  options: { port?: number } = {},
): Promise<LocalService> {
  const dataDir = resolve(dir);
  const log = logger.child({ component: 'local-redis' });
  await mkdir(dataDir, { recursive: true });
  const pidFile = resolve(dataDir, 'redis.pid');
  const previous = await clearPidFile(pidFile, 'redis-server', 'SIGTERM');
  if (previous !== 'none') log.warn({ previous }, 'recovered from an earlier run that did not stop cleanly');

  // A given port: a restart (the drop simulator's fault) comes back where the clients reconnect to.
  const port = options.port ?? (await freePort());
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dataDir,
      '--appendonly',
      'yes',
      // fsync once a second: at most one second of joins is lost if the machine (not the process) dies.
      '--appendfsync',
      'everysec',
      '--save',
      '',
      '--pidfile',
      pidFile,
      '--daemonize',
      'no',
      '--logfile',
      resolve(dataDir, 'redis.log'),
    ],
    { stdio: 'ignore' },
  );
  try {
    await once(child, 'spawn'); // rejects with the spawn error (ENOENT when there is no redis-server)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new RedisServerMissing();
    throw err;
  }

  const url = `redis://127.0.0.1:${port}`;
  await waitForRedis(port, child);
  log.info({ port, dataDir }, 'local Redis is up');
  return {
    url,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

async function waitForRedis(port: number, child: ReturnType<typeof spawn>): Promise<void> {
  const { Redis } = await import('ioredis');
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}; see its redis.log`);
    const probe = new Redis({
      port,
      host: '127.0.0.1',
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    probe.on('error', () => {}); // refusals are expected until it listens
    try {
      await probe.connect();
      // While it replays a large append-only file Redis answers LOADING; wait until it is done.
      if ((await probe.ping()) === 'PONG') return;
    } catch {
      // not up yet
    } finally {
      probe.disconnect();
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('redis-server did not answer within 10 s');
}
