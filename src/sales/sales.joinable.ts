/**
 * The inventory tables, for other modules' repositories to read inside one statement of their
 * own (.dependency-cruiser.cjs, JOINABLE): a tier listed with its live stock (seats free, GA
 * places taken), a ticket read with its seat. Seats and GA counters change only through
 * inventory.repository, each change one conditional statement.
 */
export { gaInventory, seats } from './inventory.table.js';
/**
 * Holds, read by the outbox dispatcher in its own statement (src/notifications/turn-notices.ts):
 * a "your turn" reminder is dropped when a hold was made with the pass's token.
 */
export { holds } from './holds.table.js';
