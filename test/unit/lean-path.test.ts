import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Principal } from '../../src/auth/principal.js';
import type { Logger } from '../../src/logger.js';
import { leanPath } from '../../src/http/lean.js';
import { createMetrics, measureRequests } from '../../src/http/metrics.js';
import { mountRoutes, type Pipeline } from '../../src/http/mount.js';
import { errorHandler } from '../../src/http/problem.js';
import { requestLogging } from '../../src/http/request-log.js';
import { defineRoute, Reply, type AnyRoute } from '../../src/http/route.js';
import { presetHeaders, securityHeaderList } from '../../src/http/security-headers.js';
import { sendFile, withCompressed, type StaticFile } from '../../src/http/static-file.js';
import { tooManyRequests } from '../../src/shared/errors.js';

/**
 * The lean path answers exactly what the Express pipeline answers. The same routes run behind
 * two servers, one with the lean path in front of Express and one with Express alone; every
 * request below goes to both, and status, headers and body must be the same (and the lean one
 * must have answered the requests of the common shape itself).
 */
const fan: Principal = {
  userId: '00000000-0000-4000-8000-000000000001',
  sessionId: '00000000-0000-4000-8000-000000000002',
  email: 'fan@example.test',
  displayName: 'Fan',
  roles: ['fan'],
  emailVerified: true,
};
const pipeline: Pipeline = {
  authenticate: async (token) => {
    if (token === 'good') return fan;
    throw new (await import('../../src/shared/errors.js')).AppError(401, 'auth.session_invalid', 'Sign in again.');
  },
  rateLimiter: {
    hit: async (rules: { bucket: string; subject: string }[]) => {
      if (rules.some((r) => r.subject === 'blocked')) throw tooManyRequests('rate_limited', 'Too many requests.', 7);
    },
  } as unknown as Pipeline['rateLimiter'],
  idempotency: {} as Pipeline['idempotency'],
};

