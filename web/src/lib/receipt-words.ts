/**
 * Signed receipts in people's words. A receipt's `kind` ("order.placed", "hold.converted") is a
 * stable code for software; a page shows what happened ("Order placed: €84.00"), in its language
 * (the receipts namespace).
 */
import { t } from './i18n.js';

export interface ReceiptLike {
  kind: string;
  data?: Record<string, unknown>;
}

/** What each kind of receipt says happened: literal keys, so the catalogue test sees each one. */
export const RECEIPT_WORDS: Readonly<Record<string, () => string>> = {
  'queue.joined': () => t('receipts:kind.queueJoined'),
  'queue.drawn': () => t('receipts:kind.queueDrawn'),
  'queue.admitted': () => t('receipts:kind.queueAdmitted'),
  'hold.created': () => t('receipts:kind.holdCreated'),
  'hold.converted': () => t('receipts:kind.holdConverted'),
  'hold.released': () => t('receipts:kind.holdReleased'),
  'hold.expired': () => t('receipts:kind.holdExpired'),
  'order.placed': () => t('receipts:kind.orderPlaced'),
  'payment.authorized': () => t('receipts:kind.paymentAuthorized'),
  'order.confirmed': () => t('receipts:kind.orderConfirmed'),
  'tickets.issued': () => t('receipts:kind.ticketsIssued'),
  'payment.captured': () => t('receipts:kind.paymentCaptured'),
  'payment.voided': () => t('receipts:kind.paymentVoided'),
  'order.voided': () => t('receipts:kind.orderVoided'),
  'order.cancelled': () => t('receipts:kind.orderCancelled'),
  'tickets.cancelled': () => t('receipts:kind.ticketsCancelled'),
  'tickets.exchanged': () => t('receipts:kind.ticketsExchanged'),
  'tickets.revoked': () => t('receipts:kind.ticketsRevoked'),
  'payment.refund_requested': () => t('receipts:kind.paymentRefundRequested'),
  'payment.refunded': () => t('receipts:kind.paymentRefunded'),
  'ticket.transfer_offered': () => t('receipts:kind.ticketTransferOffered'),
  'ticket.transfer_cancelled': () => t('receipts:kind.ticketTransferCancelled'),
  'ticket.transferred': () => t('receipts:kind.ticketTransferred'),
  'ticket.received': () => t('receipts:kind.ticketReceived'),
  'ticket.checked_in': () => t('receipts:kind.ticketCheckedIn'),
  'ticket.listed': () => t('receipts:kind.ticketListed'),
  'ticket.listing_withdrawn': () => t('receipts:kind.ticketListingWithdrawn'),
  'ticket.resold': () => t('receipts:kind.ticketResold'),
  'ticket.bought_resale': () => t('receipts:kind.ticketBoughtResale'),
  'event.cancelled': () => t('receipts:kind.eventCancelled'),
  'event.postponed': () => t('receipts:kind.eventPostponed'),
};

/** "ticket.transfer_offered" → "Ticket transfer offered", for a kind without words of its own yet. */
export const receiptWords = (kind: string): string =>
  RECEIPT_WORDS[kind]?.() ?? kind.replace(/[._]/g, ' ').replace(/^./, (c) => c.toUpperCase());

const number = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * The receipt's words with the figures it carries: "Order placed: €84.00", "Payment taken by
 * gift card: €20.00", "2 tickets issued". `money` formats minor units in the receipt's currency.
 */
export function describeReceipt(r: ReceiptLike, money: (cents: number, currency: string) => string): string {
  const data = r.data ?? {};
  const currency = typeof data.currency === 'string' ? data.currency : null;
  const amount = number(data.amountCents) ?? number(data.totalCents);
  const sum = amount !== null && currency ? money(amount, currency) : null;
  const withSum = (what: string) => (sum ? t('receipts:withSum', { what, sum }) : what);
  switch (r.kind) {
    case 'order.placed':
    case 'payment.authorized':
    case 'payment.refunded':
      return withSum(receiptWords(r.kind));
    case 'payment.captured':
      return withSum(data.method === 'gift_card' ? t('receipts:paidByGiftCard') : receiptWords(r.kind));
    case 'tickets.issued': {
      const count = Array.isArray(data.ticketIds) ? data.ticketIds.length : null;
      return count === null ? receiptWords(r.kind) : t('receipts:issued', { count });
    }
    case 'hold.converted': {
      const quantity = number(data.quantity);
      return quantity === null ? receiptWords(r.kind) : t('receipts:moved', { count: quantity });
    }
    default:
      return receiptWords(r.kind);
  }
}
