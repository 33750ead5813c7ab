import { api, session } from './api.js';
import { h } from './dom.js';
import { locale, t } from './i18n.js';
import { signInHref } from './next-path.js';
import { eventTime } from './zoned-time.js';

export interface Me {
  id: string;
  displayName: string;
  email: string;
  roles: string[];
  emailVerified: boolean;
  interests: string[];
  home: { lat: number; lng: number; label?: string } | null;
}

let me: Promise<Me | null> | undefined;

/** The signed-in account, or null (a stale session is forgotten). Cached per page load. */
export function currentUser(): Promise<Me | null> {
  me ??= session.token()
    ? api<Me>('GET', '/v1/me').catch(() => {
        session.clear();
        return null;
      })
    : Promise.resolve(null);
  return me;
}

/** Forgets the cached account: after signing in or out, the next currentUser() or renderHeader() asks again. */
export function forgetCurrentUser(): void {
  me = undefined;
}

/** Fills the site header's navigation according to who is signed in. */
export async function renderHeader(): Promise<void> {
  const nav = document.querySelector('header.site nav');
  if (!nav) return;
  const user = await currentUser();
  keepQueryInLanguageLinks(user);
  const links: [string, string][] = [['/', t('common:nav.discover')]];
  if (user) {
    links.push(['/tickets.html', t('common:nav.myTickets')]);
    if (user.roles.includes('organizer') || user.roles.includes('admin'))
      links.push(['/organizer.html', t('common:nav.organizer')]);
    if (user.roles.includes('staff') || user.roles.includes('admin'))
      links.push(['/scanner.html', t('common:nav.scanner')]);
    links.push(['/account.html', user.displayName]);
  } else {
    // Signing in from any page comes back to it (account.ts follows `next`).
    const here = location.pathname === '/account.html' || location.pathname === '/account';
    links.push([here ? '/account.html' : signInHref(location), t('common:nav.signIn')]);
  }
  nav.replaceChildren(
    ...links.map(([href, text]) =>
      h(
        'a',
        {
          href,
          'aria-current':
            location.pathname === href || (href === '/' && location.pathname === '/index.html') ? 'page' : undefined,
        },
        text,
      ),
    ),
  );
}

/** An amount in its currency, in the page's language (lib/i18n.ts). */
export { money } from './i18n.js';

/**
 * A time about an event, in the event's zone and labelled with it ("Sat 5 Dec, 22:17 EST"): the
 * shared formatter (lib/zoned-time.ts), so every page writes event times the same way.
 */
export const localTime = (iso: string, timeZone: string): string => eventTime(iso, timeZone, { locale });

/** An accessibility feature in words ("Step-free access"); an unknown one as it is. */
export const accessibilityLabel = (feature: string): string =>
  t(`common:accessibility.${feature}`, { defaultValue: feature });

/** The accessibility features a venue can list, in the order forms offer them. */
export { accessibilityFeatures } from '../../../src/shared/vocabulary.js';

/** An event's sale state in words ("Waiting room open"); an unknown one as it is. */
export const availabilityLabel = (state: string): string => t(`common:availability.${state}`, { defaultValue: state });

/**
 * The layout's language links (web-pages.ts) point at `?lang=xx` on the page as served; this
 * points them at the page's address now, query and all (`queue.html?event=…&lang=de`). A page
 * that changes its own address (history.pushState) calls it again.
 */
export function relinkLanguages(): void {
  for (const link of document.querySelectorAll<HTMLAnchorElement>('nav.languages a[hreflang]')) {
    const target = new URL(location.href);
    target.searchParams.set('lang', link.hreflang);
    link.href = `${target.pathname}${target.search}${target.hash}`;
  }
}

/**
 * Once per page load: the links relinked; when a signed-in account followed one, its language
 * is saved for its mails and notices, and the address loses the `lang`.
 */
function keepQueryInLanguageLinks(user: Me | null): void {
  const here = new URL(location.href);
  const chosen = here.searchParams.get('lang');
  if (chosen !== null) {
    here.searchParams.delete('lang');
    history.replaceState(history.state, '', `${here.pathname}${here.search}${here.hash}`);
    if (user && chosen === locale) void api('PATCH', '/v1/me', { locale }).catch(() => undefined);
  }
  relinkLanguages();
}
