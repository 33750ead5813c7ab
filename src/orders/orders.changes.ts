import type { Principal } from '../auth/principal.js';
import { requireOwner } from '../auth/guards.js';
import { eventChangePolicy } from '../catalog/catalog.repository.js';
import type { Db } from '../db/types.js';
import { creditGiftCard } from '../giftcards/giftcards.repository.js';
import { addRefunded, completeRefund, insertRefund, paymentsOfOrder } from '../payments/payments.repository.js';
import { salesErrors } from '../sales/sales.errors.js';
import { findHold } from '../sales/holds.repository.js';
import { returnSoldGa, returnSoldSeats } from '../sales/inventory.repository.js';
import { AppError, conflict } from '../shared/errors.js';
import {
  endTickets,
  lockTicketsOfOrder,
  moveTicket,
  ticketsOfOrdersWithStanding,
  type TicketWithStanding,
} from '../tickets/tickets.repository.js';
import { appendTimeline } from '../timeline/timeline.repository.js';
import {
  cancelItems,
  findOrder,
  insertOrderItem,
  itemsOfOrder,
  lockOrder,
  markItemExchanged,
  transitionOrder,
  type OrderRow,
} from './orders.repository.js';
import type { SettlementDeps } from './orders.settlement.js';
import { orderDetails, type OrderDetails } from './orders.view.js';
import { refuseChange, standingOf, type TicketStanding } from './ticket-standing.js';
import { businessMetrics } from '../shared/business-metrics.js';

const notFound = () => new AppError(404, 'orders.not_found', 'No order with this id.');

type Standing = TicketWithStanding & { standing: TicketStanding };

/**
 * PATCH /v1/orders/:id: cancel some or all tickets (refund to the original tenders, gift cards
 * first), or exchange seats within the event (the new seats are already held; converting them
 * and giving the old ones back happen in one transaction).
 *
 * Only the tickets the buyer still holds, unused and not on offer, can be changed (see
 * ticket-standing.ts). Both changes lock the order row, then its tickets by id, and judge each
 * ticket under those locks: a transfer being accepted, an offer or a scan of one of them either
 * finished first (and is seen) or waits and then finds the ticket ended or moved.
 */
export class OrderChanges {
  constructor(private readonly deps: SettlementDeps) {}

