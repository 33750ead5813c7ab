import type { Db } from '../db/types.js';
import { paymentsOfOrder, paymentView, type PaymentRow } from '../payments/payments.repository.js';
import {
  acceptedOffersBy,
  ticketsOfOrdersWithStanding,
  type AcceptedOffer,
  type TicketView,
  type TicketWithStanding,
} from '../tickets/tickets.repository.js';
import type { ListedOrder, OrderRow } from './orders.repository.js';
import { standingOf, type TicketStanding } from './ticket-standing.js';

/** Whether the fan may call the seats theirs: only once the order is committed. */
export const guaranteedStatuses: readonly OrderRow['status'][] = ['confirmed', 'captured'];

/** How many of the order's tickets stand where (ticket-standing.ts): `changeable` ones are what a cancel would take. */
export type TicketCounts = Record<TicketStanding, number>;

/** A ticket as its order's buyer reads it; a freshly issued one has no admission or offer yet. */
type OrderTicket = TicketView & Partial<Pick<TicketWithStanding, 'admittedAt' | 'pendingOffer'>>;

const standingOfTicket = (order: OrderRow, t: OrderTicket) =>
  standingOf(order.userId, { ...t, admittedAt: t.admittedAt ?? null, pendingOffer: t.pendingOffer ?? null });

export function countTickets(order: OrderRow, tickets: readonly OrderTicket[]): TicketCounts {
  const counts: TicketCounts = { changeable: 0, offered: 0, used: 0, transferred: 0, ended: 0 };
  for (const t of tickets) counts[standingOfTicket(order, t)] += 1;
  return counts;
}

export function orderSummary(order: OrderRow, ticketCounts: TicketCounts) {
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
    ticketCounts,
  };
}

/** An account's orders as GET /v1/me/orders lists them: one read of all their tickets for the counts. */
export async function orderSummaries(db: Db, orders: readonly ListedOrder[]) {
  const tickets = await ticketsOfOrdersWithStanding(
    db,
    orders.map((o) => o.id),
  );
  return orders.map((o) => ({
    ...orderSummary(
      o,
      countTickets(
        o,
        tickets.filter((t) => t.orderId === o.id),
      ),
    ),
    paymentAttempts: o.paymentAttempts,
  }));
}

/**
 * A ticket of the order as its buyer may see it. Once someone else holds it, it is theirs: the
 * holder's account, name, address and check-in are not shown, only what the buyer's own offer
 * said (the address it went to, and when it was accepted).
 */
function presentTicket(order: OrderRow, t: OrderTicket, accepted: readonly AcceptedOffer[]) {
  const theirs = t.holderId !== order.userId;
  const gone = theirs ? accepted.find((a) => a.ticketId === t.id) : undefined;
  const offer = !theirs && t.pendingOffer?.fromUserId === order.userId ? t.pendingOffer : null;
  return {
    id: t.id,
    orderId: t.orderId,
    orderItemId: t.orderItemId,
    eventId: t.eventId,
    tierId: t.tierId,
    seatId: t.seatId,
    holderId: theirs ? null : t.holderId,
    attendeeName: theirs ? null : t.attendeeName,
    attendeeEmail: theirs ? null : t.attendeeEmail,
    version: t.version,
    status: t.status,
    issuedAt: t.issuedAt,
    standing: standingOfTicket(order, t),
    usedAt: theirs ? null : (t.admittedAt ?? null),
    transfer: gone
      ? { id: gone.id, toEmail: gone.toEmail, status: 'accepted' as const, at: gone.decidedAt }
      : offer
        ? { id: offer.id, toEmail: offer.toEmail, status: 'pending' as const, at: offer.createdAt }
        : null,
  };
}

/** Oldest first, then by id: the order `paymentsOfOrder` and `ticketsOfOrder` read them in (uuids compare as their lowercase text). */
const byTimeThenId =
  <T extends { id: string }>(at: (row: T) => Date) =>
  (a: T, b: T) =>
    at(a).getTime() - at(b).getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * The order as the API shows it, from rows already in hand (those of its payments and tickets,
 * and the buyer's accepted offers of tickets someone else now holds).
 */
export function orderDetailsOf(
  order: OrderRow,
  payments: readonly PaymentRow[],
  tickets: readonly OrderTicket[],
  accepted: readonly AcceptedOffer[] = [],
) {
  return {
    ...orderSummary(order, countTickets(order, tickets)),
    payments: [...payments].sort(byTimeThenId((p) => p.createdAt)).map(paymentView),
    tickets: [...tickets].sort(byTimeThenId((t) => t.issuedAt)).map((t) => presentTicket(order, t, accepted)),
  };
}

export async function orderDetails(db: Db, order: OrderRow) {
  const [payments, tickets] = await Promise.all([
    paymentsOfOrder(db, order.id),
    ticketsOfOrdersWithStanding(db, [order.id]),
  ]);
  const theirs = tickets.filter((t) => t.holderId !== order.userId).map((t) => t.id);
  const accepted = theirs.length > 0 ? await acceptedOffersBy(db, order.userId, theirs) : [];
  return orderDetailsOf(order, payments, tickets, accepted);
}

export type OrderDetails = ReturnType<typeof orderDetailsOf>;
