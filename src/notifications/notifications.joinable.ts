/**
 * The watches table, for other modules' repositories to read inside one statement of their own
 * (.dependency-cruiser.cjs, JOINABLE): an announcement's audience is an event's holders and its
 * watchers, paged in one query. Watches are written only through notifications.repository.
 */
export { watches } from './notifications.table.js';
