/**
 * One load-generator thread: `concurrency` loops, each on its own keep-alive connection, sending
 * its next request as soon as the previous answer is read, until the deadline. Every request
 * carries the next account's bearer token from this thread's own slice, so a join is a fresh
 * entry until the slice runs out (then it wraps and joins answer the existing entry).
 * Both the API and the bare baselines are driven by this same code. Plain JavaScript: worker
 * threads do not inherit tsx's loader.
 *
 * HTTP/1.1 is spoken over `net` (tools/load/http-client.mjs), not fetch: see there why.
 *
 * `method: 'GET'` polls instead (`GET …/queue/me`, as a page without websockets does); with
 * `etags` (account token → the ETag it was last answered with), each request sends its
 * account's ETag back in `If-None-Match`, as a browser does: a 304 is the expected answer and
 * counts as answered.
 */
/* global performance */
import { randomUUID } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { connection, requestHead } from '../../tools/load/http-client.mjs';

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
const head = requestHead(method, url);

/** @param {string} token */
function requestFor(token) {
  if (method === 'GET') {
    const etag = revalidate ? etags.get(token) : undefined;
    // A browser revalidating its cached copy sends max-age=0 beside If-None-Match.
    const conditional = etag ? `If-None-Match: ${etag}\r\nCache-Control: max-age=0\r\n` : '';
    return `${head}Authorization: Bearer ${token}\r\n${conditional}\r\n`;
  }
  // As the queue page sends it: a key per attempt (the join checks its form, keeps no copy).
  return `${head}Authorization: Bearer ${token}\r\nContent-Type: application/json\r\nIdempotency-Key: ${randomUUID()}\r\nContent-Length: 2\r\n\r\n{}`;
}

const deadline = performance.now() + durationMs;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    let conn = connection(url);
    while (performance.now() < deadline) {
      const token = tokens[next++ % tokens.length];
      const t0 = performance.now();
      try {
        if (conn.closed) conn = connection(url);
        const { status, etag } = await conn.send(requestFor(token));
        if (revalidate && etag) etags.set(token, etag);
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (status < 300 || status === 304) ok++;
        else failed++;
      } catch {
        failed++;
      }
      // Every 8th latency: enough for percentiles without a large array per thread.
      if ((ok + failed) % 8 === 0) latencies.push(performance.now() - t0);
    }
    conn.close();
  }),
);
parentPort?.postMessage({
  ok,
  failed,
  statuses,
  latencies,
  fresh: Math.min(next, tokens.length),
});
