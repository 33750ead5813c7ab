import type { AddressInfo } from 'node:net';
import express from 'express';
import helmet from 'helmet';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createMetrics, measureRequests } from '../../src/http/metrics.js';
import { mountRoutes, type Pipeline } from '../../src/http/mount.js';
import { errorHandler } from '../../src/http/problem.js';
import { requestLogging } from '../../src/http/request-log.js';
import { defineRoute, Reply } from '../../src/http/route.js';
import { securityHeaders } from '../../src/http/security-headers.js';

/** The pipeline around routes, on a bare Express app with public routes: no Postgres, no Redis. */
const metrics = createMetrics();
const app = express();
app.disable('x-powered-by');
app.use(requestLogging(app, pino({ level: 'silent' })));
app.use(measureRequests(metrics));
app.use(express.json());
mountRoutes(
  app,
  [
    defineRoute({
      method: 'get',
      path: '/v1/things/:id',
      summary: 'a thing',
      tag: 't',
      access: 'public',
      params: z.object({ id: z.string() }),
      response: { status: 200, schema: z.object({ id: z.string() }) },
      handler: async (ctx) => ({ id: ctx.params.id }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/things/special',
      summary: 'registered after :id, so never reached',
      tag: 't',
      access: 'public',
      response: { status: 200 },
      handler: async () => new Reply(200, { special: true }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/things/:id/notes',
      summary: 'a note',
      tag: 't',
      access: 'public',
      idempotency: 'off',
      params: z.object({ id: z.string() }),
      body: z.object({ text: z.string() }).strict(),
      response: { status: 201, schema: z.object({ id: z.string(), text: z.string() }) },
      handler: async (ctx) => ({ id: ctx.params.id, text: ctx.body.text }),
    }),
  ],
  {} as Pipeline,
);
app.use((_req, res) => void res.status(404).end());
app.use(errorHandler());

let base = '';
let server: ReturnType<typeof app.listen>;
beforeAll(async () => {
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

describe('mountRoutes', () => {
  it('matches as Express did: first registered wins, literals case-insensitive, a trailing slash ignored, parameters decoded', async () => {
    expect(await (await fetch(`${base}/v1/things/special`)).json()).toEqual({ id: 'special' });
    expect(await (await fetch(`${base}/V1/Things/a%20b/`)).json()).toEqual({ id: 'a b' });
    expect((await fetch(`${base}/v1/things`)).status).toBe(404);
    expect((await fetch(`${base}/v1/things/x/y`)).status).toBe(404);
  });

  it('answers a malformed percent-encoding in a parameter with a 400 problem naming it', async () => {
    const res = await fetch(`${base}/v1/things/%E0%A4%A`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(await res.json()).toMatchObject({
      code: 'request.invalid',
      errors: [{ in: 'params', field: 'id', code: 'malformed_encoding' }],
    });
  });

  it('writes a POST answer with its length and no ETag; a GET keeps ETag and 304; HEAD has headers only', async () => {
    const post = await fetch(`${base}/v1/things/7/notes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"text":"hi"}',
    });
    expect(post.status).toBe(201);
    expect(post.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(post.headers.get('content-length')).toBe(String('{"id":"7","text":"hi"}'.length));
    expect(post.headers.get('etag')).toBeNull();
    expect(await post.json()).toEqual({ id: '7', text: 'hi' });

    const get = await fetch(`${base}/v1/things/7`);
    const etag = get.headers.get('etag');
    expect(etag).toBeTruthy();
    // fetch adds `Cache-Control: no-cache` to a conditional request unless told otherwise, and no-cache means no 304.
    expect(
      (await fetch(`${base}/v1/things/7`, { headers: { 'if-none-match': etag!, 'cache-control': 'max-age=0' } }))
        .status,
    ).toBe(304);
    const head = await fetch(`${base}/v1/things/7`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('answers 405 with Allow for a known path, 204 with Allow for OPTIONS', async () => {
    const res = await fetch(`${base}/v1/things/7`, { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    const options = await fetch(`${base}/v1/things/7/notes`, { method: 'OPTIONS' });
    expect(options.status).toBe(204);
    expect(options.headers.get('allow')).toBe('POST');
  });

  it('labels request metrics with the route pattern, not the URL', async () => {
    await fetch(`${base}/v1/things/42`);
    const text = await metrics.registry.getSingleMetricAsString('http_request_duration_seconds');
    expect(text).toContain('route="/v1/things/:id",status="200"');
    expect(text).not.toContain('/v1/things/42');
  });

  it('refuses route paths it cannot match segment by segment', () => {
    const bad = defineRoute({
      method: 'get',
      path: '/v1/files/*rest',
      summary: 'x',
      tag: 't',
      access: 'public',
      response: { status: 200 },
      handler: async () => undefined,
    });
    expect(() => mountRoutes(express(), [bad], {} as Pipeline)).toThrow(/only literal and :name segments/);
  });
});

describe('securityHeaders', () => {
  it('sets exactly the headers helmet sets for the same options', async () => {
    const options = {
      contentSecurityPolicy: {
        useDefaults: false,
        directives: { defaultSrc: ["'self'"], frameAncestors: ["'none'"], upgradeInsecureRequests: [] },
      },
      hsts: true,
    };
    const headersFrom = async (middleware: express.RequestHandler) => {
      const one = express();
      one.disable('x-powered-by');
      one.use(middleware);
      one.get('/', (_req, res) => void res.end());
      const s = one.listen(0, '127.0.0.1');
      await new Promise((r) => s.once('listening', r));
      try {
        const res = await fetch(`http://127.0.0.1:${(s.address() as AddressInfo).port}/`);
        return Object.fromEntries([...res.headers].filter(([name]) => name !== 'date'));
      } finally {
        s.close();
      }
    };
    const ours = await headersFrom(securityHeaders(options));
    expect(ours).toEqual(await headersFrom(helmet(options)));
    expect(ours['content-security-policy']).toContain("frame-ancestors 'none'");
  });

  it('refuses options whose value depends on the request', () => {
    const nonce = () => "'nonce-x'";
    expect(() => securityHeaders({ contentSecurityPolicy: { directives: { scriptSrc: ["'self'", nonce] } } })).toThrow(
      /cannot be computed once/,
    );
  });
});