  async cancel(principal: Principal, orderId: string, ticketIds: string[] | undefined): Promise<OrderDetails> {
    const { db } = this.deps;
    const order = await this.owned(principal, orderId);
    await this.requirePolicy(db, order, 'refund');
    const pendingCardRefunds: { id: string; intentId: string; provider: 'stripe' | 'sandbox'; amountCents: number }[] =
      [];
    await db.transaction(async (tx) => {
      const locked = (await lockOrder(tx, order.id))!;
      if (locked.status !== 'captured')
        throw conflict('orders.not_cancellable', `A ${locked.status} order cannot be cancelled.`);
      const valid = await this.lockTickets(tx, order);
      const chosen = ticketIds ? named(valid, ticketIds, 'cancel.ticketIds') : everythingHeld(valid);
      const ended = await endTickets(
        tx,
        chosen.map((t) => t.id),
        'cancelled',
      );
      const endedItems = new Set(ended.map((t) => t.orderItemId));
      const cancelledItems = (await itemsOfOrder(tx, order.id)).filter((i) => endedItems.has(i.id));
      const gaCount = cancelledItems.filter((i) => !i.seatId).length;
      await cancelItems(
        tx,
        cancelledItems.map((i) => i.id),
      );
      await returnSoldSeats(
        tx,
        cancelledItems.flatMap((i) => (i.seatId ? [i.seatId] : [])),
      );
      if (gaCount > 0) await returnSoldGa(tx, cancelledItems.find((i) => !i.seatId)!.tierId, gaCount);

      let refund = cancelledItems.reduce((sum, i) => sum + i.priceCents, 0);
      const tenders = (await paymentsOfOrder(tx, order.id)).sort((a, b) =>
        a.method === b.method ? 0 : a.method === 'gift_card' ? -1 : 1,
      );
      const receipts = [];
      for (const tender of tenders) {
        const amount = Math.min(refund, tender.amountCents - tender.refundedCents);
        if (amount <= 0 || (tender.status !== 'captured' && tender.status !== 'partially_refunded')) continue;
        refund -= amount;
        await addRefunded(tx, tender.id, amount);
        if (tender.method === 'gift_card') {
          await creditGiftCard(tx, tender.giftCardId!, amount, order.id);
          receipts.push({
            kind: 'payment.refunded',
            subjectId: tender.id,
            data: { method: 'gift_card', giftCardId: tender.giftCardId, amountCents: amount },
          });
        } else {
          const row = await insertRefund(tx, { paymentId: tender.id, orderId: order.id, amountCents: amount });
          pendingCardRefunds.push({
            id: row.id,
            intentId: tender.intentId!,
            provider: tender.provider as 'stripe' | 'sandbox',
            amountCents: amount,
          });
          receipts.push({
            kind: 'payment.refund_requested',
            subjectId: tender.id,
            data: {
              method: 'card',
              provider: tender.provider,
              sandbox: tender.provider === 'sandbox',
              amountCents: amount,
              refundId: row.id,
            },
          });
        }
      }
      const refunded = locked.refundedCents + cancelledItems.reduce((sum, i) => sum + i.priceCents, 0) - refund;
      const allGone = valid.length === ended.length;
      await transitionOrder(tx, order.id, ['captured'], allGone ? 'cancelled' : 'captured', {
        refundedCents: refunded,
      });
      await appendTimeline(tx, this.deps.signer, [
        {
          userId: order.userId,
          kind: 'tickets.cancelled',
          subjectType: 'order',
          subjectId: order.id,
          eventId: order.eventId,
          actorId: principal.userId,
          data: { ticketIds: ended.map((t) => t.id) },
        },
        ...receipts.map((r) => ({
          userId: order.userId,
          kind: r.kind,
          subjectType: 'payment',
          subjectId: r.subjectId,
          eventId: order.eventId,
          actorId: principal.userId,
          data: { orderId: order.id, currency: order.currency, ...r.data },
        })),
        ...(allGone
          ? [
              {
                userId: order.userId,
                kind: 'order.cancelled',
                subjectType: 'order',
                subjectId: order.id,
                eventId: order.eventId,
                actorId: principal.userId,
                data: { refundedCents: refunded },
              },
            ]
          : []),
      ]);
    });
    businessMetrics.refunds.inc({ reason: 'fan_cancelled' });
    // After commit: the card refunds, each under its own idempotency key; the reconciler resends any that fail here.
    for (const r of pendingCardRefunds) {
      try {
        const sent = await this.deps.providers.get(r.provider).refund(r.intentId, r.amountCents, `refund:${r.id}`);
        await completeRefund(db, r.id, sent.status === 'failed' ? 'failed' : 'succeeded', sent.refundId);
      } catch (err) {
        this.deps.logger.warn({ err, refundId: r.id }, 'card refund failed; left to the reconciler');
      }
    }
    return orderDetails(db, (await findOrder(db, order.id))!);
  }

  async exchange(
    principal: Principal,
    orderId: string,
    input: { ticketIds: string[]; holdId: string },
  ): Promise<OrderDetails> {
    const { db } = this.deps;
    const order = await this.owned(principal, orderId);
    await this.requirePolicy(db, order, 'exchange');
    const hold = await findHold(db, input.holdId);
    if (!hold || hold.userId !== principal.userId) throw salesErrors.holdNotFound();
    if (hold.eventId !== order.eventId)
      throw new AppError(422, 'orders.exchange_other_event', 'Seats can only be exchanged within the same event.');
    if (hold.kind !== 'seats' || hold.quantity !== input.ticketIds.length) {
      throw new AppError(422, 'orders.exchange_mismatch', 'Hold exactly one new seat per ticket to exchange.');
    }
    await db.transaction(async (tx) => {
      const locked = (await lockOrder(tx, order.id))!;
      if (locked.status !== 'captured')
        throw conflict('orders.not_exchangeable', `A ${locked.status} order cannot be changed.`);
      const valid = named(await this.lockTickets(tx, order), input.ticketIds, 'exchange.ticketIds');
      const items = await itemsOfOrder(tx, order.id);
      const unit = hold.unitPriceCents + hold.unitFeeCents;
      for (const t of valid) {
        const item = items.find((i) => i.seatId === t.seatId && i.status === 'active')!;
        if (item.priceCents !== unit)
          throw conflict('orders.exchange_price_differs', 'The new seats must cost the same as the old ones.');
      }
      // New seats first (held → sold), then the old ones back on sale: the fan is never without a seat.
      const converted = await this.deps.holds.convert(tx, hold.id, principal.userId, order.id);
      const moved = [];
      for (const [i, t] of valid.entries()) {
        const oldItem = items.find((it) => it.seatId === t.seatId && it.status === 'active')!;
        await markItemExchanged(tx, oldItem.id);
        const newItem = await insertOrderItem(tx, {
          orderId: order.id,
          tierId: hold.tierId,
          seatId: hold.seatIds[i]!,
          priceCents: unit,
        });
        moved.push({
          ticketId: t.id,
          from: t.seatId,
          to: newItem.seatId,
          version: (await moveTicket(tx, t.id, newItem.seatId!, newItem.id, hold.tierId))!.version,
        });
      }
      await returnSoldSeats(
        tx,
        valid.map((t) => t.seatId!),
      );
      await appendTimeline(tx, this.deps.signer, [
        converted.receipt,
        {
          userId: order.userId,
          kind: 'tickets.exchanged',
          subjectType: 'order',
          subjectId: order.id,
          eventId: order.eventId,
          actorId: principal.userId,
          data: { holdId: hold.id, moved },
        },
      ]);
    });
    return orderDetails(db, (await findOrder(db, order.id))!);
  }

