import type { Db } from '../db/types.js';
import { paymentsOfOrder, paymentView, type PaymentRow } from '../payments/payments.repository.js';
import { ticketsOfOrder, type TicketView } from '../tickets/tickets.repository.js';
import type { OrderRow } from './orders.repository.js';

/** Whether the fan may call the seats theirs: only once the order is committed. */
export const guaranteedStatuses: readonly OrderRow['status'][] = ['confirmed', 'captured'];

export function orderSummary(order: OrderRow) {
  return {
    id: order.id,
    status: order.status,
    guaranteed: guaranteedStatuses.includes(order.status),
    holdId: order.holdId,
    eventId: order.eventId,
    currency: order.currency,
    totalCents: order.totalCents,
    giftCardCents: order.giftCardCents,
    cardCents: order.cardCents,
    refundedCents: order.refundedCents,
    provider: order.provider,
    sandbox: order.provider === 'sandbox',
    failureCode: order.failureCode,
    createdAt: order.createdAt,
    confirmedAt: order.confirmedAt,
    capturedAt: order.capturedAt,
  };
}

/** Oldest first, then by id: the order `paymentsOfOrder` and `ticketsOfOrder` read them in (uuids compare as their lowercase text). */
const byTimeThenId =
  <T extends { id: string }>(at: (row: T) => Date) =>
  (a: T, b: T) =>
    at(a).getTime() - at(b).getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The order as the API shows it, from rows already in hand (those of its payments and tickets). */
export function orderDetailsOf(order: OrderRow, payments: readonly PaymentRow[], tickets: readonly TicketView[]) {
  return {
    ...orderSummary(order),
    payments: [...payments].sort(byTimeThenId((p) => p.createdAt)).map(paymentView),
    tickets: [...tickets].sort(byTimeThenId((t) => t.issuedAt)),
  };
}

export async function orderDetails(db: Db, order: OrderRow) {
  const [payments, tickets] = await Promise.all([paymentsOfOrder(db, order.id), ticketsOfOrder(db, order.id)]);
  return orderDetailsOf(order, payments, tickets);
}

export type OrderDetails = ReturnType<typeof orderDetailsOf>;
