/** Receipts, as `npm run verify-receipt` checks a saved timeline offline. */
export { verifyReceiptChain, type Receipt } from './receipt.js';
