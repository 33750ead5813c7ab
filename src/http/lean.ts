import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQueryString } from 'node:querystring';
import type { Principal } from '../auth/principal.js';
import type { Logger } from '../logger.js';
import { AppError } from '../shared/errors.js';
import { fresh } from './fresh.js';
import { measureRequest, observeRequest, type Metrics } from './metrics.js';
import { idempotencyKeyOf, principalFor, replyOf, routeTable, storesAnswers, type Pipeline } from './mount.js';
import { problemDocument } from './problem.js';
import { logWhenDone, requestIdOf } from './request-log.js';
import { ContextBase, JsonText, parsePart, type AnyRoute } from './route.js';
import { pathSegments } from './route-table.js';
import type { SecurityHeader } from './security-headers.js';
import { sendFile, type StaticFile } from './static-file.js';

/**
 * The lean path: the routes marked `lean` (the waiting room's hot ones), answered straight
 * from Node's HTTP server when the request has the common shape, without Express around them.
 * A join or a poll then pays for what it needs — the route found in the same table as
 * mountRoutes', the same session check, validation, handler and response schema, the same
 * request id, log line, metrics, security headers and timeout — and not for a dozen
 * middleware calls, Express' request and response prototypes, a body parser built on streams
 * and a router stack (about half a join's API CPU in bench:queue's profile).
 *
 * What it answers is what the Express pipeline answers, header for header: GET answers get
 * Express' weak ETag (unless the route set its own) and its 304 on a matching If-None-Match;
 * errors are the same problem documents. Requests of any other shape go to Express untouched:
 * another method (HEAD, OPTIONS), a body that is not plain JSON within the limit (compressed,
 * chunked, another type or charset: Express' parser answers those), an `Origin` when CORS is
 * on, an `X-Forwarded-For` when the trusted proxies are a list of addresses or subnets (Express
 * matches them; a hop count or `true`, as docker-compose sets, is applied here the same way).
 *
 * With `files`, the pages and their bundles (in memory once built) are answered here too, by
 * the same function Express' middlewares use (static-file.ts).
 */

export interface LeanOptions {
  /** Every API route, in mountRoutes' order: the lean ones are found in the same table. */
  routes: readonly AnyRoute[];
  pipeline: Pipeline;
  logger: Logger;
  metrics: Metrics;
  /** The security headers every response carries (securityHeaderList). */
  headers: readonly SecurityHeader[];
  requestTimeoutMs: number;
  /** The JSON body limit in bytes (BODY_LIMIT); a larger body goes to Express, which answers 413. */
  bodyLimit: number;
  /** Whether CORS is on: a request with an Origin then goes through Express' cors(). */
  cors: boolean;
  /**
   * TRUST_PROXY, as Express is told it. A hop count or `true` is applied here as Express applies
   * it (clientAddress); with a list of addresses or subnets, a request with X-Forwarded-For goes
   * to Express, which matches them.
   */
  trustProxy: boolean | number | readonly string[];
  /**
   * The pages and bundles held in memory (webPages' and webAssets' `find`), by request path:
   * a GET for one that no API route answers is answered here, as Express' middlewares would.
   */
  files?: (path: string, req: IncomingMessage) => StaticFile | undefined;
}

/** Answers the request and returns true, or returns false having touched nothing (Express answers it). */
export type LeanHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

