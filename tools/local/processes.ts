import { readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Small helpers for the local services that the zero-setup start runs as child processes. */

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The process' command name on Linux, or null where /proc is unavailable. */
async function commandName(pid: number): Promise<string | null> {
  try {
    return (await readFile(`/proc/${pid}/comm`, 'utf8')).trim();
  } catch {
    return null;
  }
}

/**
 * A pid file left by an earlier run. When its process still runs (our parent was SIGKILLed
 * and the child outlived it) the process is stopped; when it is gone, or the pid now belongs
 * to something else, the file is removed. Either way the service can start again.
 */
export async function clearPidFile(
  pidFile: string,
  expectedCommand: string,
  signal: NodeJS.Signals,
): Promise<'none' | 'stale' | 'stopped'> {
  let pid: number;
  try {
    pid = Number.parseInt((await readFile(pidFile, 'utf8')).split('\n')[0] ?? '', 10);
  } catch {
    return 'none';
  }
  const name = Number.isFinite(pid) && pid > 0 && isAlive(pid) ? await commandName(pid) : 'gone';
  if (name === 'gone' || (name !== null && !name.startsWith(expectedCommand))) {
    await rm(pidFile, { force: true });
    return 'stale';
  }
  process.kill(pid, signal);
  for (let waited = 0; isAlive(pid); waited += 100) {
    if (waited > 15_000) process.kill(pid, 'SIGKILL');
    await sleep(100);
  }
  await rm(pidFile, { force: true });
  return 'stopped';
}
