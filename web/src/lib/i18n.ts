/**
 * The page's language and words. The server renders every page in the request's language
 * (src/http/web-pages.ts) and embeds the messages the page's script needs as a JSON block,
 * `<script type="application/json" id="fd-i18n">`; this reads it once and gives the script:
 *
 * - `t('queue:where.first')`, `t('queue:where.position', { count })`: i18next over the same
 *   catalogues (src/i18n/locales/<language>/<namespace>.json). Keys are written in full,
 *   namespace first, as literals, so test/unit/catalogues.test.ts can check each exists in every
 *   language;
 * - `locale`: the language for `Intl` ("de"), and `number()`/`money()`/`percent()` written in it.
 *
 * Outside a browser (a unit test importing a page module) `useMessages` gives it the catalogues.
 */
import i18next, { type i18n } from 'i18next';
import { DEFAULT_LOCALE, isLocale, type Locale } from '../../../src/i18n/locales.js';

interface Embedded {
  lng: string;
  resources: Record<string, Record<string, unknown>>;
}

function embedded(): Embedded | null {
  if (typeof document === 'undefined') return null;
  const block = document.getElementById('fd-i18n');
  return block?.textContent ? (JSON.parse(block.textContent) as Embedded) : null;
}

const instance: i18n = i18next.createInstance();

function start(data: Embedded | null): Locale {
  const lng = isLocale(data?.lng) ? data.lng : DEFAULT_LOCALE;
  void instance.init({
    lng,
    fallbackLng: DEFAULT_LOCALE,
    resources: data ? { [lng]: data.resources } : {},
    defaultNS: 'common',
    interpolation: { escapeValue: false },
    returnNull: false,
    initAsync: false,
  });
  return lng;
}

/** The page's language: "en", "de" or "es". */
export let locale: Locale = start(embedded());

/** For tests outside a browser: the messages a page would have embedded. */
export function useMessages(lng: Locale, resources: Embedded['resources']): void {
  for (const [ns, messages] of Object.entries(resources)) instance.addResourceBundle(lng, ns, messages, true, true);
  void instance.changeLanguage(lng);
  locale = lng;
}

/** A message in the page's language: `t('queue:where.position', { count: 3 })`. */
export const t = (key: string, values?: Record<string, unknown>): string => instance.t(key, values ?? {}) as string;

const numberFormats = new Map<string, Intl.NumberFormat>();
function numberFormat(options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let format = numberFormats.get(key);
  if (!format) numberFormats.set(key, (format = new Intl.NumberFormat(locale, options)));
  return format;
}

/** 12,345 / 12.345 / 12 345, as the page's language writes it. */
export const number = (value: number, options: Intl.NumberFormatOptions = {}): string =>
  numberFormat(options).format(value);

/** An amount in minor units, in its currency, as the page's language writes it: "€12.50", "12,50 €". */
export const money = (cents: number, currency: string): string =>
  numberFormat({ style: 'currency', currency }).format(cents / 100);

/** 0.42 → "42%" / "42 %". */
export const percent = (ratio: number, digits = 0): string =>
  numberFormat({ style: 'percent', maximumFractionDigits: digits }).format(ratio);