const JSON_TYPE = /^application\/json\s*(?:;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

type Body = 'none' | 'json';

export function leanPath(o: LeanOptions): LeanHandler {
  const table = routeTable(o.routes);
  const lean = new Set<AnyRoute>();
  for (const route of o.routes) {
    if (!route.lean) continue;
    if (route.method !== 'get' && (route.method !== 'post' || storesAnswers(route)))
      throw new Error(`${route.method} ${route.path}: only GET routes and POSTs that store no answer can be lean`);
    lean.add(route);
  }
  if (lean.size === 0) return () => false;
  const shared: Shared = {
    o,
    preset: o.headers.flat(),
    memo: new ParamsMemo(),
    deadlines: new Deadlines(o.requestTimeoutMs, (call) =>
      call.fail(
        new AppError(503, 'request.timeout', `The request took longer than ${o.requestTimeoutMs} ms.`, {
          headers: { 'Retry-After': '1' },
        }),
      ),
    ),
  };

  return (req, res) => {
    const method = req.method;
    if (method !== 'GET' && method !== 'POST') return false;
    const url = req.url!;
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const headers = req.headers;
    if (o.cors && headers.origin !== undefined) return false;
    let match;
    try {
      const parts = pathSegments(path);
      match = table.find(method === 'GET' ? 'get' : 'post', parts);
      if (!match && method === 'GET' && o.files && !table.find('405', parts)) {
        const file = o.files(path, req);
        if (!file) return false;
        serveFile(o, req, res, file);
        return true;
      }
    } catch {
      // A malformed parameter: Express answers the 400.
      return false;
    }
    if (!match || typeof match.value === 'string' || !lean.has(match.value)) return false;
    if (typeof o.trustProxy === 'object' && headers['x-forwarded-for'] !== undefined) return false;
    const body = method === 'POST' ? bodyOf(headers, o.bodyLimit) : 'none';
    if (body === null) return false;
    void serve(shared, match.value, match.pattern, match.params, req, res, body);
    return true;
  };
}

/**
 * The body a POST carries, when it is one the lean path reads as Express' JSON parser would:
 * none, or UTF-8 JSON of a declared length within the limit. null: Express should answer it.
 */
function bodyOf(headers: IncomingHttpHeaders, limit: number): Body | null {
  if (headers['transfer-encoding'] !== undefined) return null;
  const encoding = headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return null;
  const length = headers['content-length'];
  if (length === undefined) return 'none';
  const n = Number(length);
  if (!Number.isInteger(n) || n > limit) return null;
  const type = headers['content-type'];
  if (type === undefined || !JSON_TYPE.test(type)) return n > 0 ? null : 'none';
  return 'json';
}

/** The JSON body, as Express' parser (strict: false) reads it: an empty body is `{}`. */
function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let first: Buffer | null = null;
    let more: Buffer[] | null = null;
    req.on('data', (chunk: Buffer) => {
      if (first === null) first = chunk;
      else (more ??= [first]).push(chunk);
    });
    req.once('error', reject);
    req.once('end', () => {
      const bytes = more ? Buffer.concat(more) : first;
      // A byte-order mark is not part of the JSON (the parser's decoder drops it too).
      let text = bytes ? bytes.toString('utf8') : '';
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (text.length === 0) return resolve({});
      try {
        resolve(JSON.parse(text));
      } catch (err) {
        reject(
          new AppError(
            400,
            'request.malformed_json',
            `The request body is not valid JSON: ${(err as Error).message}.`,
            {
              errors: [{ in: 'body', field: '', code: 'malformed_json', message: 'not valid JSON' }],
            },
          ),
        );
      }
    });
  });
}

/** What Express answers for a page or bundle, with what its middlewares add to every answer. */
function serveFile(o: LeanOptions, req: IncomingMessage, res: ServerResponse, file: StaticFile): void {
  const id = requestIdOf(req.headers['x-request-id']);
  res.setHeader('X-Request-Id', id);
  logWhenDone(o.logger, req, res, id);
  // Express labels what no route answered `unmatched` (its middlewares serve these).
  measureRequest(o.metrics, res, req.method!, 'unmatched');
  for (const [name, value] of o.headers) res.setHeader(name, value);
  sendFile(req, res, file);
}

/** What every lean request of one server shares. */
interface Shared {
  o: LeanOptions;
  /** The security headers, flattened once (name, value, name, value…). */
  preset: readonly string[];
  memo: ParamsMemo;
  deadlines: Deadlines;
}

