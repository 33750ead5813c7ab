import type { Config } from '../config.js';
import type { Db } from '../db/types.js';
import { creditGiftCard } from '../giftcards/giftcards.repository.js';
import type { Logger } from '../logger.js';
import {
  insertPaymentOnce,
  unwindPaymentsOfOrder,
  voidAuthorizedPayment,
  type PaymentRow,
} from '../payments/payments.repository.js';
import type { IntentSnapshot, ProviderRegistry } from '../payments/provider.js';
import { findHold } from '../sales/holds.repository.js';
import { returnSoldGa, returnSoldSeats } from '../sales/inventory.repository.js';
import { Batcher } from '../shared/batcher.js';
import { AppError, conflict } from '../shared/errors.js';
import type { PlatformSigner } from '../shared/signing.js';
import { endTickets, ticketsOfOrder, type TicketView } from '../tickets/tickets.repository.js';
import { appendTimeline, type TimelineEvent } from '../timeline/timeline.repository.js';
import type { HoldPort } from './holds.port.js';
import {
  cancelItemsOfOrder,
  commitOrder,
  findOrder,
  itemsOfOrder,
  lockOrder,
  recordCaptures,
  type CaptureRecord,
  type CaptureRecorded,
  transitionOrder,
  type OrderRow,
} from './orders.repository.js';
import { refusalFrom } from '../sales/refusals.js';
import type { OutboxWaker } from '../notifications/outbox-waker.js';
import type { ReceiptSigner } from '../timeline/receipt-signer.js';
import { businessMetrics } from '../shared/business-metrics.js';

/** Processor idempotency keys, derived from the order id so every retry of a step is the same call. */
export const stepKey = (orderId: string, step: 'authorize' | 'capture' | 'cancel') => `order:${orderId}:${step}`;

/** What a commit leaves: the order, and the payment and ticket rows when this call wrote them. */
export interface Committed {
  order: OrderRow;
  /** Null when the order had been committed before (a replay or a racing reconciler): nothing was written here. */
  written: { payments: PaymentRow[]; tickets: TicketView[] } | null;
}

/** What a capture leaves: the order, and the card payment this call moved to `captured` (null when it moved none). */
export interface Captured {
  order: OrderRow;
  capturedPaymentId: string | null;
}

export interface SettlementDeps {
  db: Db;
  providers: ProviderRegistry;
  signer: PlatformSigner;
  holds: HoldPort;
  config: Config;
  logger: Logger;
  /** Signs the receipts the commit and capture statements wrote, once they have committed. */
  receipts: ReceiptSigner;
  /** Wakes the outbox dispatchers once a commit has written the order's notice. */
  outbox: OutboxWaker;
}

/**
 * The steps between "card authorized" and "money captured", each safe to run again: the live
 * request runs them in order, the reconciler and webhooks resume them after a crash. Each
 * step is a conditional state change, so whoever comes second changes nothing.
 */
export class Settlement {
  /** The captures concurrent purchases record, written together (one statement per batch). */
  private readonly captures: Batcher<CaptureRecord, CaptureRecorded>;

  constructor(private readonly deps: SettlementDeps) {
    this.captures = new Batcher((batch) => recordCaptures(deps.db, batch));
  }

  private receipt(
    order: OrderRow,
    kind: string,
    subjectType: string,
    subjectId: string,
    data: Record<string, unknown>,
  ): TimelineEvent {
    return {
      userId: order.userId,
      kind,
      subjectType,
      subjectId,
      eventId: order.eventId,
      actorId: null,
      data: { orderId: order.id, ...data },
    };
  }

  /**
   * pending → authorized: one statement recording which intent holds the money, so a crash
   * from here on is resolved from our own row. The card's payment row and its receipt are
   * written by the commit, in the same transaction as the seats they pay for.
   */
  async recordAuthorization(order: OrderRow, intent: IntentSnapshot): Promise<OrderRow> {
    const moved = await transitionOrder(this.deps.db, order.id, ['pending'], 'authorized', {
      intentId: intent.intentId,
      cardLast4: intent.cardLast4,
    });
    if (!moved) throw conflict('orders.state_changed', 'The order changed while its card was being authorized.');
    return moved;
  }

  /**
   * The one transaction that makes the order real, as one statement (`commitOrder`): held seats
   * become sold, gift cards are debited, items, tender rows and tickets are written, the
   * receipts say "guaranteed" and the fan is told. `authorization` is the card's, when this call
   * is the one that got it (an order the reconciler moved to `authorized` knows its intent
   * already). Throws the domain problem when the hold or a gift card no longer allows it.
   */
  async commit(
    orderId: string,
    authorization: { intentId: string; cardLast4: string | null } | null = null,
  ): Promise<Committed> {
    let committed;
    try {
      committed = await commitOrder(this.deps.db, orderId, authorization);
    } catch (err) {
      throw refusalFrom(err) ?? err;
    }
    this.deps.receipts.add(committed.receipts);
    if (committed.written) {
      this.deps.outbox.wake();
      businessMetrics.ordersPaid.inc();
      businessMetrics.ticketsIssued.inc(committed.written.tickets.length);
    }
    return { order: committed.order, written: committed.written };
  }

