import { api, session } from './api.js';
import { h } from './dom.js';
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
  const links: [string, string][] = [['/', 'Discover']];
  if (user) {
    links.push(['/tickets.html', 'My tickets']);
    if (user.roles.includes('organizer') || user.roles.includes('admin')) links.push(['/organizer.html', 'Organizer']);
    if (user.roles.includes('staff') || user.roles.includes('admin')) links.push(['/scanner.html', 'Door scanner']);
    links.push(['/account.html', user.displayName]);
  } else {
    // Signing in from any page comes back to it (account.ts follows `next`).
    const here = location.pathname === '/account.html' || location.pathname === '/account';
    links.push([here ? '/account.html' : signInHref(location), 'Sign in']);
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

export const money = (cents: number, currency: string) =>
  new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(cents / 100);

/**
 * A time about an event, in the event's zone and labelled with it ("Sat 5 Dec, 22:17 EST"): the
 * shared formatter (lib/zoned-time.ts), so every page writes event times the same way.
 */
export const localTime = (iso: string, timeZone: string): string => eventTime(iso, timeZone);

export const accessibilityLabels: Record<string, string> = {
  wheelchair: 'Wheelchair spaces',
  step_free: 'Step-free access',
  hearing_loop: 'Hearing loop',
  accessible_toilets: 'Accessible toilets',
  sensory_friendly: 'Sensory-friendly',
};

export const availabilityLabels: Record<string, string> = {
  on_sale: 'On sale',
  queue_open: 'Waiting room open',
  not_yet: 'Not on sale yet',
  paused: 'Sale paused',
  sold_out: 'Sold out',
  sales_closed: 'Sales closed',
  postponed: 'Postponed',
  cancelled: 'Cancelled',
};
