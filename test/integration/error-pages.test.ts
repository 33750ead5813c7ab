import express from 'express';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commonProblems } from '../../src/http/docs.js';
import { errorPages } from '../../src/http/error-pages.js';
import { errorHandler } from '../../src/http/problem.js';
import { requestLogging } from '../../src/http/request-log.js';
import { webPages } from '../../src/http/web-pages.js';
import { AppError } from '../../src/shared/errors.js';
import { problemText, problemWords } from '../../web/src/lib/words.js';
import { createTestEnv, type TestEnv } from '../support/env.js';

/**
 * A browser that asks for an address nothing answers gets a page, in the site's layout, with
 * the right status; the API keeps answering problem+json. Every problem code the routes
 * declare has people's words for the pages to show.
 */

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(() => env?.close());

/** What Chromium sends when it navigates to a page. */
const NAVIGATION = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

async function get(path: string, accept?: string, method = 'GET') {
  const res = await fetch(`${env.api.baseUrl}${path}`, { method, headers: accept ? { accept } : {} });
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    cache: res.headers.get('cache-control'),
    text: await res.text(),
  };
}

describe('words for every problem code', () => {
  it('every code a route declares, and every code any route can answer, has words', () => {
    const declared = new Set([
      ...Object.keys(commonProblems),
      ...env.server.app.routes.flatMap((route) => route.errors ?? []),
    ]);
    expect(declared.size).toBeGreaterThan(100);
    const missing = [...declared].filter((code) => problemWords[code] === undefined).sort();
    expect(missing).toEqual([]);
    for (const code of declared) {
      const text = problemText({ status: 409, code });
      // People's words: a sentence, no code, no field name in camelCase.
      expect(text, code).toMatch(/^[A-Z].*[.!]$/);
      expect(text, code).not.toMatch(/\b[a-z]+\.[a-z_]+\b|\b[a-z]+[A-Z]\w*\b/);
    }
  });
});

describe('a browser at an address nothing answers', () => {
  it('gets the 404 page in the layout, not JSON', async () => {
    const res = await get('/no/such/page', NAVIGATION);
    expect(res.status).toBe(404);
    expect(res.type).toBe('text/html; charset=utf-8');
    expect(res.cache).toBe('no-store');
    expect(res.text).toContain('<title>Page not found — Fairdrop</title>');
    expect(res.text).toContain('We can’t find that page');
    expect(res.text).toContain('<nav aria-label="Main">');
    expect(res.text).toContain('<script type="module" src="/assets/not-found.js"></script>');
    expect(res.text).not.toContain('request.not_found');
    expect((await get('/no-such-page.html', NAVIGATION)).status).toBe(404);
    const head = await get('/no/such/page', NAVIGATION, 'HEAD');
    expect(head.status).toBe(404);
    expect(head.text).toBe('');
  });

  it('the API, and any client not asking for HTML, still gets problem+json', async () => {
    for (const [path, accept] of [
      ['/v1/nothing-here', NAVIGATION],
      ['/no/such/page', undefined],
      ['/no/such/page', '*/*'],
      ['/no/such/page', 'application/json'],
    ] as const) {
      const res = await get(path, accept);
      expect(res.status, `${path} ${accept}`).toBe(404);
      expect(res.type, `${path} ${accept}`).toContain('application/problem+json');
      expect(JSON.parse(res.text)).toMatchObject({ code: 'request.not_found' });
    }
    const post = await fetch(`${env.api.baseUrl}/no/such/page`, { method: 'POST', headers: { accept: NAVIGATION } });
    expect(post.headers.get('content-type')).toContain('application/problem+json');
  });
});

describe('a failure on our side', () => {
  it('shows the error page with a reference to quote, never internals; the API gets its problem', async () => {
    const lines: string[] = [];
    const app = express();
    app.use(requestLogging(app, pino({ level: 'error' }, { write: (line: string) => void lines.push(line) })));
    app.get('/boom', () => {
      throw new Error('secret connection string postgres://user:pw@db');
    });
    app.get('/busy', () => {
      throw new AppError(503, 'request.timeout', 'The request took longer than 1000 ms.');
    });
    app.get('/v1/boom', () => {
      throw new Error('api failure');
    });
    app.use(errorHandler(errorPages(webPages({ production: false }))));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const page = await fetch(`${base}/boom`, { headers: { accept: NAVIGATION, 'x-request-id': 'req-123' } });
      const html = await page.text();
      expect(page.status).toBe(500);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(html).toContain('<title>Something went wrong — Fairdrop</title>');
      expect(html).toContain('<p class="muted" id="reference">');
      expect(html).toContain('<code class="request-id">req-123</code>');
      expect(html).not.toContain('secret');
      expect(lines.join('')).toContain('secret connection string');

      const busy = await fetch(`${base}/busy`, { headers: { accept: NAVIGATION } });
      expect(busy.status).toBe(503);
      expect(await busy.text()).toContain('Something went wrong on our side');

      for (const [path, accept] of [
        ['/boom', 'application/json'],
        ['/v1/boom', NAVIGATION],
      ] as const) {
        const res = await fetch(`${base}${path}`, { headers: { accept } });
        expect(res.status).toBe(500);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        expect((await res.json()).code).toBe('internal');
      }
    } finally {
      server.close();
    }
  });
});

describe('field problems carry the rule, so pages can word it', () => {
  it('a missing field says so; a bound says its limit and what it measures', async () => {
    const missing = await env.api.post('/v1/auth/register', { email: 'fan@example.test' });
    expect(missing.status).toBe(400);
    const byField = Object.fromEntries(missing.body.errors.map((e: { field: string }) => [e.field, e]));
    expect(byField.displayName).toMatchObject({ code: 'invalid_type', expected: 'string', missing: true });
    expect(byField.password).toMatchObject({ code: 'invalid_type', missing: true });

    const short = await env.api.post('/v1/auth/register', {
      email: 'not an address',
      password: 'short',
      displayName: 42,
    });
    const fields = Object.fromEntries(short.body.errors.map((e: { field: string }) => [e.field, e]));
    expect(fields.password).toMatchObject({ code: 'too_small', origin: 'string', minimum: 10 });
    expect(fields.email).toMatchObject({ code: 'invalid_format', format: 'email' });
    expect(fields.displayName).toMatchObject({ code: 'invalid_type', expected: 'string' });
    expect(fields.displayName.missing).toBeUndefined();

    const radius = await env.api.get('/v1/events?near=52.5,13.4&radiusKm=0');
    expect(radius.body.errors[0]).toMatchObject({
      field: 'radiusKm',
      code: 'too_small',
      origin: 'number',
      minimum: 0,
      inclusive: false,
    });
  });
});
