import type { Db } from '../db/types.js';
import { paymentsOfOrder, paymentView } from '../payments/payments.repository.js';
import { ticketsOfOrder } from '../tickets/tickets.repository.js';
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

export async function orderDetails(db: Db, order: OrderRow) {
  const [payments, tickets] = await Promise.all([paymentsOfOrder(db, order.id), ticketsOfOrder(db, order.id)]);
  return { ...orderSummary(order), payments: payments.map(paymentView), tickets };
}

export type OrderDetails = Awaited<ReturnType<typeof orderDetails>>;
