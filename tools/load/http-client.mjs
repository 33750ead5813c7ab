/**
 * A lean HTTP/1.1 client for what drives load at our servers: the benchmarks and the drop
 * simulator's fans. fetch (undici) spent ~250 µs of CPU per request on a 2-core machine, five times
 * what bare node:http spends answering a 304, and node:http's own client ~40% of a fan process's
 * CPU, so a load generator built on either set the throughput of the server it measured.
 *
 * A connection writes a request the caller prepared and reads one answer at a time, the way wrk
 * and autocannon drive a server: the status line, the headers (all of them, or only the ETag and
 * the framing), and the body by Content-Length, chunked framing, or up to the close (none for
 * HEAD, 1xx, 204 and 304). `AnswerReader` is that framing on its own; `connection` is the
 * benchmarks' single keep-alive connection over it (the simulator pools its own, in
 * tools/simulator/pool.ts). Plain JavaScript, so that worker threads (which do not inherit tsx's
 * loader) can import it; its types are in http-client.d.mts.
 */
/* global URL, Buffer */
import { connect } from 'node:net';

/** The start of a request to `url`: its request line and Host header. */
export function requestHead(method, url) {
  const target = new URL(url);
  return `${method} ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\n`;
}

/** What the reader is waiting for: a head, a body of known length, chunks, bytes up to the close, nothing. */
const HEAD = 0;
const LENGTH = 1;
const CHUNKED = 2;
const TO_CLOSE = 3;
const DONE = 4;

/** Headers node:http keeps the first of when repeated (its matchKnownFields); set-cookie is a list, others join with ', '. */
const SINGLE = new Set(
  'age authorization content-length content-type etag expires from host if-modified-since if-unmodified-since ' +
    'last-modified location max-forwards proxy-authorization referer retry-after server user-agent'.split(' '),
);

/** Every header of a response head, names lower-cased, repeats merged as node:http merges them. */
function parseHeaders(head) {
  const headers = {};
  let at = head.indexOf('\r\n') + 2;
  while (at > 1 && at < head.length) {
    let eol = head.indexOf('\r\n', at);
    if (eol < 0) eol = head.length;
    const colon = head.indexOf(':', at);
    if (colon > at && colon < eol) {
      const name = head.slice(at, colon).trim().toLowerCase();
      const value = head.slice(colon + 1, eol).trim();
      const had = headers[name];
      if (had === undefined) headers[name] = name === 'set-cookie' ? [value] : value;
      else if (name === 'set-cookie') had.push(value);
      else if (!SINGLE.has(name)) headers[name] = `${had}${name === 'cookie' ? '; ' : ', '}${value}`;
    }
    at = eol + 2;
  }
  return headers;
}

function malformed(what) {
  return Object.assign(new Error(`malformed HTTP answer: ${what}`), { code: 'HPE_INVALID_RESPONSE' });
}

/**
 * Reads answers, one at a time, from a connection's bytes as they arrive in however many pieces.
 * `expect` before each request; `push` each chunk: it returns the answer once complete. `end`
 * when the connection closes: an answer framed by the close is complete then. `push` throws on
 * bytes that are not HTTP (the connection is then unusable).
 */
export class AnswerReader {
  /** @param {{ headers?: boolean }} [options] headers: parse every header (else only the ETag). */
  constructor(options = {}) {
    this.allHeaders = options.headers === true;
    this.expect();
  }

  /** Starts reading the answer to the next request: `noBody` for HEAD; `discard` drops a body below 400. */
  expect(noBody = false, discard = false) {
    this.noBody = noBody;
    this.discard = discard;
    this.mode = HEAD;
    this.carry = undefined;
    this.parts = [];
    this.status = 0;
    this.etag = undefined;
    this.headers = undefined;
    this.close = false;
    this.remaining = 0;
    this.skip = 0;
    this.trailers = false;
  }

  push(chunk) {
    let buf = this.carry === undefined ? chunk : Buffer.concat([this.carry, chunk]);
    this.carry = undefined;
    let at = 0;
    while (this.mode === HEAD) {
      const end = buf.indexOf('\r\n\r\n', at);
      if (end < 0) {
        this.carry = buf.subarray(at);
        return undefined;
      }
      this.#head(buf.toString('latin1', at, end));
      at = end + 4;
    }
    if (this.mode === LENGTH) {
      const take = Math.min(this.remaining, buf.length - at);
      if (take > 0) this.#keep(buf.subarray(at, at + take));
      this.remaining -= take;
      return this.remaining === 0 ? this.#finish() : undefined;
    }
    if (this.mode === CHUNKED) return this.#unchunk(buf, at) ? this.#finish() : undefined;
    if (this.mode === TO_CLOSE) {
      if (at < buf.length) this.#keep(buf.subarray(at));
      return undefined;
    }
    return this.#finish();
  }