  /** confirmed → captured. A processor refusal is thrown (the reconciler then unwinds). */
  async capture(orderOrId: string | OrderRow): Promise<Captured> {
    const order = typeof orderOrId === 'string' ? await findOrder(this.deps.db, orderOrId) : orderOrId;
    if (!order) throw new AppError(404, 'orders.not_found', 'No order with this id.');
    if (order.status !== 'confirmed' || !order.provider || !order.intentId) return { order, capturedPaymentId: null };
    const intent = await this.deps.providers.get(order.provider).capture(order.intentId, stepKey(order.id, 'capture'));
    return this.recordCapture(order, intent);
  }

  /** Records a capture the processor reports (from our own call or a re-fetch after a webhook). */
  async recordCapture(order: OrderRow, intent: IntentSnapshot): Promise<Captured> {
    if (intent.status !== 'succeeded') return { order, capturedPaymentId: null };
    const captured = await this.captures.run({
      orderId: order.id,
      provider: intent.provider,
      amountCents: intent.amountCapturedCents,
    });
    this.deps.receipts.add(captured.receipts);
    return { order: captured.order, capturedPaymentId: captured.moved ? captured.paymentId : null };
  }

  /**
   * Ends an order that never committed: pending → failed or authorized → voided, then voids
   * the card. The state moves first, so a commit that raced and won is never voided.
   */
  async abort(orderId: string, code: string, options: { releaseHold: boolean }): Promise<OrderRow | null> {
    const ended = await this.deps.db.transaction(async (tx) => {
      const order = await lockOrder(tx, orderId);
      if (!order || (order.status !== 'pending' && order.status !== 'authorized')) return null;
      const to = order.status === 'authorized' ? 'voided' : 'failed';
      const moved = await transitionOrder(tx, order.id, [order.status], to, { failureCode: code });
      if (options.releaseHold) {
        const hold = await findHold(tx, order.holdId);
        if (hold?.status === 'active') await this.deps.holds.release(tx, order.holdId);
      }
      await appendTimeline(tx, this.deps.signer, [
        this.receipt(order, `order.${to}`, 'order', order.id, { reason: code, holdReleased: options.releaseHold }),
      ]);
      return moved;
    });
    if (ended) businessMetrics.ordersFailed.inc();
    if (ended?.intentId) await this.voidCard(ended);
    return ended;
  }

  /**
   * Cancels the authorization of an order that did not commit and records the voided card
   * payment (the commit that would have written it never happened). Its row is also how the
   * sweep knows the cancel went through.
   */
  async voidCard(order: OrderRow): Promise<void> {
    if (!order.provider || !order.intentId) return;
    await this.deps.providers.get(order.provider).cancel(order.intentId, stepKey(order.id, 'cancel'));
    await this.deps.db.transaction(async (tx) => {
      const inserted = await insertPaymentOnce(tx, {
        orderId: order.id,
        userId: order.userId,
        method: 'card',
        provider: order.provider!,
        intentId: order.intentId,
        amountCents: order.cardCents,
        currency: order.currency,
        status: 'voided',
        cardLast4: order.cardLast4,
      });
      const payment = inserted ?? (await voidAuthorizedPayment(tx, order.intentId!));
      if (payment) {
        await appendTimeline(tx, this.deps.signer, [
          this.receipt(order, 'payment.voided', 'payment', payment.id, {
            provider: order.provider,
            sandbox: order.provider === 'sandbox',
            amountCents: order.cardCents,
            intentId: order.intentId,
          }),
        ]);
      }
    });
  }

  /**
   * A committed order whose card can never be captured (the authorization was cancelled or
   * expired at the processor): the seats go back on sale, tickets are revoked and gift cards
   * are credited, so there are never seats without a path to payment.
   */
  async unwindUncapturable(orderId: string, reason: string): Promise<OrderRow | null> {
    return this.deps.db.transaction(async (tx) => {
      const order = await lockOrder(tx, orderId);
      if (!order || order.status !== 'confirmed') return null;
      const tickets = await ticketsOfOrder(tx, order.id);
      await endTickets(
        tx,
        tickets.map((t) => t.id),
        'revoked',
      );
      const items = await itemsOfOrder(tx, order.id);
      await returnSoldSeats(
        tx,
        items.flatMap((i) => (i.seatId ? [i.seatId] : [])),
      );
      const ga = items.filter((i) => !i.seatId);
      if (ga[0]) await returnSoldGa(tx, ga[0].tierId, ga.length);
      await cancelItemsOfOrder(tx, order.id);
      for (const tender of order.plan.giftCards)
        await creditGiftCard(tx, tender.giftCardId, tender.amountCents, order.id);
      await unwindPaymentsOfOrder(tx, order.id);
      const moved = await transitionOrder(tx, order.id, ['confirmed'], 'voided', { failureCode: reason });
      await appendTimeline(tx, this.deps.signer, [
        this.receipt(order, 'order.voided', 'order', order.id, {
          reason,
          ticketsRevoked: tickets.length,
          giftCardsCredited: order.plan.giftCards.length,
        }),
      ]);
      return moved;
    });
  }
}
