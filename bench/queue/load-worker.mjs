/**
 * One load-generator thread: `concurrency` loops, each sending its next request as soon as the
 * previous answer is read, over fetch (undici, keep-alive), until the deadline. Every request
 * carries the next account's bearer token from this thread's own slice, so a join is a fresh
 * entry until the slice runs out (then it wraps and joins answer the existing entry).
 * Both the API and the bare Express baseline are driven by this same code. Plain JavaScript:
 * worker threads do not inherit tsx's loader.
 */
/* global fetch, performance */
import { randomUUID } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';

/** @type {{ url: string, tokens: string[], concurrency: number, durationMs: number }} */
const { url, tokens, concurrency, durationMs } = workerData;
let next = 0;
let ok = 0;
let failed = 0;
/** @type {Record<string, number>} */
const statuses = {};
/** @type {number[]} */
const latencies = [];
const deadline = performance.now() + durationMs;

await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (performance.now() < deadline) {
      const token = tokens[next++ % tokens.length];
      const t0 = performance.now();
      try {
        // As the queue page sends it: a key per attempt (the join checks its form, keeps no copy).
        const headers = {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'idempotency-key': randomUUID(),
        };
        const res = await fetch(url, { method: 'POST', headers, body: '{}' });
        await res.arrayBuffer();
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        if (res.status < 300) ok++;
        else failed++;
      } catch {
        failed++;
      }
      // Every 8th latency: enough for percentiles without a large array per thread.
      if ((ok + failed) % 8 === 0) latencies.push(performance.now() - t0);
    }
  }),
);
parentPort?.postMessage({ ok, failed, statuses, latencies, fresh: Math.min(next, tokens.length) });