const routes: AnyRoute[] = [
  defineRoute({
    method: 'get',
    path: '/v1/things/:id',
    summary: 'a thing',
    tag: 't',
    access: 'optional',
    lean: true,
    params: z.object({ id: z.string().min(2) }),
    query: z.object({ fields: z.string().optional() }).strict(),
    response: { status: 200, schema: z.object({ id: z.string(), by: z.string().nullable(), fields: z.string() }) },
    handler: async (ctx) => ({ id: ctx.params.id, by: ctx.principal?.userId ?? null, fields: ctx.query.fields ?? '' }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/things/:id/mine',
    summary: 'mine, with its own ETag',
    tag: 't',
    access: 'user',
    lean: true,
    params: z.object({ id: z.string() }),
    response: { status: 200, schema: z.object({ id: z.string(), v: z.number() }) },
    handler: async (ctx) => {
      const headers = { ETag: 'W/"v1"', 'Cache-Control': 'private, no-cache', 'Retry-After': '5' };
      if (ctx.requestHeader('if-none-match') === 'W/"v1"') return new Reply(304, undefined, headers);
      return new Reply(200, { id: ctx.params.id, v: 1 }, headers);
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/things/:id/ip',
    summary: 'the caller as the pipeline sees it',
    tag: 't',
    access: 'public',
    lean: true,
    response: { status: 200, schema: z.object({ ip: z.string() }) },
    handler: async (ctx) => ({ ip: ctx.ip }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/things/:id/broken',
    summary: 'fails',
    tag: 't',
    access: 'public',
    lean: true,
    response: { status: 200 },
    handler: async () => {
      throw new Error('boom');
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/things/:id/notes',
    summary: 'a note',
    tag: 't',
    access: 'user',
    lean: true,
    idempotency: 'natural',
    params: z.object({ id: z.string() }),
    body: z.object({ text: z.string().optional(), who: z.string().optional() }).strict().optional(),
    rateLimits: ({ body }) => [{ bucket: 'notes', subject: body?.who ?? 'anyone', limit: 1, windowSeconds: 60 }],
    response: { status: 201, schema: z.object({ id: z.string(), text: z.string() }) },
    handler: async (ctx) => ({ id: ctx.params.id, text: ctx.body?.text ?? '' }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/things/:id/slow',
    summary: 'answers after 400 ms',
    tag: 't',
    access: 'public',
    lean: true,
    response: { status: 200, schema: z.object({ late: z.boolean() }) },
    handler: async () => {
      await new Promise((r) => setTimeout(r, 400));
      return { late: true };
    },
  }),
];

const security = securityHeaderList({});
const page = withCompressed({
  encoding: 'identity' as const,
  body: Buffer.from(`<!doctype html><title>a page</title>${'<p>words</p>'.repeat(50)}`),
  etag: '"page-identity-00"',
});
/** One page, as webPages holds it once rendered: the Express app serves it with sendFile too. */
const files = (path: string): StaticFile | undefined =>
  path === '/page' ? { forms: page, type: 'text/html; charset=utf-8', cacheControl: 'public, max-age=300' } : undefined;
let leanCalls = 0;

/** Each server's log lines, parsed. */
type Line = Record<string, unknown>;
const logs = { lean: [] as Line[], plain: [] as Line[] };
const loggerInto = (lines: Line[]): Logger =>
  pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });

function appWith(logger: Logger, trust: boolean | number | string[] = false): express.Express {
  const app = express();
  app.set('trust proxy', trust);
  app.disable('x-powered-by');
  app.use(requestLogging(app, logger));
  app.use(measureRequests(createMetrics()));
  app.use(presetHeaders(security));
  app.use(express.json({ limit: '1kb', strict: false }));
  mountRoutes(app, routes, pipeline);
  app.use((req, res, next) => {
    const file = files(req.path);
    if (file) sendFile(req, res, file);
    else next();
  });
  app.use((_req, res) => void res.status(404).end());
  app.use(errorHandler());
  return app;
}

async function listen(
  lean: boolean,
  trust: boolean | number | string[] = false,
): Promise<{ server: Server; base: string }> {
  const logger = loggerInto(lean ? logs.lean : logs.plain);
  const app = appWith(logger, trust);
  const handler = leanPath({
    routes,
    pipeline,
    logger,
    metrics: createMetrics(),
    headers: security,
    requestTimeoutMs: 5_000,
    bodyLimit: 1024,
    cors: false,
    trustProxy: trust,
    files,
  });
  const server = createServer((req, res) => {
    if (lean && handler(req, res)) leanCalls++;
    else app(req, res);
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

let lean: { server: Server; base: string };
let plain: { server: Server; base: string };
beforeAll(async () => {
  lean = await listen(true);
  plain = await listen(false);
});
afterAll(async () => {
  await new Promise((r) => lean.server.close(r));
  await new Promise((r) => plain.server.close(r));
});

const VARYING = new Set(['date', 'connection', 'keep-alive']);

async function both(path: string, init: RequestInit = {}) {
  const headers = { 'x-request-id': 'req-1', ...(init.headers as Record<string, string>) };
  const call = async (base: string) => {
    const res = await fetch(`${base}${path}`, { ...init, headers });
    const all = [...res.headers].filter(([name]) => !VARYING.has(name));
    return { status: res.status, headers: Object.fromEntries(all), body: await res.text() };
  };
  const before = leanCalls;
  const [a, b] = [await call(lean.base), await call(plain.base)];
  return { lean: a, express: b, answeredLean: leanCalls > before };
}

const json = (body: string, extra: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { authorization: 'Bearer good', 'content-type': 'application/json', ...extra },
  body,
});

describe('the lean path', () => {
  it.each([
    ['a public GET', '/v1/things/ab', {}],
    ['a GET with a query', '/v1/things/ab?fields=x', {}],
    ['a query the schema refuses', '/v1/things/ab?other=1', {}],
    ['params the schema refuses', '/v1/things/a', {}],
    ['a signed-in GET', '/v1/things/ab', { headers: { authorization: 'Bearer good' } }],
    ['a bad session', '/v1/things/ab', { headers: { authorization: 'Bearer bad' } }],
    ['a malformed Authorization header', '/v1/things/ab', { headers: { authorization: 'Basic x' } }],
    ['a route that needs a session, without one', '/v1/things/ab/mine', {}],
    ['a route with its own ETag', '/v1/things/ab/mine', { headers: { authorization: 'Bearer good' } }],
    [
      'its own ETag matched (304 with Retry-After)',
      '/v1/things/ab/mine',
      { headers: { authorization: 'Bearer good', 'if-none-match': 'W/"v1"' } },
    ],
    ['a failing handler (500 problem)', '/v1/things/ab/broken', {}],
    ['a trailing slash', '/v1/things/ab/', {}],
    ['If-None-Match: *', '/v1/things/ab', { headers: { 'if-none-match': '*' } }],
    ['If-Modified-Since alone', '/v1/things/ab', { headers: { 'if-modified-since': new Date().toUTCString() } }],
    ['a join, no body', '/v1/things/ab/notes', { method: 'POST', headers: { authorization: 'Bearer good' } }],
    ['a join, {}', '/v1/things/ab/notes', json('{}')],
    ['a join with fields', '/v1/things/ab/notes', json('{"text":"hi"}')],
    ['an empty JSON body', '/v1/things/ab/notes', json('')],
    ['a JSON body with a BOM', '/v1/things/ab/notes', json('\ufeff{"text":"bom"}')],
    ['malformed JSON', '/v1/things/ab/notes', json('{"text":')],
    [
      'malformed JSON, unsigned',
      '/v1/things/ab/notes',
      { ...json('{nope'), headers: { 'content-type': 'application/json' } },
    ],
    ['an unknown field', '/v1/things/ab/notes', json('{"role":"admin"}')],
    ['a JSON array', '/v1/things/ab/notes', json('[1]')],
    ['JSON with a charset', '/v1/things/ab/notes', json('{}', { 'content-type': 'application/json; charset=utf-8' })],
    ['a valid Idempotency-Key', '/v1/things/ab/notes', json('{}', { 'idempotency-key': 'key-12345678' })],
    ['a malformed Idempotency-Key', '/v1/things/ab/notes', json('{}', { 'idempotency-key': 'short' })],
    ['a rate limit (429, Retry-After)', '/v1/things/ab/notes', json('{"who":"blocked"}')],
    [
      'a join without a session',
      '/v1/things/ab/notes',
      { ...json('{}'), headers: { 'content-type': 'application/json' } },
    ],
  ])('answers %s as Express does, itself', async (_name, path, init) => {
    const { lean: a, express: b, answeredLean } = await both(path, init as RequestInit);
    expect(a).toEqual(b);
    expect(answeredLean).toBe(true);
  });

  it('validates parameters that differ from the last ones again, whichever came first', async () => {
    for (const [path, status] of [
      ['/v1/things/ab', 200],
      ['/v1/things/a', 400],
      ['/v1/things/ab', 200],
      ['/v1/things/cd', 200],
      ['/v1/things/c', 400],
      ['/v1/things/c', 400],
    ] as const) {
      const { lean: a, express: b, answeredLean } = await both(path);
      expect(a.status).toBe(status);
      expect(a).toEqual(b);
      expect(answeredLean).toBe(true);
    }
  });

  it('answers 304 for its own weak ETag as Express does, and 200 when the client asks for no-cache', async () => {
    const first = await both('/v1/things/ab');
    const etag = first.lean.headers.etag!;
    expect(etag).toMatch(/^W\/"/);
    const again = await both('/v1/things/ab', {
      // As a browser revalidating sends it (fetch adds no-cache to a conditional request otherwise).
      headers: { 'if-none-match': `"x", ${etag}`, 'cache-control': 'max-age=0' },
    });
    expect(again.lean.status).toBe(304);
    expect(again.lean).toEqual(again.express);
    const reload = await both('/v1/things/ab', { headers: { 'if-none-match': etag, 'cache-control': 'no-cache' } });
    expect(reload.lean.status).toBe(200);
    expect(reload.lean).toEqual(reload.express);
  });

  it.each([
    ['a page', '/page', {}],
    ['a page, Brotli', '/page', { headers: { 'accept-encoding': 'br' } }],
    [
      'a page revalidated',
      '/page',
      { headers: { 'if-none-match': '"page-identity-00"', 'cache-control': 'max-age=0' } },
    ],
  ])('serves %s from memory as Express does, itself', async (_name, path, init) => {
    const { lean: a, express: b, answeredLean } = await both(path, init as RequestInit);
    expect(a).toEqual(b);
    expect(answeredLean).toBe(true);
  });

  it.each([
    ['HEAD of a page', '/page', { method: 'HEAD' }],
    ['a path that is no page', '/no-page', {}],
    ['HEAD', '/v1/things/ab', { method: 'HEAD' }],
    ['a method the path does not allow', '/v1/things/ab', { method: 'DELETE' }],
    ['a malformed parameter', '/v1/things/%E0%A4%A', {}],
    ['a body of another type (415)', '/v1/things/ab/notes', json('text', { 'content-type': 'text/plain' })],
    ['a body over the limit (413)', '/v1/things/ab/notes', json(JSON.stringify({ text: 'x'.repeat(2000) }))],
    ['a Latin-1 body', '/v1/things/ab/notes', json('{}', { 'content-type': 'application/json; charset=latin1' })],
    ['a route that is not lean', '/v1/other', {}],
  ])('leaves %s to Express', async (_name, path, init) => {
    const { lean: a, express: b, answeredLean } = await both(path, init as RequestInit);
    expect(a).toEqual(b);
    expect(answeredLean).toBe(false);
  });

  it('writes the same log lines under the request id: completed, failed, and the error itself', async () => {
    const linesOf = (lines: Line[], id: string) =>
      lines
        .filter((l) => l.reqId === id)
        .map(({ level, msg, req, res, err }) => ({
          level,
          msg,
          req,
          res,
          err: (err as { message?: string })?.message,
        }));
    await both('/v1/things/ab', { headers: { 'x-request-id': 'log-ok' } });
    await both('/v1/things/ab/broken', { headers: { 'x-request-id': 'log-broken' } });
    await new Promise((r) => setTimeout(r, 50));
    for (const id of ['log-ok', 'log-broken']) {
      const lean = linesOf(logs.lean, id);
      expect(lean.length, id).toBeGreaterThan(0);
      expect(lean).toEqual(linesOf(logs.plain, id));
    }
    expect(linesOf(logs.lean, 'log-broken').map((l) => l.msg)).toEqual(['unhandled error', 'request failed']);
  });

  it('refuses to make lean a route whose answer is stored under its Idempotency-Key', () => {
    const stored = defineRoute({
      method: 'post',
      path: '/v1/stored',
      summary: 's',
      tag: 't',
      access: 'public',
      lean: true,
      response: { status: 201 },
      handler: async () => undefined,
    });
    expect(() => leanPath({ routes: [stored], pipeline } as never)).toThrow(/store no answer/);
  });
});

describe('the client address behind trusted proxies', () => {
  it.each([
    ['a hop count', 1],
    ['two hops', 2],
    ['every proxy', true],
    ['no proxy', false],
  ] as const)('is the one Express works out, trusting %s, on the lean path itself', async (_name, trust) => {
    const pair = { lean: await listen(true, trust), plain: await listen(false, trust) };
    try {
      for (const forwarded of [
        undefined,
        '203.0.113.9',
        '203.0.113.9, 198.51.100.7',
        ' 203.0.113.9 ,, 198.51.100.7 , 192.0.2.1',
        ',',
      ]) {
        const headers: Record<string, string> = forwarded === undefined ? {} : { 'x-forwarded-for': forwarded };
        const before = leanCalls;
        const [a, b] = await Promise.all(
          [pair.lean, pair.plain].map(async ({ base }) => (await fetch(`${base}/v1/things/ab/ip`, { headers })).json()),
        );
        expect(a, String(forwarded)).toEqual(b);
        expect(leanCalls, String(forwarded)).toBe(before + 1);
      }
    } finally {
      await new Promise((r) => pair.lean.server.close(r));
      await new Promise((r) => pair.plain.server.close(r));
    }
  });

  it('leaves a request with X-Forwarded-For to Express when the trusted proxies are a list', async () => {
    const pair = { lean: await listen(true, ['loopback']), plain: await listen(false, ['loopback']) };
    try {
      const headers = { 'x-forwarded-for': '203.0.113.9' };
      const before = leanCalls;
      const [a, b] = await Promise.all(
        [pair.lean, pair.plain].map(async ({ base }) => (await fetch(`${base}/v1/things/ab/ip`, { headers })).json()),
      );
      expect(a).toEqual({ ip: '203.0.113.9' });
      expect(a).toEqual(b);
      expect(leanCalls).toBe(before);
    } finally {
      await new Promise((r) => pair.lean.server.close(r));
      await new Promise((r) => pair.plain.server.close(r));
    }
  });

  it('answers 503 request.timeout, with Retry-After, to a request that runs past the timeout, and only that one', async () => {
    const handler = leanPath({
      routes,
      pipeline,
      logger: loggerInto([]),
      metrics: createMetrics(),
      headers: security,
      requestTimeoutMs: 100,
      bodyLimit: 1024,
      cors: false,
      trustProxy: false,
    });
    const server = createServer((req, res) => void (handler(req, res) || res.writeHead(404).end()));
    server.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const started = performance.now();
      const [slow, quick] = await Promise.all([fetch(`${base}/v1/things/ab/slow`), fetch(`${base}/v1/things/ab`)]);
      const took = performance.now() - started;
      expect(quick.status).toBe(200);
      expect(slow.status).toBe(503);
      expect(slow.headers.get('retry-after')).toBe('1');
      expect(slow.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
      expect(((await slow.json()) as { code: string }).code).toBe('request.timeout');
      // Between the timeout and the timeout plus one check (a tenth of it), with a margin for a busy machine.
      expect(took).toBeGreaterThanOrEqual(100);
      expect(took).toBeLessThan(350);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
