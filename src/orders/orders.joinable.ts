/**
 * The orders table, for other modules' repositories to read inside one statement of their own
 * (.dependency-cruiser.cjs, JOINABLE): a cancellation lists an event's live orders into its
 * work list (INSERT … SELECT) and adopts cancelled events that sold something. Orders and their
 * items are written only through orders.repository.
 */
export { orders } from './orders.table.js';
