/**
 * The check-ins table, for other modules' repositories to read inside one statement of their
 * own (.dependency-cruiser.cjs, JOINABLE): a ticket read with its first admission. Scans are
 * written only through checkin.repository.
 */
export { checkins } from './checkin.table.js';
