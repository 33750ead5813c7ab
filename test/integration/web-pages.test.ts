import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webPages } from '../../src/http/web-pages.js';
import { createTestEnv, type TestEnv } from '../support/env.js';

/**
 * The pages as a browser gets them: every web/pages/<name>.html inside the one layout
 * (web/pages/_layout.html), with its bundle and nothing inline the CSP would block; the
 * sources themselves are not served.
 */

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(() => env?.close());

const pagesDir = fileURLToPath(new URL('../../web/pages', import.meta.url));
const pageNames = async () =>
  (await readdir(pagesDir)).filter((f) => /^[a-z0-9-]+\.html$/.test(f)).map((f) => f.replace(/\.html$/, ''));

async function page(path: string): Promise<{ status: number; type: string | null; html: string }> {
  const res = await fetch(`${env.api.baseUrl}${path}`);
  return { status: res.status, type: res.headers.get('content-type'), html: await res.text() };
}

describe('the pages in their layout', () => {
  it('serves every page with the same head and site header, its own title, main and bundle', async () => {
    const names = await pageNames();
    expect(names).toEqual(expect.arrayContaining(['index', 'account', 'queue', 'scanner', 'organizer', 'transfer']));
    for (const name of names) {
      const { status, type, html } = await page(`/${name}.html`);
      expect(status, name).toBe(200);
      expect(type).toBe('text/html; charset=utf-8');
      expect(html.startsWith('<!doctype html>\n<html lang="en">')).toBe(true);
      expect(html).toMatch(/<title>[^<]+ — Fairdrop<\/title>/);
      expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
      expect(html).toContain('<link rel="stylesheet" href="/styles.css">');
      expect(html).toContain('<link rel="icon" href="/favicon.svg" type="image/svg+xml">');
      expect(html).toContain(
        '<nav aria-label="Main"><a href="/">Discover</a><a href="/account.html">Sign in</a></nav>',
      );
      expect(html.match(/<main[ >]/g)).toHaveLength(1);
      // Every placeholder filled (the messages' own {{values}} are the script's to fill).
      expect(html.replace(/<script type="application\/json"[^]*?<\/script>/, '')).not.toContain('{{');
      // One script, the page's bundle: the CSP (script-src 'self') allows no inline script. Beside
      // it the page's messages, a JSON data block the browser never runs.
      expect(html.match(/<script\b[^>]*>/g)).toEqual([
        '<script type="application/json" id="fd-i18n">',
        `<script type="module" src="/assets/${name}.js">`,
      ]);
      expect(html).toContain('<nav class="languages" aria-label="Language">');
      expect((await fetch(`${env.api.baseUrl}/assets/${name}.js`)).status, `${name}.js`).toBe(200);
    }
  });

  it('speaks the language asked: the switcher, kept in a cookie, then the browser; English otherwise', async () => {
    const get = (path: string, headers: Record<string, string> = {}) => fetch(`${env.api.baseUrl}${path}`, { headers });
    const german = await get('/queue.html', { 'accept-language': 'de-AT,de;q=0.9,en;q=0.5' });
    expect(german.headers.get('content-language')).toBe('de');
    expect(german.headers.get('vary')).toContain('Accept-Language');
    const html = await german.text();
    expect(html).toContain('<html lang="de">');
    expect(html).toContain('"lng":"de"');
    // A switcher link: Spanish now, and kept for the pages that follow.
    const chosen = await get('/queue.html?event=x&lang=es', { 'accept-language': 'de' });
    expect(chosen.headers.get('content-language')).toBe('es');
    const cookie = chosen.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^fd_lang=es; Path=\/; Max-Age=31536000; SameSite=Lax/);
    const next = await get('/index.html', { 'accept-language': 'de', cookie: cookie.split(';')[0]! });
    expect(next.headers.get('content-language')).toBe('es');
    // Nothing we speak, or nothing asked: English.
    expect((await get('/index.html', { 'accept-language': 'fr-FR, ja;q=0.8' })).headers.get('content-language')).toBe(
      'en',
    );
    expect((await get('/index.html?lang=xx')).headers.get('set-cookie')).toBeNull();
  });

  it('answers /, /index.html and /account as pages, and never the sources', async () => {
    const index = await page('/');
    expect(index.html).toContain('<title>Discover events — Fairdrop</title>');
    expect((await page('/index.html')).html).toBe(index.html);
    expect((await page('/account')).html).toBe((await page('/account.html')).html);
    for (const source of [
      '/pages/account.html',
      '/pages/_layout.html',
      '/_layout',
      '/_layout.html',
      '/src/pages/queue.ts',
    ])
      expect((await page(source)).status, source).toBe(404);
    expect((await page('/no-such-page.html')).status).toBe(404);
    expect((await page('/styles.css')).status).toBe(200);
  });

  it('revalidates with an ETag, and answers HEAD without a body', async () => {
    const first = await fetch(`${env.api.baseUrl}/queue.html`);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]{16}"$/);
    const again = await fetch(`${env.api.baseUrl}/queue.html`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    const head = await fetch(`${env.api.baseUrl}/queue.html`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('renders the same pages once in production, with five minutes of caching', async () => {
    const app = express().use(webPages({ production: true }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as { port: number };
    try {
      const res = await fetch(`http://127.0.0.1:${port}/tickets.html`);
      expect(res.headers.get('cache-control')).toBe('public, max-age=300');
      expect(await res.text()).toBe((await page('/tickets.html')).html);
    } finally {
      server.close();
    }
  });
});
