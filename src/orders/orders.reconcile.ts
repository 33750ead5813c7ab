import type { GiftCardService } from '../giftcards/giftcards.service.js';
import { completeRefund, pendingRefunds, strandedGiftCardPayments } from '../payments/payments.repository.js';
import type { IntentSnapshot } from '../payments/provider.js';
import { findHold } from '../sales/holds.repository.js';
import { AppError } from '../shared/errors.js';
import { authorizeMetadata } from './orders.checkout.js';
import {
  endedOrdersWithUnvoidedCard,
  findOrder,
  orderByIntent,
  unsettledOrders,
  type OrderRow,
} from './orders.repository.js';
import { stepKey, type Settlement, type SettlementDeps } from './orders.settlement.js';

export interface SweepReport {
  examined: number;
  captured: number;
  voided: number;
  failed: number;
  refundsSent: number;
  errors: number;
}

/**
 * Resolves every order a crash or a lost answer left between authorize and capture, one way or
 * the other: an authorized order whose hold still stands is committed and captured, one whose
 * hold is gone is voided and its seats released; a committed order is captured, or unwound if
 * the processor will not capture. The processor's own record (re-fetched) decides, never a
 * webhook body or our guess.
 */
export class Reconciler {
  constructor(
    private readonly deps: SettlementDeps,
    private readonly settlement: Settlement,
    private readonly giftCards: GiftCardService,
  ) {}

  /** One order, from whatever state it is in to a settled one. Returns the final status. */
  async reconcileOrder(orderId: string): Promise<OrderRow['status'] | null> {
    let order = await findOrder(this.deps.db, orderId);
    if (!order) return null;
    if (order.status === 'pending') order = await this.resolvePending(order);
    if (order.status === 'authorized') {
      try {
        await this.settlement.commit(order.id);
      } catch (err) {
        if (!(err instanceof AppError) || err.status >= 500) throw err;
        await this.settlement.abort(order.id, err.code, { releaseHold: true });
      }
      order = (await findOrder(this.deps.db, order.id))!;
    }
    if (order.status === 'confirmed') {
      try {
        await this.settlement.capture(order.id);
      } catch (err) {
        if (!(err instanceof AppError) || err.status >= 500) throw err;
        // The processor refuses to capture (authorization cancelled or expired): give the seats back.
        await this.settlement.unwindUncapturable(order.id, err.code);
      }
      order = (await findOrder(this.deps.db, order.id))!;
    }
    return order.status;
  }

  /** A pending order's card may or may not have been authorized before the crash: ask the processor. */
  private async resolvePending(order: OrderRow): Promise<OrderRow> {
    if (order.cardCents === 0 || !order.provider) {
      await this.settlement.abort(order.id, 'reconciler.abandoned', { releaseHold: true });
      return (await findOrder(this.deps.db, order.id))!;
    }
    const provider = this.deps.providers.get(order.provider);
    // A pending order that knows its intent is waiting for 3-D Secure: read that intent's state.
    const intent = order.intentId
      ? await provider.retrieve(order.intentId)
      : await provider.recover({
          amountCents: order.cardCents,
          currency: order.currency,
          idempotencyKey: stepKey(order.id, 'authorize'),
          metadata: authorizeMetadata(order),
          description: `Fairdrop order ${order.id}`,
          source: order.paymentMethodId ? { type: 'payment_method', paymentMethodId: order.paymentMethodId } : null,
        });
    if (intent?.status === 'requires_capture') return this.settlement.recordAuthorization(order, intent);
    if (intent?.status === 'requires_action') {
      // The fan may still be answering their bank: left to the page while the hold stands.
      const hold = await findHold(this.deps.db, order.holdId);
      if (hold?.status === 'active' && hold.expiresAt.getTime() > Date.now()) return order;
    }
    await this.settlement.abort(order.id, intent?.failureCode ?? 'reconciler.not_authorized', { releaseHold: true });
    if (intent && intent.status !== 'canceled' && intent.status !== 'succeeded') {
      await provider.cancel(intent.intentId, stepKey(order.id, 'cancel')).catch(() => undefined);
    }
    return (await findOrder(this.deps.db, order.id))!;
  }