async function serve(
  shared: Shared,
  route: AnyRoute,
  pattern: string,
  rawParams: Record<string, string>,
  req: IncomingMessage,
  res: ServerResponse,
  body: Body,
): Promise<void> {
  const { o } = shared;
  const id = requestIdOf(req.headers['x-request-id']);
  logWhenDone(o.logger, req, res, id);
  const call = new LeanCall(req, res, id, o.logger, shared.preset, { metrics: o.metrics, route: pattern });
  shared.deadlines.add(call);
  try {
    await run(o.pipeline, o.trustProxy, shared.memo, route, rawParams, call, body);
  } catch (err) {
    call.fail(err);
  } finally {
    shared.deadlines.delete(call);
  }
}

/**
 * The lean requests in flight, each answered with the timeout problem once it has run longer
 * than the request timeout. One interval checks them all, every tenth of the timeout (at most
 * a second), instead of a timer armed and cleared for every request (about 3% of a 304's CPU
 * under perf): a request is answered between the timeout and the timeout plus one check after
 * it started. The interval runs only while requests are in flight, and never holds the process.
 */
class Deadlines {
  /** In the order they started (a Set iterates in insertion order): the oldest first. */
  private readonly calls = new Set<LeanCall>();
  private timer: NodeJS.Timeout | null = null;
  private readonly everyMs: number;

  constructor(
    private readonly timeoutMs: number,
    private readonly expire: (call: LeanCall) => void,
  ) {
    this.everyMs = Math.min(1_000, Math.max(10, Math.floor(timeoutMs / 10)));
  }

  add(call: LeanCall): void {
    this.calls.add(call);
    this.timer ??= setInterval(() => this.check(), this.everyMs).unref();
  }

  delete(call: LeanCall): void {
    this.calls.delete(call);
  }

  private check(): void {
    const now = performance.now();
    for (const call of this.calls) {
      if (now - call.started < this.timeoutMs) break;
      this.calls.delete(call);
      if (!call.res.headersSent) this.expire(call);
    }
    if (this.calls.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }
}

async function run(
  pipeline: Pipeline,
  trustProxy: LeanOptions['trustProxy'],
  memo: ParamsMemo,
  route: AnyRoute,
  rawParams: Record<string, string>,
  call: LeanCall,
  body: Body,
): Promise<void> {
  const { req } = call;
  // Read before anything else, as Express' parser runs before the routes: bad JSON is a 400 even unsigned.
  const json = body === 'json' ? await readJson(req) : undefined;
  const principal = await principalFor(route, req.headers.authorization, pipeline);
  const params = route.params ? memo.parse(route, route.params, rawParams) : undefined;
  const query = route.query ? parsePart('query', route.query, call.query()) : undefined;
  const parsedBody = route.body ? parsePart('body', route.body, json) : undefined;
  // A list of trusted proxies never gets here with X-Forwarded-For (see leanPath): only the socket counts then.
  const ip = clientAddress(req, typeof trustProxy === 'object' ? false : trustProxy) ?? 'unknown';
  if (route.rateLimits) await pipeline.rateLimiter.hit(route.rateLimits({ ip, principal, body: parsedBody }));
  idempotencyKeyOf(route, req.headers['idempotency-key'] as string | undefined);
  const ctx = new LeanContext(call, { params, query, body: parsedBody, principal, ip });
  const { status, payload, headers } = replyOf(route, await route.handler(ctx));
  call.send(status, payload, headers);
}

/**
 * The path parameters each lean route validated last, with what they parsed to. A drop's crowd
 * asks about one event, so nearly every request carries the parameters the one before it did,
 * and validating them again (a UUID's pattern through zod, a few µs) could only say the same:
 * path parameter schemas are pure (formats, patterns, coercions). The parsed object is frozen,
 * as it is shared by the requests that carry the same parameters; a new value is validated and
 * becomes the one remembered, a refused one is not remembered.
 */
class ParamsMemo {
  private readonly last = new Map<AnyRoute, { raw: Record<string, string>; parsed: unknown }>();

