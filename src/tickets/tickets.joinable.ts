/**
 * The tickets table, for other modules' repositories to read inside one statement of their own
 * (.dependency-cruiser.cjs, JOINABLE): a door admits a scan only if the ticket is still valid
 * (INSERT … SELECT … FOR SHARE), an announcement finds an event's holders. Tickets are written
 * only through tickets.repository.
 */
export { tickets } from './tickets.table.js';
