import { forbidden, notFound } from '../shared/errors.js';
import type { Role } from '../shared/vocabulary.js';
import type { Principal } from './principal.js';

/** One-line authorization checks for services. Admins pass every role check. */

export function hasRole(principal: Principal, role: Role): boolean {
  return principal.roles.includes('admin') || principal.roles.includes(role);
}

export function requireRole(principal: Principal, role: Role): void {
  if (!hasRole(principal, role)) throw forbidden('auth.forbidden', `This needs the ${role} role.`);
}

/**
 * The caller must own the thing (or be an admin). A stranger gets the same 404 as for a
 * thing that does not exist, so ids cannot be probed.
 */
export function requireOwner(
  principal: Principal,
  ownerId: string | null | undefined,
  code: string,
  what: string,
): void {
  if (ownerId !== principal.userId && !principal.roles.includes('admin'))
    throw notFound(code, `No ${what} with this id.`);
}