  parse(route: AnyRoute, schema: NonNullable<AnyRoute['params']>, raw: Record<string, string>): unknown {
    const last = this.last.get(route);
    if (last && sameParams(last.raw, raw)) return last.parsed;
    const parsed: unknown = parsePart('params', schema, raw);
    this.last.set(route, { raw, parsed: Object.freeze(parsed) });
    return parsed;
  }
}

/** Whether two parameter objects of the same route (the same names, in its pattern's order) hold the same values. */
function sameParams(a: Record<string, string>, b: Record<string, string>): boolean {
  for (const name in b) if (a[name] !== b[name]) return false;
  return true;
}

/**
 * The client's address as Express' `req.ip` works it out (proxy-addr) for `trust proxy` set to
 * false, true or a hop count: the socket's address, then X-Forwarded-For's entries from the
 * right, each trusted hop passed over; `true` trusts them all (the leftmost entry).
 */
export function clientAddress(req: IncomingMessage, trust: boolean | number): string | undefined {
  const socket = req.socket.remoteAddress;
  const raw = req.headers['x-forwarded-for'];
  const header = Array.isArray(raw) ? raw.join(', ') : raw;
  if (trust === false || trust === 0 || !header) return socket;
  // As the `forwarded` package reads the header: comma-separated, spaces around entries dropped, empty ones skipped.
  const hops = header
    .split(',')
    .map((entry) => entry.replace(/^ +| +$/g, ''))
    .filter((entry) => entry.length > 0);
  if (hops.length === 0) return socket;
  if (trust === true) return hops[0];
  // [socket, rightmost, …, leftmost]: the first untrusted one is at index `trust` (or the last there is).
  const fromRight = Math.min(trust, hops.length);
  return hops[hops.length - fromRight];
}

/**
 * One request on the lean path: what the pipeline reads of it, and how it is answered.
 *
 * Its headers are gathered in a flat list (name, value, name, value…) and written with the
 * status in one `writeHead`: the response's own header map (`setHeader`) lowercases, stores and
 * looks up every name, which for the dozen security headers every answer carries was a visible
 * share of a 304's CPU. The names and the order on the wire are what setHeader would give.
 */
class LeanCall {
  private child: Logger | undefined;
  private readonly headers: string[];
  /** performance.now() when the request was taken: its deadline and its latency count from here. */
  readonly started = performance.now();

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly id: string,
    private readonly logger: Logger,
    preset: readonly string[],
    private readonly measured: { metrics: Metrics; route: string },
  ) {
    this.headers = ['X-Request-Id', id, ...preset];
  }

  /** Sets a response header, replacing one of the same name (as `res.setHeader`). */
  setHeader(name: string, value: string): void {
    const at = this.indexOf(name);
    if (at < 0) this.headers.push(name, value);
    else this.headers[at + 1] = value;
  }

  private indexOf(name: string): number {
    const headers = this.headers;
    for (let i = 0; i < headers.length; i += 2) {
      const known = headers[i]!;
      if (known === name || (known.length === name.length && known.toLowerCase() === name.toLowerCase())) return i;
    }
    return -1;
  }

  private getHeader(name: string): string | undefined {
    const at = this.indexOf(name);
    return at < 0 ? undefined : this.headers[at + 1];
  }

  /**
   * Writes the status and the headers gathered, then the body (if any), and counts the answer in
   * the request metrics there and then: every lean answer is written here, so no 'finish'
   * listener per request is needed to learn its status.
   */
  private finish(status: number, body?: JsonText): void {
    const { res } = this;
    res.writeHead(status, this.headers);
    const parts = body?.parts ?? [];
    if (parts.length <= 1) res.end(parts[0]);
    else {
      // One write for the head and every piece, as far as the socket takes them (end uncorks).
      res.cork();
      for (let i = 0; i < parts.length - 1; i++) res.write(parts[i]!);
      res.end(parts.at(-1)!);
    }
    observeRequest(this.measured.metrics, this.req.method!, this.measured.route, status, this.started);
  }

  /** A logger bound to the request id, made on first use. */
  get log(): Logger {
    return (this.child ??= this.logger.child({ reqId: this.id }));
  }

  /** The query string as Express 5's default ("simple") parser reads it. */
  query(): unknown {
    const url = this.req.url!;
    const q = url.indexOf('?');
    return parseQueryString(q < 0 ? '' : url.slice(q + 1));
  }

