import type { Principal } from '../auth/principal.js';
import { catalogErrors } from './catalog.errors.js';

/** The one check for "may this caller change this event": its organizer, or an admin. */
export function assertEventOrganizer(principal: Principal, event: { organizerId: string }): void {
  if (event.organizerId !== principal.userId && !principal.roles.includes('admin')) throw catalogErrors.notOrganizer();
}

/** Drafts are visible only to their organizer and admins; to anyone else they do not exist. */
export function canSeeEvent(principal: Principal | null, event: { organizerId: string; status: string }): boolean {
  if (event.status !== 'draft') return true;
  return principal !== null && (principal.userId === event.organizerId || principal.roles.includes('admin'));
}
