import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import i18next, { type i18n, type Resource, type ResourceLanguage } from 'i18next';
import { DEFAULT_LOCALE, LOCALES, type Locale } from './locales.js';

/**
 * The message catalogues: src/i18n/locales/<language>/<namespace>.json, one namespace per page
 * or area (`queue`, `organizer`, `mail`) and `common` for the layout and what every page shares.
 * Keys are written in full where they are used, namespace first (`t('queue:where.first')`), so
 * test/unit/catalogues.test.ts can check that every key used exists in every language and that
 * the languages name the same placeholders. Plurals follow i18next (`key_one`, `key_other`;
 * German and Spanish have the same two forms), placeholders are `{{name}}`.
 *
 * i18next (the ecosystem's usual catalogue library) resolves keys, plurals, interpolation and
 * the fallback to English; the server holds every catalogue, and a page receives only the
 * namespaces it uses, embedded in its HTML (web-pages.ts) for web/src/lib/i18n.ts.
 */
const localesDir = fileURLToPath(new URL('./locales', import.meta.url));

function readCatalogues(): Resource {
  const resources: Resource = {};
  for (const locale of LOCALES) {
    const language: ResourceLanguage = {};
    for (const file of readdirSync(`${localesDir}/${locale}`)
      .filter((f) => f.endsWith('.json'))
      .sort()) {
      language[file.slice(0, -'.json'.length)] = JSON.parse(readFileSync(`${localesDir}/${locale}/${file}`, 'utf8'));
    }
    resources[locale] = language;
  }
  return resources;
}

export const resources: Resource = readCatalogues();

/** Every namespace, as the English catalogue has them. */
export const NAMESPACES: readonly string[] = Object.keys(resources[DEFAULT_LOCALE] ?? {});

const instance: i18n = i18next.createInstance();
void instance.init({
  resources,
  lng: DEFAULT_LOCALE,
  fallbackLng: DEFAULT_LOCALE,
  supportedLngs: [...LOCALES],
  ns: [...NAMESPACES],
  defaultNS: 'common',
  // Pages escape when they write HTML; mails are plain text; the DOM takes text.
  interpolation: { escapeValue: false },
  returnNull: false,
  initAsync: false,
});

export type Translate = (key: string, values?: Record<string, unknown>) => string;

/** `t` for one language: `translator('de')('mail:turn.subject', { event })`. */
export function translator(locale: Locale): Translate {
  const fixed = instance.getFixedT(locale);
  return (key, values) => fixed(key, values ?? {}) as string;
}

/** Whether the English catalogue has the key (`ns:path`, or a plural's base: `key_other` exists). */
export const hasKey = (key: string): boolean =>
  instance.exists(key, { lng: DEFAULT_LOCALE }) || instance.exists(`${key}_other`, { lng: DEFAULT_LOCALE });

/** The namespaces a page uses, in one language, for embedding: `{ common: {…}, queue: {…} }`. */
export function catalogue(locale: Locale, namespaces: readonly string[]): Record<string, unknown> {
  const language = resources[locale] ?? {};
  return Object.fromEntries(namespaces.filter((ns) => ns in language).map((ns) => [ns, language[ns]]));
}
