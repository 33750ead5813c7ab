import type { Request, Response } from 'express';
import type { Locale } from '../i18n/index.js';
import { localeOfHeaders } from './web-pages.js';

/**
 * The pages a browser gets when there is no page to show: web/pages/not-found.html for an
 * address nothing answers (404), web/pages/error.html for a failure on our side (5xx), each in
 * the site's layout and with its status. Only for a browser asking for a page: a GET or HEAD
 * that prefers HTML (a navigation's `Accept: text/html,…`) outside /v1/; the API, and any
 * client that does not ask for HTML (fetch's `*\/*`, curl), keep problem+json.
 */

/** What the pages offer these handlers: a page's HTML by name (src/http/web-pages.ts). */
export interface PageSource {
  html(name: string, locale: Locale): Promise<string | null>;
}

export interface ErrorPages {
  /** Answers with the page for this status and returns true, or false when the request wants a problem. */
  send(req: Request, res: Response, status: number): Promise<boolean>;
}

/** A browser navigating to a page, not a client of the API. */
export function wantsPage(req: Request): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (req.path === '/v1' || req.path.startsWith('/v1/')) return false;
  return req.accepts(['application/json', 'application/problem+json', 'text/html']) === 'text/html';
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** The error page with the request's id shown, for the fan to quote. */
export function withReference(html: string, requestId: string): string {
  return html
    .replace('<p class="muted" id="reference" hidden>', '<p class="muted" id="reference">')
    .replace('<code class="request-id"></code>', () => `<code class="request-id">${escapeHtml(requestId)}</code>`);
}

export function errorPages(pages: PageSource): ErrorPages {
  return {
    async send(req, res, status) {
      if (res.headersSent || !wantsPage(req)) return false;
      const name = status === 404 ? 'not-found' : status >= 500 ? 'error' : null;
      // A page that cannot be read (the files are what failed) falls back to the problem.
      const html = name ? await pages.html(name, localeOfHeaders(req)).catch(() => null) : null;
      if (html === null) return false;
      res
        .status(status)
        // An answer about this moment: never kept by a browser or a cache in between.
        .set('Cache-Control', 'no-store')
        .type('html')
        .send(status >= 500 ? withReference(html, String(req.id)) : html);
      return true;
    },
  };
}
