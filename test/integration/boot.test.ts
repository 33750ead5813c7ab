import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, isAlive } from '../../tools/local/processes.js';

/**
 * The README's first command, from the outside: `npm start` (tools/start.ts) with no
 * DATABASE_URL or REDIS_URL must serve the product on an embedded PostgreSQL and a spawned
 * Redis, keep its data across restarts, and survive being SIGKILLed. The product's own entry
 * (src/main.ts, the Docker image's) starts nothing of its own: it asks for its services.
 */

const dataDir = await mkdtemp(join(tmpdir(), 'fairdrop-boot-'));
// mkdtemp makes the folder private to root; Postgres runs as the `postgres` user and must reach it.
await chmod(dataDir, 0o755);
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  // Stop whatever a SIGKILLed parent left behind, then remove the data.
  const { clearPidFile } = await import('../../tools/local/processes.js');
  await clearPidFile(join(dataDir, 'pg', 'postmaster.pid'), 'postgres', 'SIGINT');
  await clearPidFile(join(dataDir, 'redis', 'redis.pid'), 'redis-server', 'SIGTERM');
  await rm(dataDir, { recursive: true, force: true });
});

function start(env: Record<string, string>, port?: number, entry = 'tools/start.ts') {
  const output: string[] = [];
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/root',
      DATA_DIR: dataDir,
      ...(port ? { PORT: String(port) } : {}),
      PASSWORD_SCRYPT_LOG_N: '10',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  children.push(child);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output, exited };
}

async function waitReady(port: number, child: ChildProcess, output: string[]): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < 60_000) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}: ${output.join('')}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (res.status === 200) return Date.now() - started;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`not ready within 60 s: ${output.join('')}`);
}

async function login(port: number) {
  return fetch(`http://127.0.0.1:${port}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'organizer@fairdrop.local', password: 'fairdrop-demo' }),
  });
}

describe('zero-setup start', () => {
  it('serves on embedded Postgres and a spawned Redis, survives SIGKILL, reuses its data, stops cleanly', async () => {
    const port = await freePort();
    const first = start({}, port);
    const readyMs = await waitReady(port, first.child, first.output);
    expect(readyMs).toBeLessThan(60_000);
    // The banner follows readiness by a moment (background jobs start in between).
    for (let i = 0; i < 100 && !first.output.join('').includes('organizer@fairdrop.local'); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(first.output.join('')).toContain('organizer@fairdrop.local');
    const session = await login(port);
    expect(session.status).toBe(200);
    const { user } = (await session.json()) as { user: { id: string } };

    first.child.kill('SIGKILL');
    await first.exited;
    const pgPid = Number((await readFile(join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0]);
    expect(isAlive(pgPid)).toBe(true); // the orphan the next start must deal with

    const second = start({}, port);
    await waitReady(port, second.child, second.output);
    expect(isAlive(pgPid)).toBe(false);
    const again = await login(port);
    expect(again.status).toBe(200);
    expect(((await again.json()) as { user: { id: string } }).user.id).toBe(user.id); // same data, not re-seeded

    second.child.kill('SIGTERM');
    const code = await second.exited;
    if (code !== 0) console.error(second.output.join('').slice(-3000));
    expect(code).toBe(0);
    const redisPid = Number((await readFile(join(dataDir, 'redis', 'redis.pid'), 'utf8').catch(() => '0')).trim());
    expect(redisPid === 0 || !isAlive(redisPid)).toBe(true);
  });

  it('says how to get Redis when there is none on the PATH', async () => {
    const run = start({ PATH: '/nonexistent' });
    const code = await run.exited;
    expect(code).not.toBe(0);
    const text = run.output.join('');
    expect(text).toContain('apt-get install redis-server');
    expect(text).toContain('docker compose up');
  });

  it('the product entry (src/main.ts) starts no service of its own: it names the ones it lacks', async () => {
    const run = start({}, undefined, 'src/main.ts');
    expect(await run.exited).toBe(78);
    const text = run.output.join('');
    expect(text).toContain('DATABASE_URL');
    expect(text).toContain('REDIS_URL');
    expect(text).toContain('npm start');
  });

  it('refuses to boot with bad configuration, naming every bad variable', async () => {
    const run = start({ PORT: 'eighty', SESSION_TTL_HOURS: '-3', DATABASE_URL: 'mysql://x' });
    expect(await run.exited).toBe(78);
    const text = run.output.join('');
    expect(text).toContain('PORT');
    expect(text).toContain('SESSION_TTL_HOURS');
    expect(text).toContain('DATABASE_URL');
  });
});
