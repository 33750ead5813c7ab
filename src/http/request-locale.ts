import type { RouteContext } from './route.js';
import { negotiateLocale, type Locale } from '../i18n/index.js';

/**
 * The language a request is in: `?lang=`, the fd_lang cookie, Accept-Language, English
 * (src/i18n/locales.ts). An account gets it at sign-up; a mail to an address with no account
 * is written in it; an event's description and a wallet pass are answered in it.
 */
export function requestLocale(ctx: RouteContext<unknown, { lang?: string | undefined }, unknown>): Locale {
  return negotiateLocale({
    query: ctx.query.lang,
    cookie: ctx.requestHeader('cookie'),
    acceptLanguage: ctx.requestHeader('accept-language'),
  });
}
