/**
 * The receipts table, for other modules' repositories to read inside one statement of their
 * own (.dependency-cruiser.cjs, JOINABLE): the post-drop report counts an event's queue
 * receipts and joins an admission to its entry's join time. Receipts are written only through
 * timeline.repository.
 */
export { timelineEntries } from './timeline.table.js';
