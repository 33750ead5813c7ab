/**
 * The payments table, for other modules' repositories to read inside one statement of their
 * own (.dependency-cruiser.cjs, JOINABLE): the reconciler's "ended orders whose card has no
 * voided payment yet" is one query over orders and payments; a cancellation is complete only
 * when none of its card refunds is still unsent. Both are written only through payments.repository.
 */
export { paymentRefunds, payments } from './payments.table.js';
