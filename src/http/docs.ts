import express, { type Router } from 'express';
import swaggerUi from 'swagger-ui-dist';
import type { AnyRoute } from './route.js';

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot' }[c]};`);

/** Codes every route can answer with, besides its own. */
export const commonProblems: Record<string, string> = {
  'request.invalid': 'A parameter, query value or body field is missing or wrong; `errors[]` names each one.',
  'request.malformed_json': 'The body is not valid JSON.',
  'request.too_large': 'The body is larger than the API accepts.',
  'request.unsupported_media_type': 'The body is not sent as application/json.',
  'request.not_found': 'No such route.',
  'request.method_not_allowed': 'The route exists but not with this method; see the Allow header.',
  'request.timeout': 'The request took too long and was abandoned; it is safe to retry with the same Idempotency-Key.',
  'auth.required': 'Sign in first.',
  'auth.session_invalid': 'The bearer token is unknown or was signed out.',
  'auth.session_expired': 'The session expired; sign in again.',
  'auth.malformed_header': 'The Authorization header is not `Bearer <token>`.',
  'auth.forbidden': 'The account lacks the role this needs.',
  rate_limited: 'Too many requests; wait for Retry-After seconds.',
  'idempotency.key_reused': 'The Idempotency-Key was used for a different request.',
  'idempotency.in_progress': 'A request with this key is still running; retry after Retry-After.',
  'idempotency.invalid_key': 'The Idempotency-Key is not 8 to 255 printable characters.',
  'idempotency.key_required': 'This endpoint needs an Idempotency-Key.',
  internal: 'Our fault; the problem carries a request id to quote.',
};

/** The rendered API reference at /docs and the problem catalogue at /docs/problems. */
export function docsRouter(routes: readonly AnyRoute[]): Router {
  const router = express.Router();
  router.use('/assets', express.static(swaggerUi.getAbsoluteFSPath(), { index: false, maxAge: '1d' }));
  router.get('/problems', (_req, res) => {
    const byCode = new Map<string, string[]>(Object.entries(commonProblems).map(([code, text]) => [code, [text]]));
    for (const route of routes) {
      for (const code of route.errors ?? []) {
        const list = byCode.get(code) ?? [];
        list.push(`${route.method.toUpperCase()} ${route.path}`);
        byCode.set(code, list);
      }
    }
    const rows = [...byCode.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(
        ([code, notes]) =>
          `<dt id="${escape(code)}"><code>${escape(code)}</code></dt><dd>${notes.map(escape).join('<br>')}</dd>`,
      )
      .join('\n');
    res
      .type('html')
      .send(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
          `<title>Fairdrop problem codes</title><link rel="stylesheet" href="/styles.css"></head><body><main class="page">` +
          `<h1>Problem codes</h1><p>Every error is an <code>application/problem+json</code> document (RFC 9457) whose ` +
          `<code>code</code> is one of these. Match on the code, not on the text.</p><dl class="problems">${rows}</dl></main></body></html>`,
      );
  });
  return router;
}
