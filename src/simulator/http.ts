import { randomUUID } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { performance } from 'node:perf_hooks';

/**
 * A small JSON client over node:http with keep-alive agents: fans reuse connections as a
 * browser does, the socket count per origin is bounded (so 10,000 fans do not open 10,000
 * sockets from one thread), and each call reports its own latency. The public API only.
 */

export interface ApiAnswer<T = unknown> {
  status: number;
  body: T;
  /** The problem document's `code`, `http_<status>` for another error body, `network_<errno>` when no answer came. */
  code: string | null;
  ms: number;
}

export interface CallOptions {
  token?: string;
  /** Sent as Idempotency-Key; a fresh one when `true`. */
  idempotencyKey?: string | true;
  timeoutMs?: number;
}

export class ApiClient {
  private readonly agent: HttpAgent;
  private readonly url: URL;

  constructor(baseUrl: string, maxSockets = 256) {
    this.url = new URL(baseUrl);
    const options = { keepAlive: true, maxSockets, keepAliveMsecs: 10_000 };
    this.agent = this.url.protocol === 'https:' ? new HttpsAgent(options) : new HttpAgent(options);
  }

  get baseUrl(): string {
    return this.url.origin;
  }

  call<T = unknown>(method: string, path: string, body?: unknown, options: CallOptions = {}): Promise<ApiAnswer<T>> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string | number> = { accept: 'application/json' };
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = payload.length;
    }
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey === true ? randomUUID() : options.idempotencyKey;
    const send = this.url.protocol === 'https:' ? httpsRequest : httpRequest;
    const started = performance.now();
    return new Promise((resolve) => {
      const done = (status: number, parsed: unknown, code: string | null) =>
        resolve({ status, body: parsed as T, code, ms: performance.now() - started });
      const req = send(
        { host: this.url.hostname, port: this.url.port, path, method, headers, agent: this.agent, timeout: options.timeoutMs ?? 30_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (err: NodeJS.ErrnoException) => done(0, undefined, `network_${err.code ?? 'error'}`));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              // not JSON: keep the text
            }
            const status = res.statusCode ?? 0;
            let code: string | null = null;
            if (status >= 400) {
              const problem = parsed as { code?: unknown } | undefined;
              code = typeof problem?.code === 'string' ? problem.code : `http_${status}`;
            }
            done(status, parsed, code);
          });
        },
      );
      req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'TIMEOUT' })));
      req.on('error', (err: NodeJS.ErrnoException) => done(0, undefined, `network_${err.code ?? 'error'}`));
      if (payload) req.write(payload);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
