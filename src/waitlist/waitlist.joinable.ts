/**
 * The waitlist's entries, for other modules' repositories to read inside one statement of their
 * own (.dependency-cruiser.cjs, JOINABLE): a console row with its line's length, an audit that
 * matches offers against holds. Entries change only through waitlist.repository.
 */
export { waitlistEntries } from './waitlist.table.js';
