import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { fresh } from './fresh.js';

/** A page or bundle held in memory: its forms (as is, compressed), its type and how long a browser keeps it. */
export interface StaticFile {
  /** Smallest first; each with its own ETag. */
  forms: readonly { encoding: Encoding; body: Buffer; etag: string }[];
  /** The full Content-Type (`text/html; charset=utf-8`). */
  type: string;
  cacheControl: string;
  /** The body's language (a page): sent as Content-Language, and the answer varies with what picks it. */
  language?: string;
}

/**
 * Answers GET or HEAD with the file, in the smallest form the request's Accept-Encoding takes:
 * its ETag, Cache-Control and Vary; 304 when If-None-Match names that form (Express' freshness
 * rules). Plain Node calls, so the Express middlewares (webAssets, webPages) and the lean path
 * write the same answer.
 */
export function sendFile(req: IncomingMessage, res: ServerResponse, file: StaticFile): void {
  const form = pickForm(file.forms, req.headers['accept-encoding']);
  res.setHeader('ETag', form.etag);
  res.setHeader('Cache-Control', file.cacheControl);
  if (file.language) {
    res.setHeader('Content-Language', file.language);
    res.setHeader(
      'Vary',
      file.forms.length > 1 ? 'Accept-Encoding, Accept-Language, Cookie' : 'Accept-Language, Cookie',
    );
  } else if (file.forms.length > 1) res.setHeader('Vary', 'Accept-Encoding');
  if (fresh(req.headers, form.etag) || req.headers['if-none-match'] === form.etag) {
    res.statusCode = 304;
    res.end();
    return;
  }
  if (form.encoding !== 'identity') res.setHeader('Content-Encoding', form.encoding);
  res.setHeader('Content-Type', file.type);
  res.setHeader('Content-Length', form.body.length);
  if (req.method === 'HEAD') res.end();
  else res.end(form.body);
}

export type Encoding = 'br' | 'gzip' | 'identity';

/** A strong ETag for one form of a body. */
export const etagOf = (body: Uint8Array, encoding: Encoding) =>
  `"${createHash('sha256').update(body).update(encoding).digest('base64url').slice(0, 16)}"`;

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
