import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { RequestHandler } from 'express';
import { etagOf, sendFile, withCompressed, type StaticFile } from './static-file.js';

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

/** esbuild's names for shared chunks (`chunk-<content hash>.js`): a new content is a new name. */
const CHUNK = /^chunk-[\w-]+\.js$/;

/** The file as is, and compressed where that makes it smaller (production only: Brotli's best takes a moment). */
function formsOf(body: Buffer, compress: boolean): StaticFile['forms'] {
  const identity = { encoding: 'identity' as const, body, etag: etagOf(body, 'identity') };
  return compress ? withCompressed(identity) : [identity];
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
