/**
 * The benchmarks' HTTP/1.1 client: one keep-alive connection over `net`, one request at a time,
 * the way wrk and autocannon drive a server. fetch (undici) spent ~250 µs of CPU per request on a
 * 2-core machine, five times what bare node:http spends answering a 304, so a load generator built
 * on it set the throughput of the server it measured and pressed every ratio towards 1.
 *
 * It writes a request the caller prepared and reads the answer's status line, ETag and body
 * (Content-Length or chunked framing; none for 204 and 304): what the servers under test send.
 * Plain JavaScript, so that worker threads (which do not inherit tsx's loader) can import it;
 * its types are in http-client.d.mts.
 */
/* global URL, Buffer */
import { connect } from 'node:net';

/** The start of a request to `url`: its request line and Host header. */
export function requestHead(method, url) {
  const target = new URL(url);
  return `${method} ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\n`;
}

/** Where the body ends in `buf` from `at` when it is sent chunked, and the body itself; undefined while incomplete. */
function unchunk(buf, at) {
  const parts = [];
  for (;;) {
    const eol = buf.indexOf('\r\n', at);
    if (eol < 0) return undefined;
    const size = parseInt(buf.toString('latin1', at, eol), 16);
    if (size === 0) return buf.length >= eol + 4 ? Buffer.concat(parts) : undefined;
    if (buf.length < eol + 2 + size + 2) return undefined;
    parts.push(buf.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

/** One keep-alive connection to `url`'s host; `send` resolves once the whole answer has arrived. */
export function connection(url) {
  const target = new URL(url);
  const socket = connect({ host: target.hostname, port: Number(target.port), noDelay: true });
  let pending = Buffer.alloc(0);
  let resolve;
  let reject;
  let closed = false;
  const fail = (err) => {
    closed = true;
    const done = reject;
    resolve = reject = undefined;
    done?.(err);
  };
  socket.on('error', fail);
  socket.on('close', () => fail(new Error('connection closed')));
  socket.on('data', (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    const end = pending.indexOf('\r\n\r\n');
    if (end < 0) return;
    const header = pending.toString('latin1', 0, end);
    const status = Number(header.slice(9, 12));
    const at = end + 4;
    const length = /\r\ncontent-length: *(\d+)/i.exec(header);
    let body;
    if (length) {
      if (pending.length < at + Number(length[1])) return;
      body = pending.subarray(at, at + Number(length[1]));
    } else if (/\r\ntransfer-encoding: *chunked/i.test(header)) {
      body = unchunk(pending, at);
      if (!body) return;
    } else body = Buffer.alloc(0);
    const etag = /\r\netag: *([^\r]+)/i.exec(header)?.[1];
    pending = Buffer.alloc(0);
    socket.unref(); // an idle connection does not keep the process alive
    const done = resolve;
    resolve = reject = undefined;
    done?.({ status, etag, body });
  });
  return {
    get closed() {
      return closed;
    },
    send(request) {
      return new Promise((res, rej) => {
        if (closed) return rej(new Error('connection closed'));
        resolve = res;
        reject = rej;
        socket.ref();
        socket.write(request);
      });
    },
    close: () => socket.destroy(),
  };
}
