import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptedEncodings } from '../../src/http/static-file.js';
import { webAssets } from '../../src/http/web-assets.js';
import { webPages } from '../../src/http/web-pages.js';

/** Production's pages and bundles: compressed once, served in the form the client takes, chunks kept a year. */
let base = '';
let server: ReturnType<express.Express['listen']>;
const assets = webAssets({ production: true });
const pages = webPages({ production: true });
beforeAll(async () => {
  const app = express();
  app.use('/assets', assets);
  app.use(pages);
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);
afterAll(() => new Promise((r) => server.close(r)));

/** Raw bytes as sent (node:http rather than fetch, which would decompress them). */
async function raw(path: string, headers: Record<string, string> = {}) {
  const { request } = await import('node:http');
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>(
    (resolve, reject) => {
      const req = request(`${base}${path}`, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.end();
    },
  );
}

describe('compressed pages and bundles (production)', () => {
  it.each(['/assets/queue.js', '/queue.html'])(
    'serves %s as Brotli, gzip or as is, each with its own ETag',
    async (path) => {
      const plain = await raw(path, { 'accept-encoding': 'identity' });
      expect(plain.status).toBe(200);
      expect(plain.headers['content-encoding']).toBeUndefined();
      // A page also varies with what picks its language.
      expect(plain.headers.vary).toBe(
        path.endsWith('.html') ? 'Accept-Encoding, Accept-Language, Cookie' : 'Accept-Encoding',
      );

      const br = await raw(path, { 'accept-encoding': 'gzip, deflate, br' });
      expect(br.headers['content-encoding']).toBe('br');
      expect(br.body.length).toBeLessThan(plain.body.length);
      expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true);

      const gzip = await raw(path, { 'accept-encoding': 'gzip, br;q=0' });
      expect(gzip.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(gzip.body).equals(plain.body)).toBe(true);

      const etags = new Set([plain, br, gzip].map((r) => r.headers.etag));
      expect(etags.size).toBe(3);
      const again = await raw(path, { 'accept-encoding': 'br', 'if-none-match': String(br.headers.etag) });
      expect(again.status).toBe(304);
      // Another form's ETag does not revalidate this one.
      expect((await raw(path, { 'accept-encoding': 'br', 'if-none-match': String(gzip.headers.etag) })).status).toBe(
        200,
      );
    },
  );

  it('keeps a page entry revalidated and a shared chunk (named by its content) for a year', async () => {
    const entry = await raw('/assets/queue.js', { 'accept-encoding': 'identity' });
    expect(entry.headers['cache-control']).toBe('no-cache');
    const chunk = /["'](?:\.\/)?(chunk-[\w-]+\.js)["']/.exec(entry.body.toString('utf8'))?.[1];
    expect(chunk, 'the queue page imports a shared chunk').toBeDefined();
    const shared = await raw(`/assets/${chunk}`, { 'accept-encoding': 'br' });
    expect(shared.status).toBe(200);
    expect(shared.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('hands the lean path what it holds once built, by name, page path and language', async () => {
    await raw('/queue.html');
    const asked = (url: string, headers: Record<string, string> = {}) => ({ url, headers }) as IncomingMessage;
    expect(assets.find('queue.js')?.forms.length).toBe(3);
    expect(pages.find('/queue', asked('/queue'))?.cacheControl).toBe('public, max-age=300');
    expect(pages.find('/queue.html', asked('/queue.html'))).toBe(pages.find('/queue', asked('/queue')));
    expect(pages.find('/', asked('/'))).toBeDefined();
    expect(pages.find('/_layout', asked('/_layout'))).toBeUndefined();
    expect(pages.find('/no-such-page', asked('/no-such-page'))).toBeUndefined();
    expect(webPages({ production: false }).find('/queue', asked('/queue'))).toBeUndefined();
    // The language from the browser or the kept choice; a switcher link (?lang=) is Express's, to set the cookie.
    expect(pages.find('/queue', asked('/queue', { 'accept-language': 'de-DE,de;q=0.9' }))?.language).toBe('de');
    expect(pages.find('/queue', asked('/queue', { cookie: 'fd_lang=es', 'accept-language': 'de' }))?.language).toBe(
      'es',
    );
    expect(pages.find('/queue', asked('/queue?lang=de'))).toBeUndefined();
  });

  it('reads Accept-Encoding with its q-values', () => {
    expect([...acceptedEncodings('gzip;q=0.5, br;q=0')].sort()).toEqual(['gzip', 'identity']);
    expect([...acceptedEncodings(undefined)]).toEqual(['identity']);
    expect(acceptedEncodings('*').has('gzip')).toBe(true);
  });
});
