/**
 * The catalogue tables other modules' repositories may read inside one statement of their own
 * (.dependency-cruiser.cjs, JOINABLE): an event, its venue and its tiers beside their own rows
 * (a ticket with its event, a fan's watched events). Venues, events and tiers are written only
 * through catalog.repository.
 */
export { events, priceTiers, venues } from './catalog.table.js';
