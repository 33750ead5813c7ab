/**
 * The languages Fairdrop speaks and how a request picks one. Browser-safe (no Node imports):
 * the pages, the server and the mails share it (.dependency-cruiser.cjs, BROWSER_SAFE).
 *
 * A request's language, first match wins: `?lang=` (a switcher link; the server then keeps it
 * in the `fd_lang` cookie), the `fd_lang` cookie, the best of the browser's Accept-Language, and
 * English. A signed-in account's language (users.locale) is what its mails and notices use.
 */
export const LOCALES = ['en', 'de', 'es'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'en';

/** Each language in its own words, for the switcher. */
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', de: 'Deutsch', es: 'Español' };

/** The cookie that keeps a visitor's chosen language (a year, every path). */
export const LOCALE_COOKIE = 'fd_lang';

export const isLocale = (value: unknown): value is Locale =>
  typeof value === 'string' && (LOCALES as readonly string[]).includes(value);

/**
 * The best of our languages for an Accept-Language header ("de-AT,de;q=0.9,en;q=0.5" → de), by
 * quality then order; a region matches its language. null when none is acceptable.
 */
export function fromAcceptLanguage(header: string | undefined): Locale | null {
  if (!header) return null;
  let best: Locale | null = null;
  let bestQ = 0;
  for (const range of header.split(',')) {
    const [tag = '', ...params] = range.trim().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    const quality = q === undefined ? 1 : Number(q);
    const language = tag.trim().toLowerCase().split('-')[0];
    if (!(quality > bestQ)) continue;
    if (isLocale(language)) [best, bestQ] = [language, quality];
    else if (language === '*' && best === null) [best, bestQ] = [DEFAULT_LOCALE, quality];
  }
  return best;
}

/** The value of one cookie in a Cookie header, or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name) return decodeURIComponent(pair.slice(eq + 1).trim());
  }
  return undefined;
}

/** A request's language: `?lang=`, then the cookie, then Accept-Language, then English. */
export function negotiateLocale(request: {
  query?: string | null | undefined;
  cookie?: string | undefined;
  acceptLanguage?: string | undefined;
}): Locale {
  if (isLocale(request.query)) return request.query;
  const kept = cookieValue(request.cookie, LOCALE_COOKIE);
  if (isLocale(kept)) return kept;
  return fromAcceptLanguage(request.acceptLanguage) ?? DEFAULT_LOCALE;
}

/** The Set-Cookie value that keeps a chosen language. */
export const localeCookie = (locale: Locale): string =>
  `${LOCALE_COOKIE}=${locale}; Path=/; Max-Age=31536000; SameSite=Lax`;
