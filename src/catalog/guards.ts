import { hasRole } from '../auth/guards.js';
import type { Principal } from '../auth/principal.js';
import { catalogErrors } from './catalog.errors.js';

/**
 * The one check for "may this caller change this event": its organizer while they still hold
 * the organizer role, or an admin. An admin who demotes an organizer (fraud, a dispute) takes
 * their events out of their hands at once: prices, times, on-sale, doors.
 */
export function assertEventOrganizer(principal: Principal, event: { organizerId: string }): void {
  if (!managesEvent(principal, event)) throw catalogErrors.notOrganizer();
}

/** As assertEventOrganizer, as a yes or no. */
export function managesEvent(principal: Principal, event: { organizerId: string }): boolean {
  if (principal.roles.includes('admin')) return true;
  return event.organizerId === principal.userId && hasRole(principal, 'organizer');
}

/**
 * An event takes place at a venue its organizer created (an admin may place it anywhere): a
 * venue's owner can change its address, so another organizer's venue could move under the
 * event without its organizer or its fans being told.
 */
export function assertVenueOfOrganizer(principal: Principal, venue: { ownerId: string }, organizerId: string): void {
  if (venue.ownerId !== organizerId && !principal.roles.includes('admin')) throw catalogErrors.venueNotYours();
}

/** Drafts are visible only to their organizer and admins; to anyone else they do not exist. */
export function canSeeEvent(principal: Principal | null, event: { organizerId: string; status: string }): boolean {
  if (event.status !== 'draft') return true;
  return principal !== null && (principal.userId === event.organizerId || principal.roles.includes('admin'));
}
