import type { IncomingMessage, ServerResponse } from 'node:http';
import { fresh } from './fresh.js';
import { pickForm, type Encoding } from './web-assets.js';

/** A page or bundle held in memory: its forms (as is, compressed), its type and how long a browser keeps it. */
export interface StaticFile {
  /** Smallest first; each with its own ETag. */
  forms: readonly { encoding: Encoding; body: Buffer; etag: string }[];
  /** The full Content-Type (`text/html; charset=utf-8`). */
  type: string;
  cacheControl: string;
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
  if (file.forms.length > 1) res.setHeader('Vary', 'Accept-Encoding');
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