  /** The connection closed: the answer if its body ran to the close, else undefined (it was cut short). */
  end() {
    return this.mode === TO_CLOSE ? this.#finish() : undefined;
  }

  #head(head) {
    if (!head.startsWith('HTTP/1.')) throw malformed('status line');
    const status = Number(head.slice(9, 12));
    if (!(status >= 100 && status < 600)) throw malformed('status');
    if (status < 200 && status !== 101) return; // 100 Continue, 103 Early Hints: the answer follows
    this.status = status;
    this.close = /\r\nconnection:[^\r]*close/i.test(head) || head.startsWith('HTTP/1.0');
    if (this.allHeaders) {
      this.headers = parseHeaders(head);
      this.etag = this.headers.etag;
    } else this.etag = /\r\netag:[ \t]*([^\r]+)/i.exec(head)?.[1];
    this.keepBody = !this.discard || status >= 400;
    if (this.noBody || status === 204 || status === 304 || status === 101) this.mode = DONE;
    else if (/\r\ntransfer-encoding:[^\r]*chunked/i.test(head)) this.mode = CHUNKED;
    else {
      const length = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head);
      if (length) {
        this.remaining = Number(length[1]);
        this.mode = this.remaining > 0 ? LENGTH : DONE;
      } else {
        this.mode = TO_CLOSE;
        this.close = true;
      }
    }
  }

  /** Consumes chunked framing from `buf` at `at`; true once the last chunk and trailers are read. */
  #unchunk(buf, at) {
    for (;;) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, buf.length - at);
        if (take > 0) this.#keep(buf.subarray(at, at + take));
        at += take;
        this.remaining -= take;
        if (this.remaining > 0) return false;
        this.skip = 2; // the CRLF after a chunk's data
      }
      if (this.skip > 0) {
        const take = Math.min(this.skip, buf.length - at);
        at += take;
        this.skip -= take;
        if (this.skip > 0) return false;
      }
      const eol = buf.indexOf('\r\n', at);
      if (eol < 0) {
        this.carry = buf.subarray(at);
        return false;
      }
      if (this.trailers) {
        // After the last chunk: trailer lines, then an empty line ends the body.
        if (eol === at) return true;
        at = eol + 2;
        continue;
      }
      const size = parseInt(buf.toString('latin1', at, eol), 16);
      if (!(size >= 0)) throw malformed('chunk size');
      at = eol + 2;
      if (size === 0) this.trailers = true;
      else this.remaining = size;
    }
  }

  #keep(part) {
    if (this.keepBody) this.parts.push(part);
  }

  #finish() {
    const parts = this.parts;
    const answer = {
      status: this.status,
      etag: this.etag,
      headers: this.headers,
      body: parts.length === 1 ? parts[0] : Buffer.concat(parts),
      close: this.close,
    };
    this.parts = [];
    this.mode = DONE;
    return answer;
  }
}

/** One keep-alive connection to `url`'s host; `send` resolves once the whole answer has arrived. */
export function connection(url) {
  const target = new URL(url);
  const socket = connect({ host: target.hostname, port: Number(target.port), noDelay: true });
  const reader = new AnswerReader();
  let resolve;
  let reject;
  let closed = false;
  const settle = (answer, err) => {
    const [res, rej] = [resolve, reject];
    resolve = reject = undefined;
    if (answer) res?.(answer);
    else rej?.(err);
  };
  const fail = (err) => {
    closed = true;
    settle(undefined, err);
  };
  socket.on('error', fail);
  socket.on('close', () => {
    const answer = resolve ? reader.end() : undefined;
    closed = true;
    if (answer) settle(answer);
    else fail(new Error('connection closed'));
  });
  socket.on('data', (chunk) => {
    let answer;
    try {
      answer = reader.push(chunk);
    } catch (err) {
      socket.destroy();
      return fail(err);
    }
    if (!answer) return;
    socket.unref(); // an idle connection does not keep the process alive
    if (answer.close) {
      closed = true;
      socket.destroy();
    }
    settle(answer);
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
        reader.expect();
        socket.ref();
        socket.write(request);
      });
    },
    close: () => socket.destroy(),
  };
}
