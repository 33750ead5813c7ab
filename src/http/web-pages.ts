import { createHash } from 'node:crypto';
import { access, readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { RequestHandler } from 'express';
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
 */
const webDir = fileURLToPath(new URL('../../web', import.meta.url));
const pagesDir = `${webDir}/pages`;
const scriptsDir = `${webDir}/src/pages`;

/** A page's name: lower-case words and dashes. `_layout` is not one, so it is never served. */
const PAGE_NAME = /^[a-z0-9-]+$/;
const TITLE_LINE = /^<!--\s*title:\s*(.+?)\s*-->\r?\n/;

/** A page: as is and, rendered once in production, also compressed. */
type Page = StaticFile;

const escapeHtml = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** One page in the layout: the layout's {{title}}, {{script}} and {{main}} filled in. */
export function renderPage(layout: string, page: { name: string; source: string; hasScript: boolean }): string {
  const title = TITLE_LINE.exec(page.source);
  if (!title) throw new Error(`web/pages/${page.name}.html must start with <!-- title: … -->`);
  const script = `<script type="module" src="/assets/${page.name}.js"></script>`;
  // Functions as replacements: a `$` in a page is text, not a replacement pattern.
  return layout
    .replace('{{title}}', () => escapeHtml(title[1]!))
    .replace(/^([ \t]*)\{\{script\}\}\n/m, (_line, indent: string) => (page.hasScript ? `${indent}${script}\n` : ''))
    .replace('{{main}}', () => page.source.slice(title[0].length).trimEnd());
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

async function load(name: string, layout: string, compress = false): Promise<Page | null> {
  const source = await readFile(`${pagesDir}/${name}.html`, 'utf8').catch(() => null);
  if (source === null) return null;
  const html = renderPage(layout, { name, source, hasScript: await exists(`${scriptsDir}/${name}.ts`) });
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
  };
}

const readLayout = () => readFile(`${pagesDir}/_layout.html`, 'utf8');

async function loadAll(): Promise<Map<string, Page>> {
  const layout = await readLayout();
  const names = (await readdir(pagesDir))
    .filter((f) => f.endsWith('.html'))
    .map((f) => f.slice(0, -'.html'.length))
    .filter((name) => PAGE_NAME.test(name));
  const pages = new Map<string, Page>();
  for (const name of names) pages.set(name, (await load(name, layout, true))!);
  return pages;
}

/** "/" → index, "/account.html" and "/account" → account; anything else is not a page. */
function pageName(path: string): string | null {
  if (path === '/') return 'index';
  const name = /^\/([^/]+?)(?:\.html)?$/.exec(path)?.[1];
  return name && PAGE_NAME.test(name) ? name : null;
}

/**
 * The pages, and `find` for the lean path: a page by request path once production has rendered
 * them all (undefined before, for any other path, and always in development).
 */
export function webPages(options: { production: boolean }): RequestHandler & {
  find(path: string): StaticFile | undefined;
  /** A page's HTML by name (the 404 and error pages, sent by error-pages.ts with their status), or null. */
  html(name: string): Promise<string | null>;
} {
  // As the static files: five minutes in production, always revalidated elsewhere.
  const cacheControl = `public, max-age=${options.production ? 300 : 0}`;
  let rendered: Promise<Map<string, Page>> | undefined;
  let ready: Map<string, Page> | undefined;
  const find = async (name: string): Promise<Page | null> => {
    if (!options.production) return load(name, await readLayout());
    rendered ??= loadAll().then((pages) => {
      for (const page of pages.values()) page.cacheControl = cacheControl;
      return (ready = pages);
    });
    return (await rendered).get(name) ?? null;
  };
  const handler: RequestHandler = async (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const name = pageName(req.path);
    const page = name ? await find(name) : null;
    if (!page) return next();
    sendFile(req, res, { ...page, cacheControl });
  };
  return Object.assign(handler, {
    find: (path: string) => {
      const name = ready ? pageName(path) : null;
      return name ? ready?.get(name) : undefined;
    },
    html: async (name: string) => {
      const page = PAGE_NAME.test(name) ? await find(name) : null;
      return page ? page.forms.find((f) => f.encoding === 'identity')!.body.toString('utf8') : null;
    },
  });
}
