import { createHash } from 'node:crypto';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { RequestHandler } from 'express';
import { sendFile, type StaticFile } from './static-file.js';

/**
 * The pages' TypeScript (web/src/pages/*.ts) bundled by esbuild when the process starts —
 * typed against the same socket.io event interfaces as the server, with no build output to
 * commit or forget. Served at /assets/<page>.js with a content hash ETag; the page
 * web/pages/<page>.html loads it through the layout (web-pages.ts).
 *
 * A page's entry keeps its name, so it is revalidated (no-cache, 304 on its ETag); the chunks
 * the entries share are named by their content (`chunk-<hash>.js`), so a browser keeps them a
 * year without asking (`immutable`). In production every file is also compressed once, at
 * bundling, with Brotli and gzip, and each request gets the smallest its Accept-Encoding takes.
 */
const pagesDir = fileURLToPath(new URL('../../web/src/pages', import.meta.url));

type Asset = StaticFile;

export type Encoding = 'br' | 'gzip' | 'identity';

/** esbuild's names for shared chunks (`chunk-<content hash>.js`): a new content is a new name. */
const CHUNK = /^chunk-[\w-]+\.js$/;

const etagOf = (body: Uint8Array, encoding: Encoding) =>
  `"${createHash('sha256').update(body).update(encoding).digest('base64url').slice(0, 16)}"`;

/** The file as is, and compressed where that makes it smaller (production only: Brotli's best takes a moment). */
function formsOf(body: Buffer, compress: boolean): StaticFile['forms'] {
  const identity = { encoding: 'identity' as const, body, etag: etagOf(body, 'identity') };
  return compress ? withCompressed(identity) : [identity];
}

/**
 * A body's forms: as is, and Brotli (best quality) and gzip (best) where smaller, each with an
 * ETag of its own; smallest first, so the first one a client accepts is the one it gets.
 */
export function withCompressed<F extends { encoding: Encoding; body: Buffer; etag: string }>(
  identity: F,
): { encoding: Encoding; body: Buffer; etag: string }[] {
  const { body } = identity;
  const forms: { encoding: Encoding; body: Buffer; etag: string }[] = [identity];
  const br = brotliCompressSync(body, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
    },
  });
  const gzip = gzipSync(body, { level: constants.Z_BEST_COMPRESSION });
  if (br.length < body.length) forms.push({ encoding: 'br', body: br, etag: etagOf(body, 'br') });
  if (gzip.length < body.length) forms.push({ encoding: 'gzip', body: gzip, etag: etagOf(body, 'gzip') });
  return forms.sort((a, b) => a.body.length - b.body.length);
}

/** The codings an Accept-Encoding header takes (q=0 refuses one); identity is always acceptable here. */
export function acceptedEncodings(header: string | undefined): Set<string> {
  const accepted = new Set<string>(['identity']);
  if (!header) return accepted;
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (name && !(q && Number(q.slice(2)) === 0)) accepted.add(name === '*' ? 'gzip' : name);
  }
  return accepted;
}

/** The smallest form the request accepts. */
export function pickForm<F extends { encoding: Encoding }>(forms: readonly F[], acceptEncoding: string | undefined): F {
  if (forms.length === 1) return forms[0]!;
  const accepted = acceptedEncodings(acceptEncoding);
  return forms.find((f) => accepted.has(f.encoding)) ?? forms.find((f) => f.encoding === 'identity')!;
}

async function bundle(production: boolean): Promise<Map<string, Asset>> {
  const entries = (await readdir(pagesDir)).filter((f) => f.endsWith('.ts')).map((f) => `${pagesDir}/${f}`);
  const result = await build({
    entryPoints: entries,
    bundle: true,
    write: false,
    format: 'esm',
    splitting: true,
    outdir: '/assets',
    target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
    minify: production,
    sourcemap: production ? false : 'inline',
    logLevel: 'silent',
  });
  const assets = new Map<string, Asset>();
  for (const file of result.outputFiles) {
    const name = file.path.replace(/^\/assets\//, '');
    const body = Buffer.from(file.contents);
    assets.set(name, {
      forms: formsOf(body, production),
      type: 'text/javascript; charset=utf-8',
      cacheControl: CHUNK.test(name) ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
  }
  return assets;
}

/** The bundles at /assets/*, and `find` for the lean path: a bundle by name once bundling is done (undefined before). */
export function webAssets(options: {
  production: boolean;
}): RequestHandler & { find(name: string): StaticFile | undefined } {
  let assets: Promise<Map<string, Asset>> | undefined;
  let ready: Map<string, Asset> | undefined;
  const load = () =>
    (assets ??= bundle(options.production).then((map) => {
      ready = map;
      return map;
    }));
  const handler: RequestHandler = async (req, res, next) => {
    const asset = (await load()).get(req.path.replace(/^\//, ''));
    if (!asset) return next();
    sendFile(req, res, asset);
  };
  return Object.assign(handler, { find: (name: string) => ready?.get(name) });
}
