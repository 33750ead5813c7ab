import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { scoreAll } from './lottery.js';

/**
 * Lottery scores computed on worker threads while the main thread keeps reading the
 * pre-queue from Redis: a million HMACs take ~3.5 s on one core of the dev machine, about half
 * that on two. The rule is the one in lottery.ts (scoreAll); tests check both agree.
 *
 * The worker is plain CommonJS passed as text (`eval: true`) so it runs the same under node,
 * tsx and vitest, none of which has to resolve a .ts worker file.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHmac } = require('node:crypto');
const key = Buffer.from(workerData.key);
parentPort.on('message', ({ seq, joined }) => {
  const ids = joined.split('\\n');
  // A fresh ArrayBuffer (not Buffer's shared pool), so it can be transferred without a copy.
  const bytes = new Uint8Array(ids.length * 32);
  for (let i = 0; i < ids.length; i++) createHmac('sha256', key).update(ids[i], 'utf8').digest().copy(bytes, i * 32);
  parentPort.postMessage({ seq, bytes }, [bytes.buffer]);
});
`;

export interface ScorePool {
  /** Scores of one chunk of entry ids, in the same order, as a buffer of 32-byte scores. */
  score(ids: readonly string[]): Promise<Buffer>;
  close(): Promise<void>;
}

/** Below this many entries the threads cost more to start than they save. */
export const PARALLEL_MIN_ENTRIES = 50_000;

export function defaultScoreThreads(): number {
  // Leave one core to the main thread, which parses Redis replies meanwhile; at least one worker.
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

export function startScorePool(seed: string, threads: number): ScorePool {
  if (threads < 1) {
    return { score: async (ids) => scoreAll(seed, ids), close: async () => {} };
  }
  const key = Buffer.from(seed, 'hex');
  const workers = Array.from({ length: threads }, () => new Worker(WORKER_SOURCE, { eval: true, workerData: { key } }));
  const pending = new Map<number, { resolve: (b: Buffer) => void; reject: (e: unknown) => void }>();
  let seq = 0;
  for (const worker of workers) {
    worker.on('message', (msg: { seq: number; bytes: Uint8Array }) => {
      pending.get(msg.seq)?.resolve(Buffer.from(msg.bytes.buffer, msg.bytes.byteOffset, msg.bytes.length));
      pending.delete(msg.seq);
    });
    worker.on('error', (error) => {
      for (const p of pending.values()) p.reject(error);
      pending.clear();
    });
  }
  return {
    score: (ids) =>
      new Promise<Buffer>((resolve, reject) => {
        const id = seq++;
        pending.set(id, { resolve, reject });
        // One joined string clones as a single copy; 20,000 separate strings cost far more.
        (workers[id % workers.length] as Worker).postMessage({ seq: id, joined: ids.join('\n') });
      }),
    close: async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
