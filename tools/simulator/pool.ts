import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { AnswerReader, type Answer } from '../load/http-client.mjs';

/**
 * Keep-alive connections to one origin for the simulator's fans, as node:http's keep-alive Agent
 * kept them, without its machinery (ClientRequest, the parser, _flushOutput: ~40% of a fan
 * process's CPU): at most `max` connections, idle ones reused last-in first-out, a request that
 * finds all busy waits in a FIFO, one request at a time on a connection (no pipelining). A
 * connection the server closes is dropped; the request on it, if any, ends without an answer and
 * is not retried (FailoverClient retries with the same idempotency key).
 */

/** One request: written whole once a connection is free, answered once through `done`. */
export interface Exchange {
  /** The request's bytes: head, blank line, body. */
  request: string;
  method: string;
  /** Drop a body below 400 unread. */
  discard: boolean;
  /** Inactivity on the connection before the request is abandoned (node:http's `timeout`). */
  timeoutMs: number;
  /** The answer, or the network error code (ECONNREFUSED, ECONNRESET, TIMEOUT, …) when none came. */
  done(answer: Answer | undefined, errorCode?: string): void;
}

/** TCP keep-alive probes on idle connections, as the old agent's keepAliveMsecs. */
const TCP_KEEPALIVE_MS = 10_000;
/** An idle connection is closed this long before the server's announced `Keep-Alive: timeout=`, as newer node:http does, so a request is not written into a close. */
const KEEP_ALIVE_MARGIN_MS = 1_000;

export class Pool {
  private readonly all = new Set<PooledConnection>();
  private readonly idle: PooledConnection[] = [];
  private readonly waiting: (Exchange | undefined)[] = [];
  /** Index of the first waiting exchange: shifting a long array on every request would cost O(n). */
  private head = 0;

  constructor(
    private readonly url: URL,
    private readonly max: number,
  ) {}

  send(exchange: Exchange): void {
    const idle = this.idle.pop();
    if (idle) idle.send(exchange);
    else if (this.all.size < this.max) this.open().send(exchange);
    else this.waiting.push(exchange);
  }

  /** Destroys every connection; requests in flight end as ECONNRESET. */
  close(): void {
    for (const conn of [...this.all]) conn.destroy();
  }

  /** A connection finished its request and may carry another. */
  released(conn: PooledConnection): void {
    const next = this.next();
    if (next) conn.send(next);
    else {
      this.idle.push(conn);
      conn.rest();
    }
  }

  /** A connection closed: forget it, and open another for a waiting request. */
  dropped(conn: PooledConnection): void {
    if (!this.all.delete(conn)) return;
    const at = this.idle.indexOf(conn);
    if (at >= 0) this.idle.splice(at, 1);
    const next = this.next();
    if (next) this.open().send(next);
  }

  private open(): PooledConnection {
    const conn = new PooledConnection(this, this.url);
    this.all.add(conn);
    return conn;
  }

  private next(): Exchange | undefined {
    if (this.head >= this.waiting.length) return undefined;
    const next = this.waiting[this.head];
    this.waiting[this.head++] = undefined;
    if (this.head === this.waiting.length) {
      this.waiting.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.waiting.length) {
      this.waiting.splice(0, this.head);
      this.head = 0;
    }
    return next;
  }
}

class PooledConnection {
  private readonly socket: Socket;
  private readonly reader = new AnswerReader({ headers: true });
  private current: Exchange | undefined;
  /** How long it may rest idle: the server's keep-alive timeout less a margin; 0 = no limit. */
  private idleMs = 0;

  constructor(
    private readonly pool: Pool,
    url: URL,
  ) {
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const tls = url.protocol === 'https:';
    const port = Number(url.port) || (tls ? 443 : 80);
    this.socket = tls
      ? tlsConnect({ host, port, servername: isIP(host) ? undefined : host, ALPNProtocols: ['http/1.1'] })
      : netConnect({ host, port });
    this.socket.setNoDelay(true);
    this.socket.setKeepAlive(true, TCP_KEEPALIVE_MS);
    this.socket.on('data', (chunk: Buffer) => this.received(chunk));
    this.socket.on('error', (err: NodeJS.ErrnoException) => this.fail(err.code ?? 'error'));
    this.socket.on('timeout', () => (this.current ? this.fail('TIMEOUT') : this.socket.destroy()));
    this.socket.on('close', () => this.closed());
  }

  send(exchange: Exchange): void {
    this.current = exchange;
    this.reader.expect(exchange.method === 'HEAD', exchange.discard);
    this.socket.ref();
    this.socket.setTimeout(exchange.timeoutMs);
    this.socket.write(exchange.request);
  }

  /** Idle: it neither keeps the process alive nor outlives the server's keep-alive timeout. */
  rest(): void {
    this.socket.unref();
    this.socket.setTimeout(this.idleMs);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private received(chunk: Buffer): void {
    const exchange = this.current;
    if (!exchange) return void this.socket.destroy(); // bytes nobody asked for: the connection is out of step
    let answer: Answer | undefined;
    try {
      answer = this.reader.push(chunk);
    } catch (err) {
      return this.fail((err as NodeJS.ErrnoException).code ?? 'error');
    }
    if (!answer) return;
    this.current = undefined;
    const reusable = !answer.close && this.keepAlive(answer);
    exchange.done(answer);
    if (reusable) this.pool.released(this);
    else {
      this.socket.destroy();
      this.pool.dropped(this);
    }
  }

  /** Reads the server's `Keep-Alive: timeout=N`: false when N leaves no safe time to reuse the connection. */
  private keepAlive(answer: Answer): boolean {
    const hint = answer.headers?.['keep-alive'];
    const seconds = typeof hint === 'string' ? /timeout=(\d+)/.exec(hint)?.[1] : undefined;
    if (seconds === undefined) return true;
    this.idleMs = Number(seconds) * 1000 - KEEP_ALIVE_MARGIN_MS;
    return this.idleMs > 0;
  }

  /** No answer will come: the request ends with the error code, the connection is dropped. */
  private fail(code: string): void {
    const exchange = this.current;
    this.current = undefined;
    this.socket.destroy();
    this.pool.dropped(this);
    exchange?.done(undefined, code);
  }

  private closed(): void {
    const exchange = this.current;
    this.current = undefined;
    this.pool.dropped(this);
    if (!exchange) return;
    // A body framed by the close is complete now; anything else was cut short (node:http: "socket hang up").
    const answer = this.reader.end();
    if (answer) exchange.done(answer);
    else exchange.done(undefined, 'ECONNRESET');
  }
}
