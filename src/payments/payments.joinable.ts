/**
 * The payments table, for other modules' repositories to read inside one statement of their
 * own (.dependency-cruiser.cjs, JOINABLE): the reconciler's "ended orders whose card has no
 * voided payment yet" is one query over orders and payments. Payments are written only through
 * payments.repository.
 */
export { payments } from './payments.table.js';
