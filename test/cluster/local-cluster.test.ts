import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from '../../tools/local/processes.js';
import { ApiClient } from '../support/api.js';
import { createTestDatabase, dropRedisPrefix, TEST_REDIS, type TestDatabase } from '../support/env.js';

/**
 * `npm run cluster -- --nodes 3` from the outside: the supervisor process, three API nodes and a
 * worker against the test Postgres and Redis, reached through the supervisor's proxy.
 */

interface Described {
  url: string;
  nodes: { id: string; pid: number; port: number }[];
  worker: { id: string; pid: number };
}

const root = fileURLToPath(new URL('../..', import.meta.url));
let db: TestDatabase;
let dataDir: string;
let supervisor: ChildProcess;
let cluster: Described;
const prefix = `fdt:cluster:${randomBytes(4).toString('hex')}:`;
let output = '';

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = await mkdtemp(join(tmpdir(), 'fd-cluster-'));
  supervisor = spawn(
    process.execPath,
    ['--import', 'tsx', 'tools/cli/cluster.ts', '--nodes', '3', '--port', '0', '--json'],
    {
      cwd: root,
      env: {
        ...process.env,
        NODE_ENV: 'test',
        DATABASE_URL: db.url,
        REDIS_URL: TEST_REDIS,
        REDIS_PREFIX: prefix,
        DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
        PASSWORD_SCRYPT_LOG_N: '10',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  supervisor.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const lines = createInterface({ input: supervisor.stdout! });
  cluster = await new Promise<Described>((resolve, reject) => {
    lines.on('line', (line) => {
      output += `${line}\n`;
      if (line.startsWith('{"cluster":')) resolve((JSON.parse(line) as { cluster: Described }).cluster);
    });
    supervisor.once('exit', (code) =>
      reject(new Error(`the cluster exited with ${code} before it was ready:\n${output}`)),
    );
  });
}, 120_000);

afterAll(async () => {
  if (supervisor && supervisor.exitCode === null && supervisor.signalCode === null) {
    supervisor.kill('SIGKILL');
    for (const p of [...(cluster?.nodes ?? []), ...(cluster ? [cluster.worker] : [])])
      if (isAlive(p.pid)) process.kill(p.pid, 'SIGKILL');
  }
  await dropRedisPrefix(prefix);
  await db?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('npm run cluster', () => {
  it('answers through the proxy from every API node in turn', async () => {
    const seen = new Map<string, number>();
    for (let i = 0; i < 30; i++) {
      const answer = await fetch(`${cluster.url}/readyz`);
      expect(answer.status).toBe(200);
      const node = answer.headers.get('x-fairdrop-node') ?? 'none';
      seen.set(node, (seen.get(node) ?? 0) + 1);
    }
    expect([...seen.keys()].sort()).toEqual(['api-1', 'api-2', 'api-3']);
    expect(cluster.nodes.map((n) => n.id)).toEqual(['api-1', 'api-2', 'api-3']);
  });

  it('forwards request bodies and sessions work whichever node answers', async () => {
    const api = new ApiClient(cluster.url);
    const { token } = await api.register(`cluster-${randomBytes(4).toString('hex')}@example.test`);
    const nodes = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const answer = await fetch(`${cluster.url}/v1/me/timeline`, { headers: { authorization: `Bearer ${token}` } });
      expect(answer.status).toBe(200);
      nodes.add(answer.headers.get('x-fairdrop-node') ?? 'none');
    }
    expect(nodes.size).toBe(3);
  });

  it('keeps socket.io long-polling sessions on their node and passes WebSocket upgrades', async () => {
    const sockets: Socket[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        // Default transports: the handshake and polls go over HTTP (sticky by sid), then the upgrade.
        const socket = connect(cluster.url, { reconnection: false });
        sockets.push(socket);
        await new Promise<void>((resolve, reject) => {
          socket.once('connect', resolve);
          socket.once('connect_error', reject);
        });
        if (socket.io.engine.transport.name !== 'websocket')
          await new Promise((resolve) => socket.io.engine.once('upgrade', resolve));
        expect(socket.io.engine.transport.name).toBe('websocket');
      }
      const ws = connect(cluster.url, { transports: ['websocket'], reconnection: false });
      sockets.push(ws);
      await new Promise<void>((resolve, reject) => {
        ws.once('connect', resolve);
        ws.once('connect_error', reject);
      });
    } finally {
      for (const s of sockets) s.disconnect();
    }
  });

  it('stops every process it started on SIGTERM', async () => {
    const pids = [...cluster.nodes.map((n) => n.pid), cluster.worker.pid];
    expect(pids.every(isAlive)).toBe(true);
    const exited = once(supervisor, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    supervisor.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
    expect(pids.filter(isAlive)).toEqual([]);
    await expect(fetch(`${cluster.url}/readyz`)).rejects.toThrow();
  }, 60_000);
});
