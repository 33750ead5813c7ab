/**
 * One load-generator thread: `concurrency` loops, each sending its next request as soon as the
 * previous answer is read, over fetch (undici, keep-alive), until the deadline. Every request
 * carries the next account's bearer token from this thread's own slice, so a join is a fresh
 * entry until the slice runs out (then it wraps and joins answer the existing entry).
 * Both the API and the bare Express baseline are driven by this same code. Plain JavaScript:
 * worker threads do not inherit tsx's loader.
 *
 * `method: 'GET'` polls instead (`GET …/queue/me`, as a page without websockets does); with
 * `etags` (account token → the ETag it was last answered with), each request sends its
 * account's ETag back in `If-None-Match`, as a browser does: a 304 is the expected answer and
 * counts as answered.
 */
/* global fetch, performance */
import { randomUUID } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';

/** @type {{ url: string, tokens: string[], concurrency: number, durationMs: number, method?: 'POST' | 'GET', etags?: Record<string, string> }} */
const { url, tokens, concurrency, durationMs, method = 'POST', etags: given } = workerData;
const revalidate = given !== undefined;
let next = 0;
let ok = 0;
let failed = 0;
/** @type {Record<string, number>} */
const statuses = {};
/** @type {number[]} */
const latencies = [];
/** The ETag each account was last answered with (when revalidating). */
/** @type {Map<string, string>} */
const etags = new Map(Object.entries(given ?? {}));

/** @param {string} token */
function headersFor(token) {
  if (method === 'GET') {
    /** @type {Record<string, string>} */
    const headers = { authorization: `Bearer ${token}` };
    const etag = revalidate ? etags.get(token) : undefined;
    if (etag) {
      headers['if-none-match'] = etag;
      // A browser revalidating its cached copy sends this; without it fetch adds `no-cache`, which
      // Express' freshness check (rightly) answers with a full 200.
      headers['cache-control'] = 'max-age=0';
    }
    return headers;
  }
  // As the queue page sends it: a key per attempt (the join checks its form, keeps no copy).
  return { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() };
}

/** @param {string} token */
async function request(token) {
  const res = await fetch(url, { method, headers: headersFor(token), body: method === 'POST' ? '{}' : undefined });
  await res.arrayBuffer();
  const etag = res.headers.get('etag');
  if (revalidate && etag) etags.set(token, etag);
  return res.status;
}

const deadline = performance.now() + durationMs;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (performance.now() < deadline) {
      const token = tokens[next++ % tokens.length];
      const t0 = performance.now();
      try {
        const status = await request(token);
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (status < 300 || status === 304) ok++;
        else failed++;
      } catch {
        failed++;
      }
      // Every 8th latency: enough for percentiles without a large array per thread.
      if ((ok + failed) % 8 === 0) latencies.push(performance.now() - t0);
    }
  }),
);
parentPort?.postMessage({
  ok,
  failed,
  statuses,
  latencies,
  fresh: Math.min(next, tokens.length),
});