  /**
   * Writes the answer as mountRoutes' send and sendProblem do: a GET's answer and any problem
   * by Express' `res.send` rules (weak ETag unless set, 304 when fresh on a GET, Content-Length),
   * any other method's JSON as it is.
   */
  send(status: number, body: unknown, headers: Record<string, string>, problem = false): void {
    const { res } = this;
    if (res.headersSent) {
      // The timeout answered first.
      this.log.error({ status }, 'answer after the response started');
      res.destroy();
      return;
    }
    for (const name in headers) this.setHeader(name, headers[name]!);
    if (status === 204 || body === undefined) {
      this.finish(status);
      return;
    }
    const type = this.getHeader('Content-Type');
    const json = body instanceof JsonText ? body : new JsonText(JSON.stringify(body));
    const length = json.byteLength;
    // Problems go through `res.send` on the Express path whatever the method, so they get its ETag too.
    if (this.req.method !== 'GET' && !problem) {
      if (type === undefined) this.headers.push('Content-Type', 'application/json; charset=utf-8');
      // What `res.end(text)` adds by itself when no head was written yet.
      this.headers.push('Content-Length', String(length));
      this.finish(status, json);
      return;
    }
    const given = this.getHeader('ETag');
    const etag = given ?? weakEtag(json.text, length);
    const revalidated = this.req.method === 'GET' && ((status >= 200 && status < 300) || status === 304);
    const notModified = status === 304 || (revalidated && fresh(this.req.headers, etag));
    // In `res.send`'s order: type, length, ETag; a 304 has no body, so neither type nor length.
    if (notModified) {
      if (type !== undefined) this.headers.splice(this.indexOf('Content-Type'), 2);
    } else {
      if (type === undefined)
        this.headers.push(
          'Content-Type',
          problem ? 'application/problem+json; charset=utf-8' : 'application/json; charset=utf-8',
        );
      this.headers.push('Content-Length', String(length));
    }
    if (given === undefined) this.headers.push('ETag', etag);
    if (notModified) this.finish(304);
    else this.finish(status, json);
  }

  /** The problem answer for an error, as errorHandler() writes it. */
  fail(err: unknown): void {
    const { res } = this;
    if (res.headersSent) {
      this.log.error({ err }, 'error after the response started');
      res.destroy();
      return;
    }
    let problem: AppError;
    if (err instanceof AppError) {
      problem = err;
      if (problem.status >= 500) this.log.error({ err }, problem.message);
    } else {
      this.log.error({ err }, 'unhandled error');
      problem = new AppError(
        500,
        'internal',
        `Something went wrong on our side. Quote request id ${this.id} if you contact us.`,
      );
    }
    const document = problemDocument(problem, { originalUrl: this.req.url!, id: this.id });
    this.send(problem.status, document, problem.extra.headers ?? {}, true);
  }
}

/** Express' default ETag (the `etag` package, weak): length and SHA-1 of the body. */
function weakEtag(text: string, length: number): string {
  if (length === 0) return 'W/"0-2jmj7l5rSw0yVb/vlWAYkK/YBwk"';
  const hash = createHash('sha1').update(text, 'utf8').digest('base64').substring(0, 27);
  return `W/"${length.toString(16)}-${hash}"`;
}

/** The lean path's request context: what RequestContext gives on the Express path. */
class LeanContext<P, Q, B> extends ContextBase<P, Q, B> {
  constructor(
    private readonly call: LeanCall,
    parts: { params: P; query: Q; body: B; principal: Principal | null; ip: string },
  ) {
    super(parts);
  }

  get requestId(): string {
    return this.call.id;
  }

  get log(): Logger {
    return this.call.log;
  }

  requestHeader(name: string): string | undefined {
    const value = this.call.req.headers[name.toLowerCase()];
    return Array.isArray(value) ? value.join(', ') : value;
  }

  setHeader(name: string, value: string): void {
    this.call.setHeader(name, value);
  }
}
