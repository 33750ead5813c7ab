import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../../src/auth/auth.table.js';
import { errorHandler } from '../../src/http/problem.js';
import { requestLogging } from '../../src/http/request-log.js';
import { pino } from 'pino';
import { ApiClient } from '../support/api.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv({ BODY_LIMIT: '1kb', AUTH_LIMIT_PER_IP: '10000' });
});
afterAll(() => env?.close());

function expectProblem(res: { status: number; contentType: string | null; body: any }, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.contentType).toContain('application/problem+json');
  expect(res.body).toMatchObject({ status, code, type: `/docs/problems#${code}` });
  expect(typeof res.body.detail).toBe('string');
  expect(typeof res.body.requestId).toBe('string');
}

describe('one error model', () => {
  it('malformed JSON → 400 request.malformed_json', async () => {
    const res = await env.api.post('/v1/auth/login', undefined, { raw: '{"email": "a@b.c",' });
    expectProblem(res, 400, 'request.malformed_json');
    expect(res.body.errors[0]).toMatchObject({ in: 'body', code: 'malformed_json' });
  });

  it('wrong types and missing fields → 400 request.invalid naming each field', async () => {
    const res = await env.api.post('/v1/auth/register', { email: 42, password: 'short' });
    expectProblem(res, 400, 'request.invalid');
    const byField = Object.fromEntries(res.body.errors.map((e: any) => [e.field, e]));
    expect(Object.keys(byField).sort()).toEqual(['displayName', 'email', 'password']);
    expect(byField.email.in).toBe('body');
    expect(byField.password.code).toBe('too_small');
    expect(await env.infra.database.db.select().from(users)).toHaveLength(0);
  });

  it('a missing body → 400 naming the body', async () => {
    const res = await env.api.post('/v1/auth/login');
    expectProblem(res, 400, 'request.invalid');
    expect(res.body.errors[0]).toMatchObject({ in: 'body', field: '' });
  });

  it('a body that is not JSON → 415', async () => {
    const res = await env.api.post('/v1/auth/login', undefined, {
      raw: 'email=a',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expectProblem(res, 415, 'request.unsupported_media_type');
  });

  it('an oversized body → 413 request.too_large', async () => {
    const res = await env.api.post('/v1/auth/login', { email: 'a@b.cd', password: 'x'.repeat(5000) });
    expectProblem(res, 413, 'request.too_large');
  });

  it('bad path parameters → 400 naming the parameter', async () => {
    const admin = await signedIn(env, ['admin']);
    const res = await env.api.put('/v1/users/not-a-uuid/roles', { roles: ['fan'] }, { token: admin.token });
    expectProblem(res, 400, 'request.invalid');
    expect(res.body.errors[0]).toMatchObject({ in: 'params', field: 'id' });
  });

  it('unknown route → 404 request.not_found', async () => {
    expectProblem(await env.api.get('/v1/nothing-here'), 404, 'request.not_found');
    expectProblem(await env.api.post('/v1/nothing-here', {}), 404, 'request.not_found');
  });

  it('known route, wrong method → 405 with Allow', async () => {
    const res = await env.api.delete('/v1/auth/login');
    expectProblem(res, 405, 'request.method_not_allowed');
    expect(res.headers.get('allow')).toBe('POST');
    expect((await env.api.put('/v1/me', {})).headers.get('allow')).toBe('GET, HEAD, PATCH');
  });

  it('an unexpected error → 500 internal, logged with the request id, no internals leaked', async () => {
    const lines: string[] = [];
    const captured = pino({ level: 'error' }, { write: (line: string) => void lines.push(line) });
    const app = express();
    app.use(requestLogging(app, captured));
    app.get('/boom', () => {
      throw new Error('secret connection string postgres://user:pw@db');
    });
    app.use(errorHandler());
    let res: Response;
    const server = app.listen(0);
    try {
      const port = (server.address() as { port: number }).port;
      res = await fetch(`http://127.0.0.1:${port}/boom`, { headers: { 'x-request-id': 'req-123' } });
    } finally {
      server.close();
    }
    const body = await res.json();
    expect(res.status).toBe(500);
    expect(body).toMatchObject({ status: 500, code: 'internal', requestId: 'req-123' });
    expect(JSON.stringify(body)).not.toContain('postgres://');
    expect(JSON.stringify(body)).not.toContain('secret');
    expect(lines.join('')).toContain('secret connection string');
  });

  it('carries the caller’s X-Request-Id through', async () => {
    const res = await env.api.get('/v1/nothing', { headers: { 'x-request-id': 'trace-abc-123' } });
    expect(res.headers.get('x-request-id')).toBe('trace-abc-123');
    expect(res.body.requestId).toBe('trace-abc-123');
  });
});

describe('reference, health and metrics', () => {
  it('serves the OpenAPI document generated from the route schemas, and the rendered reference', async () => {
    const doc = await env.api.get('/v1/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    const register = doc.body.paths['/v1/auth/register'].post;
    expect(register.requestBody.content['application/json'].schema.required).toEqual([
      'email',
      'password',
      'displayName',
    ]);
    expect(register.responses['201']).toBeDefined();
    expect(doc.body.paths['/v1/users/{id}/roles'].put.parameters[0]).toMatchObject({
      name: 'id',
      in: 'path',
      required: true,
    });
    const page = await env.api.get('/docs');
    expect(page.status).toBe(200);
    expect(page.body).toContain('swagger-ui-bundle.js');
    expect((await env.api.get('/docs/assets/swagger-ui-bundle.js')).status).toBe(200);
    const problems = await env.api.get('/docs/problems');
    expect(problems.body).toContain('id="auth.email_taken"');
  });

  it('answers /healthz and /readyz, and exposes Prometheus metrics', async () => {
    expect((await env.api.get('/healthz')).body).toEqual({ status: 'ok' });
    const ready = await env.api.get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks.postgres.status).toBe('up');
    expect(ready.body.checks.redis.status).toBe('up');
    const metrics = await env.api.get('/metrics');
    expect(metrics.body).toContain('http_request_duration_seconds_bucket');
    expect(metrics.body).toContain('route="/readyz"');
  });

  it('sends security headers with a content security policy', async () => {
    const res = await env.api.get('/healthz');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });
});

describe('CORS', () => {
  it('answers other origins only when CORS_ORIGINS names them', async () => {
    const origin = { origin: 'https://a.example' };
    const closed = await env.api.get('/v1/receipts/key', { headers: origin });
    expect(closed.status).toBe(200);
    expect(closed.headers.get('access-control-allow-origin')).toBeNull();

    const open = await createTestEnv({ CORS_ORIGINS: 'https://a.example' });
    try {
      const res = await open.api.get('/v1/receipts/key', { headers: origin });
      expect(res.headers.get('access-control-allow-origin')).toBe('https://a.example');
      expect(res.headers.get('access-control-expose-headers')).toContain('Retry-After');
      const other = await open.api.get('/v1/receipts/key', { headers: { origin: 'https://b.example' } });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await open.close();
    }
  });
});

describe('logs', () => {
  it('carry the request id and never a secret from the query string or the session header', async () => {
    const lines: string[] = [];
    const logged = await createTestEnv({}, { logLines: lines });
    try {
      await logged.api.get('/v1/gift-cards/balance?code=FD-SECRET-CODE-123&x=1', {
        headers: { 'x-request-id': 'trace-log-1', authorization: 'Bearer fds_secret_session' },
      });
      const text = lines.join('');
      expect(text).toContain('trace-log-1');
      expect(text).toContain('code=[redacted]');
      expect(text).not.toContain('FD-SECRET-CODE-123');
      expect(text).not.toContain('fds_secret_session');
    } finally {
      await logged.close();
    }
  });
});

describe('request timeout', () => {
  it('answers 503 request.timeout when a request runs past REQUEST_TIMEOUT_MS', async () => {
    const slow = await createTestEnv({ REQUEST_TIMEOUT_MS: '1000', IDEMPOTENCY_WAIT_MS: '4000' });
    try {
      const fan = await signedIn(slow);
      const key = `timeout-${crypto.randomUUID()}`;
      const { idempotencyKeys } = await import('../../src/http/idempotency.table.js');
      const { claimValues, requestHash } = await import('../../src/http/idempotency.js');
      // A claim held by a request still running: the duplicate waits on it longer than the timeout.
      await slow.infra.database.db
        .insert(idempotencyKeys)
        .values(claimValues(`user:${fan.userId}`, key, requestHash('patch', '/v1/me', { displayName: 'Slow' })));
      const started = Date.now();
      const res = await slow.api.patch(
        '/v1/me',
        { displayName: 'Slow' },
        { token: fan.token, headers: { 'idempotency-key': key } },
      );
      expect(res.status).toBe(503);
      expect(res.body.code).toBe('request.timeout');
      expect(res.headers.get('retry-after')).toBe('1');
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await slow.close();
    }
  });
});

describe('the client address behind proxies', () => {
  const lookup = (api: TestEnv['api'], forwardedFor: string) =>
    api.get('/v1/gift-cards/balance?code=FD-NOT-A-CARD-00', { headers: { 'x-forwarded-for': forwardedFor } });

  it('ignores X-Forwarded-For without TRUST_PROXY: a forged header gives no new rate-limit bucket', async () => {
    const limit = env.config.GIFT_CARD_LOOKUPS_PER_MINUTE;
    for (let i = 0; i < limit; i++) expect((await lookup(env.api, `198.51.100.${i}`)).status).not.toBe(429);
    const refused = await lookup(env.api, '203.0.113.99');
    expectProblem(refused, 429, 'rate_limited');
    // Sessions record the socket's address, not the header's.
    const fan = await env.api.post(
      '/v1/auth/register',
      { email: `xff.${Date.now()}@example.test`, password: 'a long passphrase', displayName: 'Xff' },
      { headers: { 'x-forwarded-for': '203.0.113.7' } },
    );
    const [session] = await env.infra.database.sql`select ip from sessions where user_id = ${fan.body.user.id}`;
    expect(session!.ip).toMatch(/127\.0\.0\.1$/);
  });

  it('honours the header from a trusted proxy (TRUST_PROXY=loopback), and behind the cluster proxy (1) only the hop it adds', async () => {
    const trusting = await createTestEnv({ TRUST_PROXY: 'loopback', GIFT_CARD_LOOKUPS_PER_MINUTE: '2' });
    const behindProxy = await createTestEnv({ TRUST_PROXY: '1', GIFT_CARD_LOOKUPS_PER_MINUTE: '2' });
    const { startProxy } = await import('../../tools/cluster/proxy.js');
    const proxy = await startProxy({
      host: '127.0.0.1',
      port: 0,
      targets: [{ id: 'api', host: '127.0.0.1', port: behindProxy.server.port }],
      logger: behindProxy.infra.logger,
    });
    try {
      // Each forwarded address has its own bucket: the test's loopback socket is a trusted proxy.
      for (let i = 0; i < 5; i++) expect((await lookup(trusting.api, `198.51.100.${i}`)).status).not.toBe(429);
      expect((await lookup(trusting.api, '198.51.100.9')).status).not.toBe(429);
      expect((await lookup(trusting.api, '198.51.100.9')).status).not.toBe(429);
      expectProblem(await lookup(trusting.api, '198.51.100.9'), 429, 'rate_limited');

      // Through the cluster's proxy the node takes the address the proxy saw; a forged entry to its left is ignored.
      const viaProxy = new ApiClient(`http://127.0.0.1:${proxy.port}`);
      expect((await lookup(viaProxy, '198.51.100.1')).status).not.toBe(429);
      expect((await lookup(viaProxy, '198.51.100.2')).status).not.toBe(429);
      expectProblem(await lookup(viaProxy, '198.51.100.3'), 429, 'rate_limited');
    } finally {
      await proxy.close();
      await behindProxy.close();
      await trusting.close();
    }
  });
});

describe('metrics in production', () => {
  const production = { NODE_ENV: 'production', SIGNING_KEY: 'unused: the test env signs with its own key' };
  const token = 'metrics-token-for-the-test-0123';

  it('are not served on the public port without METRICS_TOKEN, and the boot log says how to enable them', async () => {
    const lines: string[] = [];
    const bare = await createTestEnv(production, { logLines: lines });
    try {
      expectProblem(await bare.api.get('/metrics'), 404, 'request.not_found');
      expectProblem(
        await bare.api.get('/metrics', { headers: { authorization: `Bearer ${token}` } }),
        404,
        'request.not_found',
      );
      expect(lines.join('')).toMatch(/metrics are not served: set METRICS_TOKEN.*METRICS_PORT/);
    } finally {
      await bare.close();
    }
  });

  it('need the bearer token with METRICS_TOKEN; METRICS_PORT serves them on a listener of its own', async () => {
    const guarded = await createTestEnv({ ...production, METRICS_TOKEN: token, METRICS_PORT: '0' });
    try {
      expectProblem(await guarded.api.get('/metrics'), 401, 'auth.required');
      expectProblem(
        await guarded.api.get('/metrics', { headers: { authorization: 'Bearer wrong' } }),
        401,
        'auth.required',
      );
      const scraped = await guarded.api.get('/metrics', { headers: { authorization: `Bearer ${token}` } });
      expect(scraped.status).toBe(200);
      expect(scraped.body).toContain('http_request_duration_seconds_bucket');

      expect(guarded.server.metricsPort).toBeGreaterThan(0);
      const listener = new ApiClient(`http://127.0.0.1:${guarded.server.metricsPort}`);
      expectProblem(await listener.get('/metrics'), 401, 'auth.required');
      const fromListener = await listener.get('/metrics', { headers: { authorization: `Bearer ${token}` } });
      expect(fromListener.status).toBe(200);
      expect(fromListener.body).toContain('http_request_duration_seconds_bucket');
      // Only metrics there: not the API.
      expectProblem(await listener.get('/v1/receipts/key'), 404, 'request.not_found');
    } finally {
      await guarded.close();
    }
    const portOnly = await createTestEnv({ ...production, METRICS_PORT: '0' });
    try {
      expectProblem(await portOnly.api.get('/metrics'), 404, 'request.not_found');
      const open = await new ApiClient(`http://127.0.0.1:${portOnly.server.metricsPort}`).get('/metrics');
      expect(open.status).toBe(200);
      expect(open.body).toContain('process_cpu_seconds_total');
    } finally {
      await portOnly.close();
    }
  });
});
