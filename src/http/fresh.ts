import type { IncomingHttpHeaders } from 'node:http';

const NO_CACHE = /(?:^|,)\s*?no-cache\s*?(?:,|$)/;

/**
 * Express' freshness check (the `fresh` package) for an answer with an ETag and no
 * Last-Modified: If-None-Match decides (`*`, or one of its tags, weak or strong); an
 * If-Modified-Since alone never matches; a request with `Cache-Control: no-cache` never does.
 */
export function fresh(headers: IncomingHttpHeaders, etag: string): boolean {
  const noneMatch = headers['if-none-match'];
  if (!noneMatch) return false;
  const cacheControl = headers['cache-control'];
  if (cacheControl && NO_CACHE.test(cacheControl)) return false;
  if (noneMatch === '*') return true;
  for (const raw of noneMatch.split(',')) {
    const tag = raw.trim();
    if (tag === etag || tag === `W/${etag}` || `W/${tag}` === etag) return true;
  }
  return false;
}
