import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './types.js';

/**
 * Starts the fan threads. The project runs TypeScript through tsx, whose loader hooks do not
 * reach worker threads on Node 20 (execArgv `--import tsx` is ignored there), so a `.ts`
 * worker registers tsx itself before importing the module; a compiled `.js` one is imported as is.
 */

export interface FanThread {
  send(message: ToWorker): void;
  /** Resolves with the next message of `type`; rejects when the thread fails or exits first. */
  next<T extends FromWorker['type']>(type: T): Promise<Extract<FromWorker, { type: T }>>;
  onProgress(listener: (message: Extract<FromWorker, { type: 'progress' }>) => void): void;
  terminate(): Promise<void>;
}

export function startFanThread(): FanThread {
  const url = new URL(`./worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
  let worker: Worker;
  if (url.pathname.endsWith('.ts')) {
    // require.resolve finds the CommonJS build; its ESM twin beside it is the one whose register() works here.
    const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
    const code = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`;
    worker = new Worker(code, { eval: true });
  } else {
    worker = new Worker(url);
  }
  const waiting = new Map<string, { resolve(m: FromWorker): void; reject(err: Error): void }>();
  const progress: ((m: Extract<FromWorker, { type: 'progress' }>) => void)[] = [];
  const failAll = (err: Error) => {
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  };
  worker.on('message', (message: FromWorker) => {
    if (message.type === 'progress') return progress.forEach((l) => l(message));
    if (message.type === 'failed') return failAll(new Error(`fan thread failed: ${message.message}`));
    const w = waiting.get(message.type);
    waiting.delete(message.type);
    w?.resolve(message);
  });
  worker.on('error', (err) => failAll(err));
  worker.on('exit', (code) => failAll(new Error(`fan thread exited with code ${code}`)));
  return {
    send: (message) => worker.postMessage(message),
    next: <T extends FromWorker['type']>(type: T) =>
      new Promise<Extract<FromWorker, { type: T }>>((resolve, reject) => {
        waiting.set(type, { resolve: resolve as (m: FromWorker) => void, reject });
      }),
    onProgress: (listener) => void progress.push(listener),
    terminate: async () => {
      worker.postMessage({ type: 'stop' } satisfies ToWorker);
      await worker.terminate();
    },
  };
}
