/**
 * Signed receipts in people's words. A receipt's `kind` ("order.placed", "hold.converted") is a
 * stable code for software; a page shows what happened ("Order placed: €84.00").
 */

export interface ReceiptLike {
  kind: string;
  data?: Record<string, unknown>;
}

/** What each kind of receipt says happened. */
export const RECEIPT_WORDS: Readonly<Record<string, string>> = {
  'queue.joined': 'Joined the waiting room',
  'queue.drawn': 'Drawn in the lottery',
  'queue.admitted': 'Admitted to buy',
  'hold.created': 'Tickets held for you',
  'hold.converted': 'Held tickets moved into your order',
  'hold.released': 'Held tickets let go',
  'hold.expired': 'Hold expired: tickets back on sale',
  'order.placed': 'Order placed',
  'payment.authorized': 'Card payment authorised',
  'order.confirmed': 'Order confirmed: your seats are guaranteed',
  'tickets.issued': 'Tickets issued',
  'payment.captured': 'Payment taken',
  'payment.voided': 'Card authorisation released: nothing charged',
  'order.voided': 'Order undone: nothing charged',
  'order.cancelled': 'Order cancelled',
  'tickets.cancelled': 'Tickets cancelled',
  'tickets.exchanged': 'Seats exchanged',
  'tickets.revoked': 'Tickets revoked',
  'payment.refund_requested': 'Card refund requested',
  'payment.refunded': 'Refunded',
  'ticket.transfer_offered': 'Ticket offered to someone',
  'ticket.transfer_cancelled': 'Ticket offer cancelled',
  'ticket.transferred': 'Ticket passed on',
  'ticket.received': 'Ticket received',
  'ticket.checked_in': 'Checked in at the door',
  'ticket.listed': 'Ticket listed for resale',
  'ticket.listing_withdrawn': 'Resale listing withdrawn',
  'ticket.resold': 'Ticket resold at face value',
  'ticket.bought_resale': 'Resale ticket bought at face value',
  'event.cancelled': 'Event cancelled',
  'event.postponed': 'Event postponed',
};

/** "ticket.transfer_offered" → "Ticket transfer offered", for a kind without words of its own yet. */
export const receiptWords = (kind: string): string =>
  RECEIPT_WORDS[kind] ?? kind.replace(/[._]/g, ' ').replace(/^./, (c) => c.toUpperCase());

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
  switch (r.kind) {
    case 'order.placed':
    case 'payment.authorized':
    case 'payment.refunded':
      return sum ? `${receiptWords(r.kind)}: ${sum}` : receiptWords(r.kind);
    case 'payment.captured':
      return `${data.method === 'gift_card' ? 'Paid by gift card' : 'Payment taken'}${sum ? `: ${sum}` : ''}`;
    case 'tickets.issued': {
      const count = Array.isArray(data.ticketIds) ? data.ticketIds.length : null;
      return count === null ? receiptWords(r.kind) : `${count} ticket${count === 1 ? '' : 's'} issued`;
    }
    case 'hold.converted': {
      const quantity = number(data.quantity);
      return quantity === null
        ? receiptWords(r.kind)
        : `${quantity === 1 ? 'Your held ticket moved' : `Your ${quantity} held tickets moved`} into your order`;
    }
    default:
      return receiptWords(r.kind);
  }
}
