import type { Db } from '../db/types.js';
import { creditGiftCard } from '../giftcards/giftcards.repository.js';
import type { Logger } from '../logger.js';
import { cancelActiveOrderItems, lockOrder, transitionOrder, type OrderRow } from '../orders/orders.repository.js';
import type { Settlement } from '../orders/orders.settlement.js';
import {
  addRefunded,
  completeRefund,
  insertRefund,
  paymentsOfOrder,
  unsentCardRefunds,
} from '../payments/payments.repository.js';
import type { ProviderRegistry } from '../payments/provider.js';
import type { PlatformSigner } from '../shared/signing.js';
import { endTickets, ticketsOfOrder } from '../tickets/tickets.repository.js';
import { appendTimeline, type TimelineEvent } from '../timeline/timeline.repository.js';
import { finishRefund, type RefundOutcome } from './cancellations.repository.js';
import { businessMetrics } from '../shared/business-metrics.js';

export interface RefundDeps {
  db: Db;
  providers: ProviderRegistry;
  signer: PlatformSigner;
  settlement: Settlement;
  logger: Logger;
}

/**
 * Refunds one order of a cancelled event, whatever state it is in, safe to run any number of
 * times (a retried job, the sweeper, a worker killed halfway):
 *   - captured: one transaction moves the order to cancelled, re-credits gift cards, writes
 *     the card refund rows and ends the work-list row; the card refunds are sent after commit
 *     with an idempotency key per refund row, so a rerun resends, never re-refunds;
 *   - confirmed (authorized, never captured): unwound and the authorization cancelled;
 *   - pending / authorized (checkout in flight): aborted through the orders state machine;
 *   - anything else: nothing was paid, or it was refunded already.
 * The seats are not put back on sale: the event is cancelled.
 */
export async function refundForCancellation(
  deps: RefundDeps,
  eventId: string,
  orderId: string,
): Promise<RefundOutcome> {
  const captured = await refundCaptured(deps, eventId, orderId);
  if (captured.refunded) {
    businessMetrics.refunds.inc({ reason: 'event_cancelled' });
    // The common case: send what this run wrote, without reading it back.
    for (const r of captured.cardRefunds) await sendCardRefund(deps, r);
    return 'refunded';
  }
  let outcome: RefundOutcome = 'skipped';
  if (captured.status === 'confirmed') {
    const unwound = await deps.settlement.unwindUncapturable(orderId, 'event.cancelled');
    if (unwound) await deps.settlement.voidCard(unwound);
    outcome = 'voided';
  } else if (captured.status === 'pending' || captured.status === 'authorized') {
    await deps.settlement.abort(orderId, 'event.cancelled', { releaseHold: true });
    outcome = 'voided';
  }
  // An earlier run may have died between its commit and the processor: send what it wrote.
  for (const r of await unsentCardRefunds(deps.db, orderId)) await sendCardRefund(deps, r);
  await finishRefund(deps.db, eventId, orderId, outcome, 0);
  return outcome;
}

interface CardRefund {
  id: string;
  amountCents: number;
  intentId: string | null;
  provider: 'stripe' | 'sandbox' | 'gift_card';
}

type Captured = { refunded: true; cardRefunds: CardRefund[] } | { refunded: false; status: OrderRow['status'] | null };

async function refundCaptured(deps: RefundDeps, eventId: string, orderId: string): Promise<Captured> {
  return deps.db.transaction(async (tx) => {
    const order = await lockOrder(tx, orderId);
    // Someone else (a fan's own cancellation, an earlier run) got here first.
    if (!order || order.status !== 'captured') return { refunded: false, status: order?.status ?? null };
    const tickets = await ticketsOfOrder(tx, orderId);
    // Normally already revoked by the cancellation itself; a ticket issued since is revoked here.
    const stillValid = tickets.filter((t) => t.status === 'valid').map((t) => t.id);
    if (stillValid.length > 0) await endTickets(tx, stillValid, 'revoked');
    await cancelActiveOrderItems(tx, orderId);
    let due = order.totalCents - order.refundedCents;
    const refunded = due;
    const receipts: TimelineEvent[] = [];
    const cardRefunds: CardRefund[] = [];
    const receipt = (kind: string, subjectId: string, data: Record<string, unknown>): TimelineEvent => ({
      userId: order.userId,
      kind,
      subjectType: 'payment',
      subjectId,
      eventId,
      actorId: null,
      data: { orderId, currency: order.currency, reason: 'event_cancelled', ...data },
    });
    // Gift cards first, as the fan's own cancellation does: a card refund takes days, a gift card is instant.
    const tenders = (await paymentsOfOrder(tx, orderId)).sort((a, b) =>
      a.method === b.method ? 0 : a.method === 'gift_card' ? -1 : 1,
    );
    for (const tender of tenders) {
      const amount = Math.min(due, tender.amountCents - tender.refundedCents);
      if (amount <= 0 || (tender.status !== 'captured' && tender.status !== 'partially_refunded')) continue;
      due -= amount;
      await addRefunded(tx, tender.id, amount);
      if (tender.method === 'gift_card') {
        await creditGiftCard(tx, tender.giftCardId!, amount, orderId);
        receipts.push(
          receipt('payment.refunded', tender.id, {
            method: 'gift_card',
            giftCardId: tender.giftCardId,
            amountCents: amount,
          }),
        );
      } else {
        const row = await insertRefund(tx, { paymentId: tender.id, orderId, amountCents: amount });
        cardRefunds.push({ id: row.id, amountCents: amount, intentId: tender.intentId, provider: tender.provider });
        receipts.push(
          receipt('payment.refund_requested', tender.id, {
            method: 'card',
            provider: tender.provider,
            sandbox: tender.provider === 'sandbox',
            amountCents: amount,
            refundId: row.id,
          }),
        );
      }
    }
    const total = order.refundedCents + refunded - due;
    await transitionOrder(tx, orderId, ['captured'], 'cancelled', { refundedCents: total });
    await finishRefund(tx, eventId, orderId, 'refunded', refunded - due);
    await appendTimeline(tx, deps.signer, [
      {
        userId: order.userId,
        kind: 'tickets.revoked',
        subjectType: 'order',
        subjectId: orderId,
        eventId,
        actorId: null,
        data: { ticketIds: tickets.map((t) => t.id), reason: 'event_cancelled' },
      },
      ...receipts,
      {
        userId: order.userId,
        kind: 'order.cancelled',
        subjectType: 'order',
        subjectId: orderId,
        eventId,
        actorId: null,
        data: { refundedCents: total, reason: 'event_cancelled' },
      },
    ]);
    return { refunded: true as const, cardRefunds };
  });
}

/** Sends one card refund; the key per refund row makes a resend a no-op at the processor. */
async function sendCardRefund(deps: RefundDeps, r: CardRefund): Promise<void> {
  if (!r.intentId || r.provider === 'gift_card') return;
  const sent = await deps.providers.get(r.provider).refund(r.intentId, r.amountCents, `refund:${r.id}`);
  await completeRefund(deps.db, r.id, sent.status === 'failed' ? 'failed' : 'succeeded', sent.refundId);
}
