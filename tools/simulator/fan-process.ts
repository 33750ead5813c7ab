import { fork, type ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { FromWorker, ToWorker } from './types.js';
import { cpuProfileArgs } from '../local/cpu-profile.js';

/**
 * Starts a fan process: a child of the simulator running a share of the crowd
 * (tools/simulator/worker.ts). Processes rather than worker threads because every process has
 * its own open-file limit (a hard 20,000 on the development machine): 100,000 fans' sockets
 * in one process, however many threads, would not fit. A `.ts` entry runs through tsx
 * (`--import tsx`, which does reach a forked child, unlike a worker thread); a compiled `.js`
 * one runs as is. Messages use the structured-clone serialization.
 */

export interface FanProcess {
  readonly pid: number | undefined;
  send(message: ToWorker): void;
  /** Resolves with the next message of `type`; rejects when the process fails or exits first. */
  next<T extends FromWorker['type']>(type: T): Promise<Extract<FromWorker, { type: T }>>;
  onProgress(listener: (message: Extract<FromWorker, { type: 'progress' }>) => void): void;
  terminate(): Promise<void>;
}

/**
 * Niceness of the fan processes (the simulator runs at 10 under `nice -n 10`). Real fans run on
 * their own devices; here the crowd shares the cores with the deployment it measures, and ten
 * busy fan processes given the same priority as three API nodes took most of their CPU (the
 * nodes got ~8% each at load 20). At 19 the pre-queue kept pace, but in the sale the starved
 * fans sent their orders after their 60 s holds had expired. At 15 a fan process weighs a
 * third of a node in the scheduler: the nodes come first, the crowd still gets its turn.
 */
export const FAN_NICE = 15;

/** A stopped process gets this long to close its sockets before SIGKILL. */
const STOP_GRACE_MS = 5_000;

export function startFanProcess(): FanProcess {
  const entry = new URL(`./worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
  const child: ChildProcess = fork(fileURLToPath(entry), [], {
    execArgv: [...(entry.pathname.endsWith('.ts') ? ['--import', 'tsx'] : []), ...cpuProfileArgs('fans')],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    if (child.pid) setPriority(child.pid, FAN_NICE);
  } catch {
    // Not allowed here: the crowd keeps the simulator's priority.
  }
  const waiting = new Map<string, { resolve(m: FromWorker): void; reject(err: Error): void }>();
  const progress: ((m: Extract<FromWorker, { type: 'progress' }>) => void)[] = [];
  let exited = false;
  let stopping = false;
  const failAll = (err: Error) => {
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  };
  child.on('message', (message: FromWorker) => {
    if (message.type === 'progress') return progress.forEach((l) => l(message));
    if (message.type === 'failed') return failAll(new Error(`fan process ${child.pid} failed: ${message.message}`));
    const w = waiting.get(message.type);
    waiting.delete(message.type);
    w?.resolve(message);
  });
  child.on('error', (err) => failAll(err));
  child.on('exit', (code, signal) => {
    exited = true;
    // Stopped on purpose: whoever still waits is being torn down too; nothing to report.
    if (stopping) return waiting.clear();
    failAll(new Error(`fan process ${child.pid} exited with ${signal ?? `code ${code}`}`));
  });
  return {
    pid: child.pid,
    send: (message) => {
      if (!exited && child.connected) child.send(message);
    },
    next: <T extends FromWorker['type']>(type: T) =>
      new Promise<Extract<FromWorker, { type: T }>>((resolve, reject) => {
        if (exited) return reject(new Error(`fan process ${child.pid} has exited`));
        waiting.set(type, { resolve: resolve as (m: FromWorker) => void, reject });
      }),
    onProgress: (listener) => void progress.push(listener),
    terminate: async () => {
      if (exited) return;
      stopping = true;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      if (child.connected) child.send({ type: 'stop' } satisfies ToWorker);
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await gone;
      clearTimeout(timer);
    },
  };
}