  /**
   * After a webhook: re-fetch the intent and act on what the processor says. Only facts that
   * cannot race a live checkout are applied at once (captured, cancelled); an order still in
   * flight is left to its request and, failing that, to the sweep.
   */
  async reconcileIntent(intentId: string): Promise<void> {
    // The order knows its intent from the authorization on (its payment row only from the commit).
    const order = await orderByIntent(this.deps.db, intentId);
    if (!order?.provider) return;
    const intent: IntentSnapshot = await this.deps.providers.get(order.provider).retrieve(intentId);
    if (order.status === 'confirmed' && intent.status === 'succeeded')
      await this.settlement.recordCapture(order, intent);
    else if (order.status === 'confirmed' && intent.status === 'canceled')
      await this.settlement.unwindUncapturable(order.id, 'payments.authorization_canceled');
    else if (order.status === 'authorized' && intent.status === 'canceled')
      await this.settlement.abort(order.id, 'payments.authorization_canceled', { releaseHold: true });
    else if ((order.status === 'voided' || order.status === 'failed') && intent.status === 'requires_capture')
      await this.settlement.voidCard(order);
    else if (order.status === 'confirmed' && this.isStale(order)) await this.reconcileOrder(order.id);
    // Anything else (captured, cancelled, refunded orders) is already settled: the webhook changes nothing.
  }

  /** The periodic sweep: unsettled orders, voids not yet sent, refunds not yet sent, gift-card purchases not yet captured. */
  async sweep(): Promise<SweepReport> {
    const report: SweepReport = { examined: 0, captured: 0, voided: 0, failed: 0, refundsSent: 0, errors: 0 };
    const cutoff = new Date(Date.now() - this.deps.config.RECONCILE_AFTER_MS);
    for (const order of await unsettledOrders(this.deps.db, cutoff)) {
      report.examined++;
      try {
        const status = await this.reconcileOrder(order.id);
        if (status === 'captured') report.captured++;
        else if (status === 'voided') report.voided++;
        else if (status === 'failed') report.failed++;
      } catch (err) {
        report.errors++;
        this.deps.logger.error({ err, orderId: order.id }, 'reconcile failed; will retry on the next sweep');
      }
    }
    // Orders ended before their authorization was cancelled (a crash between the two): no voided card payment yet.
    for (const orderId of await endedOrdersWithUnvoidedCard(this.deps.db, cutoff)) {
      const order = (await findOrder(this.deps.db, orderId))!;
      await this.settlement.voidCard(order).catch((err: unknown) => {
        report.errors++;
        this.deps.logger.error({ err, orderId }, 'void failed; will retry');
      });
    }
    for (const refund of await pendingRefunds(this.deps.db, cutoff)) {
      try {
        if (!refund.intentId || refund.provider === 'gift_card') continue;
        const sent = await this.deps.providers
          .get(refund.provider)
          .refund(refund.intentId, refund.amountCents, `refund:${refund.id}`);
        await completeRefund(this.deps.db, refund.id, sent.status === 'failed' ? 'failed' : 'succeeded', sent.refundId);
        report.refundsSent++;
      } catch (err) {
        report.errors++;
        this.deps.logger.error({ err, refundId: refund.id }, 'refund failed; will retry');
      }
    }
    for (const payment of await strandedGiftCardPayments(this.deps.db, cutoff)) {
      if (payment.provider === 'gift_card' || !payment.intentId) continue;
      await this.giftCards
        .capture(payment.userId, payment.id, payment.intentId, payment.provider)
        .catch((err: unknown) => {
          report.errors++;
          this.deps.logger.error({ err, paymentId: payment.id }, 'gift-card capture failed; will retry');
        });
    }
    return report;
  }

  private isStale(order: OrderRow): boolean {
    return order.updatedAt.getTime() < Date.now() - this.deps.config.RECONCILE_AFTER_MS;
  }
}
