import { createHash } from 'node:crypto';
import { access, readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import {
  catalogue,
  hasKey,
  LOCALE_NAMES,
  localeCookie,
  LOCALES,
  negotiateLocale,
  translator,
  type Locale,
} from '../i18n/index.js';
import { pageNamespaces } from './page-namespaces.js';
import { sendFile, withCompressed, type StaticFile } from './static-file.js';

/**
 * The pages, put together on the server: web/pages/<name>.html holds one page's <main> and,
 * on its first line, its title (`<!-- title: Your account -->`); web/pages/_layout.html wraps
 * every page in the same head (meta, title pattern, favicon, stylesheet, the page's script)
 * and the same site header. The script is the page's bundle, /assets/<name>.js, included when
 * web/src/pages/<name>.ts exists (see web-assets.ts).
 *
 * Served at /<name>.html and /<name>, the index page also at /. Rendered here rather than by
 * a script in the browser, so a page arrives whole: its words read before its script runs, and
 * without scripts at all (the transfer invitation's stop-over page relies on that). Production
 * renders every page once and keeps the result; elsewhere each request reads the files again,
 * so an edited page shows on reload. Rendered once, each page is also compressed once (Brotli,
 * gzip), and a request gets the smallest form its Accept-Encoding takes.
 *
 * In the request's language (src/i18n/locales.ts: `?lang=`, which the fd_lang cookie then keeps,
 * the cookie, Accept-Language, English): a page's words are catalogue keys, `{{t:queue:title}}`
 * for text (escaped) and `{{html:queue:ladder.draw}}` for a message that carries its own markup
 * (<strong>, <a>; the catalogues are ours). The page's script gets the namespaces its modules
 * use (page-namespaces.ts), embedded as JSON for web/src/lib/i18n.ts.
 */
const webDir = fileURLToPath(new URL('../../web', import.meta.url));
const pagesDir = `${webDir}/pages`;
const scriptsDir = `${webDir}/src/pages`;

/** A page's name: lower-case words and dashes. `_layout` is not one, so it is never served. */
const PAGE_NAME = /^[a-z0-9-]+$/;
const TITLE_LINE = /^<!--\s*title:\s*(.+?)\s*-->\r?\n/;
const MESSAGE = /\{\{(t|html):([\w-]+:[\w.-]+)\}\}/g;

/** A page: as is and, rendered once in production, also compressed. */
type Page = StaticFile;

const escapeHtml = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** The page's words in one language; a key the English catalogue lacks is a mistake in the page. */
function translate(source: string, locale: Locale, where: string): string {
  const t = translator(locale);
  return source.replace(MESSAGE, (_whole, kind: string, key: string) => {
    if (!hasKey(key)) throw new Error(`${where}: no message ${key} in src/i18n/locales/en`);
    return kind === 'html' ? t(key) : escapeHtml(t(key));
  });
}

/** The switcher: a link per language to this page in it (lib/layout.ts keeps the page's query). */
function languageLinks(locale: Locale): string {
  const links = LOCALES.map(
    (l) =>
      `<a href="?lang=${l}" hreflang="${l}" lang="${l}"${l === locale ? ' aria-current="true"' : ''}>${LOCALE_NAMES[l]}</a>`,
  );
  return `<nav class="languages" aria-label="${escapeHtml(translator(locale)('common:language.label'))}">${links.join('')}</nav>`;
}

/** The page's messages for its script, as a JSON data block (not run: the CSP allows it). */
function messagesBlock(locale: Locale, namespaces: readonly string[]): string {
  const json = JSON.stringify({ lng: locale, resources: catalogue(locale, namespaces) }).replace(/</g, '\\u003c');
  return `<script type="application/json" id="fd-i18n">${json}</script>`;
}

/** One page in the layout, in one language: the layout's placeholders filled in, every message translated. */
export function renderPage(
  layout: string,
  page: { name: string; source: string; hasScript: boolean; namespaces?: readonly string[] },
  locale: Locale = 'en',
): string {
  const title = TITLE_LINE.exec(page.source);
  if (!title) throw new Error(`web/pages/${page.name}.html must start with <!-- title: … -->`);
  const main = page.source.slice(title[0].length);
  const namespaces = page.namespaces ?? ['common'];
  const where = `web/pages/${page.name}.html`;
  const script = `<script type="module" src="/assets/${page.name}.js"></script>`;
  // Functions as replacements: a `$` in a page is text, not a replacement pattern.
  return translate(layout, locale, 'web/pages/_layout.html')
    .replace('{{lang}}', locale)
    .replace('{{title}}', () => escapeHtml(translate(title[1]!, locale, where)))
    .replace('{{languages}}', () => languageLinks(locale))
    .replace(/^([ \t]*)\{\{script\}\}\n/m, (_line, indent: string) =>
      page.hasScript ? `${indent}${messagesBlock(locale, namespaces)}\n${indent}${script}\n` : '',
    )
    .replace('{{main}}', () => translate(main.trimEnd(), locale, where));
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

async function load(name: string, layout: string, locale: Locale, compress = false): Promise<Page | null> {
  const source = await readFile(`${pagesDir}/${name}.html`, 'utf8').catch(() => null);
  if (source === null) return null;
  const script = `${scriptsDir}/${name}.ts`;
  const hasScript = await exists(script);
  const namespaces = hasScript ? await pageNamespaces(script) : [];
  const html = renderPage(layout, { name, source, hasScript, namespaces }, locale);
  const body = Buffer.from(html);
  const identity = {
    encoding: 'identity' as const,
    body,
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"`,
  };
  return {
    forms: compress ? withCompressed(identity) : [identity],
    type: 'text/html; charset=utf-8',
    // Set per request: five minutes in production, always revalidated elsewhere.
    cacheControl: '',
    language: locale,
  };
}

const readLayout = () => readFile(`${pagesDir}/_layout.html`, 'utf8');
const keyOf = (name: string, locale: Locale) => `${name}|${locale}`;

async function loadAll(): Promise<Map<string, Page>> {
  const layout = await readLayout();
  const names = (await readdir(pagesDir))
    .filter((f) => f.endsWith('.html'))
    .map((f) => f.slice(0, -'.html'.length))
    .filter((name) => PAGE_NAME.test(name));
  const pages = new Map<string, Page>();
  for (const name of names) {
    for (const locale of LOCALES) pages.set(keyOf(name, locale), (await load(name, layout, locale, true))!);
  }
  return pages;
}

/** "/" → index, "/account.html" and "/account" → account; anything else is not a page. */
function pageName(path: string): string | null {
  if (path === '/') return 'index';
  const name = /^\/([^/]+?)(?:\.html)?$/.exec(path)?.[1];
  return name && PAGE_NAME.test(name) ? name : null;
}

/** The request's language from its headers alone (the lean path leaves `?lang=` to Express). */
export const localeOfHeaders = (req: IncomingMessage): Locale =>
  negotiateLocale({ cookie: req.headers.cookie, acceptLanguage: req.headers['accept-language'] });

/**
 * The pages, and `find` for the lean path: a page by request path once production has rendered
 * them all (undefined before, for any other path, and always in development).
 */
export function webPages(options: { production: boolean }): RequestHandler & {
  find(path: string, req: IncomingMessage): StaticFile | undefined;
  /** A page's HTML by name and language (the 404 and error pages, sent by error-pages.ts with their status), or null. */
  html(name: string, locale: Locale): Promise<string | null>;
} {
  // As the static files: five minutes in production, always revalidated elsewhere.
  const cacheControl = `public, max-age=${options.production ? 300 : 0}`;
  let rendered: Promise<Map<string, Page>> | undefined;
  let ready: Map<string, Page> | undefined;
  const find = async (name: string, locale: Locale): Promise<Page | null> => {
    if (!options.production) return load(name, await readLayout(), locale);
    rendered ??= loadAll().then((pages) => {
      for (const page of pages.values()) page.cacheControl = cacheControl;
      return (ready = pages);
    });
    return (await rendered).get(keyOf(name, locale)) ?? null;
  };
  const handler: RequestHandler = async (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const name = pageName(req.path);
    const chosen = typeof req.query.lang === 'string' ? req.query.lang : null;
    const locale = negotiateLocale({
      query: chosen,
      cookie: req.headers.cookie,
      acceptLanguage: req.headers['accept-language'],
    });
    const page = name ? await find(name, locale) : null;
    if (!page) return next();
    // A switcher link's choice is kept for the pages that follow.
    if (chosen === locale) res.setHeader('Set-Cookie', localeCookie(locale));
    sendFile(req, res, { ...page, cacheControl });
  };
  return Object.assign(handler, {
    find: (path: string, req: IncomingMessage) => {
      const name = ready ? pageName(path) : null;
      if (!name || req.url!.includes('lang=')) return undefined;
      return ready?.get(keyOf(name, localeOfHeaders(req)));
    },
    html: async (name: string, locale: Locale) => {
      const page = PAGE_NAME.test(name) ? await find(name, locale) : null;
      return page ? page.forms.find((f) => f.encoding === 'identity')!.body.toString('utf8') : null;
    },
  });
}
