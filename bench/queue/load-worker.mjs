/**
 * One load-generator thread: `concurrency` loops, each on its own keep-alive connection, sending
 * its next request as soon as the previous answer is read, until the deadline. Every request
 * carries the next account's bearer token from this thread's own slice, so a join is a fresh
 * entry until the slice runs out (then it wraps and joins answer the existing entry).
 * Both the API and the bare baselines are driven by this same code. Plain JavaScript: worker
 * threads do not inherit tsx's loader.
 *
 * HTTP/1.1 is spoken over `net` directly, the way wrk and autocannon do: fetch (undici) spent
 * ~250 µs of CPU per request here, five times what a bare node:http 304 costs the server, so the
 * load generator rather than the server set the throughput and squeezed every ratio towards 1.
 * This client writes a prepared request and reads the status line, Content-Length (or chunked
 * framing) and ETag of the answer: what a server under test sends, nothing more.
 *
 * `method: 'GET'` polls instead (`GET …/queue/me`, as a page without websockets does); with
 * `etags` (account token → the ETag it was last answered with), each request sends its
 * account's ETag back in `If-None-Match`, as a browser does: a 304 is the expected answer and
 * counts as answered.
 */
/* global performance, URL, Buffer */
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';

/** @type {{ url: string, tokens: string[], concurrency: number, durationMs: number, method?: 'POST' | 'GET', etags?: Record<string, string> }} */
const { url, tokens, concurrency, durationMs, method = 'POST', etags: given } = workerData;
const target = new URL(url);
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
const head = `${method} ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\n`;

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

/**
 * One keep-alive connection answering one request at a time: `send` resolves with the answer's
 * status and ETag once its whole body has arrived.
 */
function connection() {
  const socket = connect({ host: target.hostname, port: Number(target.port), noDelay: true });
  /** @type {Buffer} */
  let pending = Buffer.alloc(0);
  /** @type {((answer: { status: number, etag: string | undefined }) => void) | undefined} */
  let resolve;
  /** @type {((err: Error) => void) | undefined} */
  let reject;
  let closed = false;
  const fail = (/** @type {Error} */ err) => {
    closed = true;
    reject?.(err);
    resolve = reject = undefined;
  };
  socket.on('error', fail);
  socket.on('close', () => fail(new Error('connection closed')));
  socket.on('data', (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    const end = pending.indexOf('\r\n\r\n');
    if (end < 0) return;
    const header = pending.toString('latin1', 0, end);
    const lower = header.toLowerCase();
    const status = Number(header.slice(9, 12));
    const bodyAt = end + 4;
    let complete;
    const length = /\r\ncontent-length: *(\d+)/.exec(lower);
    if (length) complete = pending.length >= bodyAt + Number(length[1]);
    else if (lower.includes('\r\ntransfer-encoding: chunked'))
      complete = pending.indexOf('\r\n0\r\n\r\n', bodyAt - 2) >= 0;
    else complete = true; // 204, 304: no body
    if (!complete) return;
    const etag = /\r\netag: *([^\r]+)/i.exec(header)?.[1];
    pending = Buffer.alloc(0);
    const done = resolve;
    resolve = reject = undefined;
    done?.({ status, etag });
  });
  return {
    get closed() {
      return closed;
    },
    /** @param {string} request */
    send(request) {
      return new Promise((res, rej) => {
        if (closed) return rej(new Error('connection closed'));
        resolve = res;
        reject = rej;
        socket.write(request);
      });
    },
    close: () => socket.destroy(),
  };
}

const deadline = performance.now() + durationMs;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    let conn = connection();
    while (performance.now() < deadline) {
      const token = tokens[next++ % tokens.length];
      const t0 = performance.now();
      try {
        if (conn.closed) conn = connection();
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
