import type { Principal } from '../auth/principal.js';

/**
 * What a card pays for. An admin's card and a card bought with money are platform cards: any
 * event. An organizer's card pays only for that organizer's events, so issuing one gives away
 * the organizer's own tickets (as a free tier would) and never creates money that another
 * organizer's event would accept.
 */
export interface CardScope {
  scope: 'platform' | 'organizer';
  organizer: { id: string; name: string } | null;
}

/** The organizer a card issued by `principal` is scoped to; null for an admin's platform card. */
export function issuedScope(principal: Principal): string | null {
  return principal.roles.includes('admin') ? null : principal.userId;
}

export function paysFor(card: { scopeOrganizerId: string | null }, event: { organizerId: string }): boolean {
  return card.scopeOrganizerId === null || card.scopeOrganizerId === event.organizerId;
}

export function scopeView(scopeOrganizerId: string | null, organizerName: string | null): CardScope {
  return scopeOrganizerId === null
    ? { scope: 'platform', organizer: null }
    : { scope: 'organizer', organizer: { id: scopeOrganizerId, name: organizerName ?? '' } };
}
