import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Answer } from '../load/http-client.mjs';
import { Pool } from './pool.js';

/**
 * A small JSON client over keep-alive connections (pool.ts, HTTP/1.1 over `net`/`tls`): fans reuse
 * connections as a browser does, the socket count per origin is bounded (so 10,000 fans do not
 * open 10,000 sockets from one thread), and each call reports its own latency. The public API
 * only. Not node:http: its client machinery was ~40% of a fan process's CPU, taken from the
 * servers the drop measures on the same machine.
 */

export interface ApiAnswer<T = unknown> {
  status: number;
  body: T;
  /** The problem document's `code`, `http_<status>` for another error body, `network_<errno>` when no answer came. */
  code: string | null;
  ms: number;
  /** Response headers, lower-cased (ETag, Cache-Control, Retry-After are read by pollers). */
  headers: Record<string, string | string[] | undefined>;
}

export interface CallOptions {
  token?: string;
  /** Sent as Idempotency-Key; a fresh one when `true`. */
  idempotencyKey?: string | true;
  timeoutMs?: number;
  /** Extra request headers (If-None-Match). */
  headers?: Record<string, string>;
  /** Drain the body without parsing it: a page whose JSON the simulator does not read (a seat map of ~1 MB). */
  discardBody?: boolean;
}

/** What a fan calls: one node's client, or a failover view over several. */
export type Api = Pick<ApiClient, 'call' | 'baseUrl'>;

/**
 * Requests of a fan who was admitted: seat map, holds, orders, "My orders". They get their own
 * pool: in a shared one, at 100,000 fans, an order would queue in the client behind hundreds
 * of polls and joins waiting on a slow node, and every hold would expire (60 s) before its
 * order left the simulator. A real fan's browser has its own connections; the crowd's pools must not
 * serialize one fan's purchase behind other fans' waiting.
 */
const PURCHASE_PATH = /^\/v1\/(holds|orders|me\/orders)|[?&]include=seats\b/;

/** A request line or header value that would split the request (node:http refuses these too). */
const UNSAFE = /[\r\n]/;

export class ApiClient {
  private readonly pool: Pool;
  private readonly purchasePool: Pool;
  private readonly url: URL;

  constructor(baseUrl: string, maxSockets = 128) {
    this.url = new URL(baseUrl);
    this.pool = new Pool(this.url, maxSockets);
    this.purchasePool = new Pool(this.url, maxSockets);
  }

  get baseUrl(): string {
    return this.url.origin;
  }

  call<T = unknown>(method: string, path: string, body?: unknown, options: CallOptions = {}): Promise<ApiAnswer<T>> {
    const started = performance.now();
    const json = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string | number> = { accept: 'application/json', ...options.headers };
    if (json !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(json);
    }
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.idempotencyKey)
      headers['idempotency-key'] = options.idempotencyKey === true ? randomUUID() : options.idempotencyKey;
    let request = `${method} ${path} HTTP/1.1\r\nhost: ${this.url.host}\r\n`;
    let unsafe = UNSAFE.test(path);
    for (const name in headers) {
      const line = `${name}: ${headers[name]}`;
      unsafe ||= UNSAFE.test(line);
      request += `${line}\r\n`;
    }
    if (unsafe) return Promise.reject(new TypeError(`a CR or LF in ${method} ${path} or its headers`));
    request += json === undefined ? '\r\n' : `\r\n${json}`;
    return new Promise((resolve) => {
      const done = (answer: Answer | undefined, errorCode?: string) =>
        resolve(answered<T>(answer, errorCode, performance.now() - started));
      const discard = options.discardBody === true;
      const timeoutMs = options.timeoutMs ?? 30_000;
      (PURCHASE_PATH.test(path) ? this.purchasePool : this.pool).send({ request, method, discard, timeoutMs, done });
    });
  }

  /** Destroys every connection (requests in flight end with status 0). */
  close(): void {
    this.pool.close();
    this.purchasePool.close();
  }
}

/** The ApiAnswer for an answer (its body parsed as JSON when it is JSON), or for none. */
function answered<T>(answer: Answer | undefined, errorCode: string | undefined, ms: number): ApiAnswer<T> {
  if (!answer) return { status: 0, body: undefined as T, code: `network_${errorCode ?? 'error'}`, ms, headers: {} };
  const text = answer.body.toString('utf8');
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  const status = answer.status;
  let code: string | null = null;
  if (status >= 400) {
    const problem = parsed as { code?: unknown } | undefined;
    code = typeof problem?.code === 'string' ? problem.code : `http_${status}`;
  }
  return { status, body: parsed as T, code, ms, headers: answer.headers ?? {} };
}

/** How long a node that refused a connection is skipped before it is tried again. */
const DOWN_MS = 5_000;
/** How long a request whose first try died with its node waits for that try's claim to go stale. */
const IN_PROGRESS_PATIENCE_MS = 45_000;

/**
 * The fans' view of several nodes behind a load balancer: calls go to the fan's own node and,
 * when it gives no answer at all (refused, reset: the node died), to the next one, as a
 * balancer's health check would route them. The idempotency key is fixed before the first try,
 * so a request that reached the dead node before it died is answered once, from the stored reply.
 */
export class FailoverClient {
  private readonly down = new Map<string, number>();

  constructor(private readonly clients: ApiClient[]) {}

  /** The client whose node `preferred` is, for a fan pinned there. */
  pinned(preferred: number): Api {
    return {
      baseUrl: this.clients[preferred % this.clients.length]!.baseUrl,
      call: <T>(method: string, path: string, body?: unknown, options: CallOptions = {}) =>
        this.call<T>(preferred, method, path, body, options),
    };
  }

  /** Node index to use now for a fan pinned to `preferred`: its own unless that one is down. */
  live(preferred: number): number {
    const n = this.clients.length;
    for (let step = 0; step < n; step++) {
      const i = (preferred + step) % n;
      if ((this.down.get(this.clients[i]!.baseUrl) ?? 0) <= Date.now()) return i;
    }
    return preferred % n;
  }

  urlOf(index: number): string {
    return this.clients[index % this.clients.length]!.baseUrl;
  }

  private async call<T>(
    preferred: number,
    method: string,
    path: string,
    body: unknown,
    options: CallOptions,
  ): Promise<ApiAnswer<T>> {
    const fixed: CallOptions = {
      ...options,
      idempotencyKey: options.idempotencyKey === true ? randomUUID() : options.idempotencyKey,
    };
    let answer: ApiAnswer<T> | undefined;
    let ms = 0;
    let failedOver = false;
    const until = Date.now() + IN_PROGRESS_PATIENCE_MS;
    for (let tries = 0; tries < this.clients.length + 64; tries++) {
      const i = this.live(preferred);
      const client = this.clients[i]!;
      answer = await client.call<T>(method, path, body, fixed);
      ms += answer.ms;
      if (answer.status === 0) {
        this.down.set(client.baseUrl, Date.now() + DOWN_MS);
        failedOver = true;
        if (tries < this.clients.length - 1) continue;
        break;
      }
      // The dead node claimed the key and will never finish: the claim is taken over once stale
      // (2 × REQUEST_TIMEOUT_MS); until then the API answers 409 + Retry-After, which we honour.
      if (failedOver && answer.code === 'idempotency.in_progress' && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 1_000));
        continue;
      }
      break;
    }
    // The fan waited for every try: that is the latency it saw.
    return { ...answer!, ms };
  }

  close(): void {
    for (const c of this.clients) c.close();
  }
}