  /** Locks the order's tickets (the caller holds the order row) and judges the valid ones under those locks. */
  private async lockTickets(tx: Db, order: OrderRow): Promise<Standing[]> {
    await lockTicketsOfOrder(tx, order.id);
    return (await ticketsOfOrdersWithStanding(tx, [order.id]))
      .filter((t) => t.status === 'valid')
      .map((t) => ({ ...t, standing: standingOf(order.userId, t) }));
  }

  private async owned(principal: Principal, orderId: string): Promise<OrderRow> {
    const order = await findOrder(this.deps.db, orderId);
    if (!order) throw notFound();
    requireOwner(principal, order.userId, 'orders.not_found', 'order');
    return order;
  }

  /** The event's policy: fans cancel until `refundable_until`, and change seats until the doors open. */
  private async requirePolicy(db: Db, order: OrderRow, change: 'refund' | 'exchange'): Promise<void> {
    const event = await eventChangePolicy(db, order.eventId);
    if (!event || event.status === 'cancelled' || event.status === 'completed')
      throw conflict('orders.policy_forbids', 'This event no longer takes changes.');
    const deadline = change === 'refund' ? event.refundableUntil : (event.doorsAt ?? event.startsAt);
    if (!deadline || deadline.getTime() <= Date.now()) {
      throw conflict(
        'orders.policy_forbids',
        change === 'refund'
          ? 'This event does not refund cancellations (any more).'
          : 'Seats can no longer be changed for this event.',
      );
    }
  }
}

/**
 * The tickets a change names: each a valid ticket of the order (seated, for an exchange), and
 * each still the buyer's to change.
 */
function named(valid: readonly Standing[], ids: readonly string[], field: 'cancel.ticketIds' | 'exchange.ticketIds') {
  const wanted = new Set(ids);
  const seated = field === 'exchange.ticketIds';
  const chosen = valid.filter((t) => wanted.has(t.id) && (!seated || t.seatId));
  if (chosen.length !== wanted.size) {
    const what = seated ? 'valid seated tickets' : 'valid tickets';
    throw new AppError(422, 'orders.unknown_ticket', `Some tickets are not ${what} of this order.`, {
      errors: [{ in: 'body', field, code: 'unknown_ticket', message: `not one of the ${what} of this order` }],
    });
  }
  const blocked = chosen.filter((t) => t.standing !== 'changeable');
  if (blocked.length > 0) throw refuseChange(field, blocked);
  return chosen;
}

/**
 * A cancel naming no tickets: every ticket the buyer still holds and has not used. A ticket on
 * offer stops it: cancelling it would pull it from under a recipient who may be accepting it
 * right now, and quietly keeping it would leave a buyer who asked to cancel the order with a
 * ticket. The buyer withdraws the offer first, or names the other tickets.
 */
function everythingHeld(valid: readonly Standing[]): Standing[] {
  if (valid.length === 0) throw conflict('orders.nothing_to_cancel', 'This order has no valid tickets left.');
  const offered = valid.filter((t) => t.standing === 'offered');
  if (offered.length > 0) throw refuseChange('cancel', offered);
  const chosen = valid.filter((t) => t.standing === 'changeable');
  if (chosen.length === 0) throw refuseChange('cancel', valid);
  return chosen;
}
