import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { RequestHandler } from 'express';

/**
 * The pages' TypeScript (web/src/pages/*.ts) bundled by esbuild when the process starts —
 * typed against the same socket.io event interfaces as the server, with no build output to
 * commit or forget. Served at /assets/<page>.js with a content hash ETag; the page
 * web/pages/<page>.html loads it through the layout (web-pages.ts).
 */
const pagesDir = fileURLToPath(new URL('../../web/src/pages', import.meta.url));

interface Asset {
  body: Uint8Array;
  etag: string;
  type: string;
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
    const etag = `"${createHash('sha256').update(file.contents).digest('base64url').slice(0, 16)}"`;
    assets.set(file.path.replace(/^\/assets\//, ''), {
      body: file.contents,
      etag,
      type: 'text/javascript; charset=utf-8',
    });
  }
  return assets;
}

export function webAssets(options: { production: boolean }): RequestHandler {
  let assets: Promise<Map<string, Asset>> | undefined;
  return async (req, res, next) => {
    assets ??= bundle(options.production);
    const asset = (await assets).get(req.path.replace(/^\//, ''));
    if (!asset) return next();
    res.setHeader('ETag', asset.etag);
    res.setHeader('Cache-Control', 'no-cache');
    if (req.headers['if-none-match'] === asset.etag) {
      res.status(304).end();
      return;
    }
    res.type(asset.type).send(Buffer.from(asset.body));
  };
}
