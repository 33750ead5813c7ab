/**
 * The auth tables other modules' repositories may read inside one statement of their own
 * (.dependency-cruiser.cjs, JOINABLE): `users`, for a name or a confirmed address beside their
 * own rows (gift cards' issuers, door staff, an announcement's audience). Accounts are written
 * only through auth.repository.
 */
export { users } from './auth.table.js';
