import { setTimeout as sleep } from 'node:timers/promises';
import type { Principal } from '../auth/principal.js';
import type { Db } from '../db/types.js';
import { hashGiftCardCode } from '../giftcards/giftcards.code.js';
import { faultPoint } from '../payments/faults.js';
import {
  declined,
  requiresAction,
  type IntentSnapshot,
  type PaymentProvider,
  type PaymentSource,
  type ProviderName,
} from '../payments/provider.js';
import { refusalFrom } from '../sales/refusals.js';
import { AppError, conflict } from '../shared/errors.js';
import { keyedHash } from '../shared/keyed-hash.js';
import { findOrder, placeOrder, transitionOrder, type OrderRow } from './orders.repository.js';
import { stepKey, type Captured, type Committed, type Settlement, type SettlementDeps } from './orders.settlement.js';
import { orderDetails, orderDetailsOf, type OrderDetails } from './orders.view.js';
import { businessMetrics } from '../shared/business-metrics.js';

export interface PlaceOrderInput {
  holdId: string;
  currency?: string | undefined;
  card?: PaymentSource | undefined;
  giftCards: { code: string; amountCents?: number | undefined }[];
  attendees?: { name: string; email: string }[] | undefined;
  /** The request's Idempotency-Key: the order is keyed by it (a retry is answered by `answerRetry`). */
  idempotencyKey: string;
}

/** The answer to a retry of an order that failed: the refusal its first attempt got, as near as its failure code says. */
function failedOrderProblem(order: OrderRow): AppError {
  const code = order.failureCode ?? 'unknown';
  const decline = code.replace(/^payments\./, '');
  if (['card_declined', 'insufficient_funds', 'authentication_required'].includes(decline))
    return declined({ failureCode: decline, provider: order.provider ?? 'sandbox' });
  return conflict('orders.failed', `This order was not completed (${code}); place a new one.`, {
    orderId: order.id,
    failureCode: code,
  });
}

/** Metadata sent with the authorization; deterministic, so a replayed create matches the first one exactly. */
export const authorizeMetadata = (order: OrderRow) => ({
  orderId: order.id,
  userId: order.userId,
  holdId: order.holdId,
});

/**
 * POST /v1/orders: price the hold, plan the tenders (gift cards first, the card for the rest),
 * write the order as pending, authorize the card, commit, capture. A failure before the
 * commit leaves the hold to the fan (they can pay another way); the reconciler finishes or
 * undoes anything a crash interrupted.
 */
export class Checkout {
  constructor(
    private readonly deps: SettlementDeps,
    private readonly settlement: Settlement,
  ) {}

  async place(principal: Principal, input: PlaceOrderInput): Promise<OrderDetails> {
    const source = input.card ?? null;
    const provider = source ? this.deps.providers.forSource(source) : null;
    let placed;
    try {
      placed = await placeOrder(this.deps.db, {
        userId: principal.userId,
        holdId: input.holdId,
        key: input.idempotencyKey,
        requestHash: keyedHash(input.idempotencyKey, { ...input, idempotencyKey: undefined }),
        currency: input.currency ?? null,
        attendees: input.attendees ?? null,
        giftCards: input.giftCards.map((g) => ({
          codeHash: hashGiftCardCode(g.code),
          amountCents: g.amountCents ?? null,
        })),
        hasCard: source !== null,
        provider: provider?.name ?? null,
        paymentMethodId: source?.type === 'payment_method' ? source.paymentMethodId : null,
      });
    } catch (err) {
      throw refusalFrom(err) ?? err;
    }
    if (placed.replay) return this.answerRetry(placed.order);
    this.deps.receipts.add(placed.receipts);
    businessMetrics.ordersPlaced.inc();
    const order = placed.order;
    if (order.cardCents === 0 || !provider || !source) return this.settle(order, null, null);
    return this.authorizeAndSettle(order, provider, source);
  }

  /**
   * The same request again, after the first attempt placed its order but its answer was lost
   * with the key's claim (the process died, or it failed on our side after the order existed):
   * the order as it stands now, or the same 3-D Secure step if the card is still waiting for it.
   * The reconciler settles an order a crash left pending; a read shows its progress.
   */
  private async answerRetry(first: OrderRow): Promise<OrderDetails> {
    const order = await this.settled(first);
    if (order.status === 'pending' && order.provider && order.intentId) {
      const intent = await this.deps.providers.get(order.provider).retrieve(order.intentId);
      if (intent.status === 'requires_action' && intent.clientSecret) throw requiresAction(order.id, intent);
    }
    if (order.status === 'pending' && !order.intentId) {
      throw new AppError(
        409,
        'idempotency.in_progress',
        'A request with this Idempotency-Key is still being processed.',
        {
          headers: { 'Retry-After': '1' },
        },
      );
    }
    if (order.status === 'failed' || order.status === 'voided') throw failedOrderProblem(order);
    return orderDetails(this.deps.db, order);
  }

  /**
   * A twin request placed this order and may still be paying for it: wait, as long as a
   * duplicate request waits for its twin (IDEMPOTENCY_WAIT_MS), for it to leave `pending`.
   */
  private async settled(order: OrderRow): Promise<OrderRow> {
    const deadline = Date.now() + this.deps.config.IDEMPOTENCY_WAIT_MS;
    let current = order;
    for (let pause = 10; current.status === 'pending' && !current.intentId && Date.now() < deadline;) {
      await sleep(pause);
      pause = Math.min(pause * 2, 200);
      current = (await findOrder(this.deps.db, order.id)) ?? current;
    }
    return current;
  }

  /** Authorizes the card for the pending order, then settles it (or leaves it to 3-D Secure). */
  private async authorizeAndSettle(
    order: OrderRow,
    provider: PaymentProvider,
    source: PaymentSource,
  ): Promise<OrderDetails> {
    const cardCents = order.cardCents;
    let intent;
    try {
      intent = await provider.authorize({
        amountCents: cardCents,
        currency: order.currency,
        source,
        idempotencyKey: stepKey(order.id, 'authorize'),
        metadata: authorizeMetadata(order),
        description: `Fairdrop order ${order.id}`,
      });
    } catch (err) {
      // A refusal before any authorization exists (bad card number…): the order simply failed.
      if (err instanceof AppError && err.status < 500) {
        businessMetrics.paymentFailures.inc({ reason: err.code });
        await this.settlement.abort(order.id, err.code, { releaseHold: false });
      }
      throw err;
    }
    faultPoint(this.deps.config, 'after_authorize');
    if (intent.status === 'requires_action' && intent.clientSecret) {
      // 3-D Secure: the order stays pending (its hold too) and remembers its intent, so the
      // page's completion and the reconciler read the processor's state instead of guessing.
      await transitionOrder(this.deps.db, order.id, ['pending'], 'pending', { intentId: intent.intentId });
      throw requiresAction(order.id, intent);
    }
    return this.settle(order, provider, intent);
  }

  /**
   * POST /v1/orders/:id/complete, after the fan's browser ran the card's 3-D Secure step: the
   * intent is re-read from the processor (never taken from the browser) and the order is
   * settled exactly as an immediate authorization would be.
   */
  async complete(principal: Principal, orderId: string): Promise<OrderDetails> {
    const { db } = this.deps;
    const order = await findOrder(db, orderId);
    if (!order || order.userId !== principal.userId)
      throw new AppError(404, 'orders.not_found', 'No order with this id.');
    if (order.status === 'confirmed' || order.status === 'captured') return orderDetails(db, order);
    if (order.status !== 'pending' || !order.provider || !order.intentId) {
      throw conflict('orders.not_completable', `The order is ${order.status} and has no payment step waiting.`, {
        status: order.status,
      });
    }
    const provider = this.deps.providers.get(order.provider);
    const intent = await provider.retrieve(order.intentId);
    if (intent.status === 'requires_action' && intent.clientSecret) throw requiresAction(order.id, intent);
    return this.settle(order, provider, intent);
  }

  /** From an authorization (or none, for gift cards alone) to committed seats and captured money. */
  private async settle(
    order: OrderRow,
    provider: PaymentProvider | null,
    intent: IntentSnapshot | null,
  ): Promise<OrderDetails> {
    const { db } = this.deps;
    if (provider && intent) {
      if (intent.status !== 'requires_capture') {
        await this.settlement.abort(order.id, intent.failureCode ?? 'card_declined', { releaseHold: false });
        if (intent.status !== 'canceled')
          await provider.cancel(intent.intentId, stepKey(order.id, 'cancel')).catch(() => undefined);
        const refusal = declined(intent);
        businessMetrics.paymentFailures.inc({ reason: refusal.code });
        throw refusal;
      }
    }

    // The authorization is recorded by the commit itself (one statement); only a refused commit
    // records it apart, so the abort that follows voids the card.
    const authorization = intent ? { intentId: intent.intentId, cardLast4: intent.cardLast4 } : null;
    let committed: Committed;
    try {
      committed = await this.settlement.commit(order.id, authorization);
    } catch (err) {
      if (err instanceof AppError && err.status < 500) {
        if (intent && order.status === 'pending')
          await this.settlement.recordAuthorization(order, intent).catch(() => undefined);
        await this.settlement.abort(order.id, err.code, { releaseHold: false });
      }
      throw err;
    }
    faultPoint(this.deps.config, 'after_commit');
    let captured: Captured = { order: committed.order, capturedPaymentId: null };
    try {
      captured = await this.settlement.capture(committed.order);
    } catch (err) {
      // The seats are committed and the authorization stands; the reconciler retries the capture.
      this.deps.logger.warn({ err, orderId: order.id }, 'capture failed; left to the reconciler');
    }
    return this.answer(db, committed, captured);
  }

  /**
   * The response, from the rows the commit wrote when this request made every change since
   * (the order is as committed, or this request's capture moved it and its card payment);
   * read back from the database otherwise (a replayed commit, a capture someone else recorded).
   */
  private answer(db: Db, committed: Committed, captured: Captured): OrderDetails | Promise<OrderDetails> {
    const { written } = committed;
    if (!written) return orderDetails(db, captured.order);
    if (captured.order === committed.order) return orderDetailsOf(committed.order, written.payments, written.tickets);
    const card = written.payments.find((p) => p.method === 'card' && p.status === 'authorized');
    if (!card || captured.capturedPaymentId !== card.id || captured.order.status !== 'captured')
      return orderDetails(db, captured.order);
    const payments = written.payments.map((p) => (p === card ? { ...p, status: 'captured' as const } : p));
    return orderDetailsOf(captured.order, payments, written.tickets);
  }

  /**
   * How this server takes cards, for the checkout page: Stripe Elements when Stripe is set up
   * with a publishable key, else the labelled sandbox, else none (gift cards only).
   */
  paymentOptions(): { provider: ProviderName | null; publishableKey?: string } {
    const key = this.deps.config.STRIPE_PUBLISHABLE_KEY;
    if (key && this.deps.providers.has('stripe')) return { provider: 'stripe', publishableKey: key };
    return { provider: this.deps.providers.has('sandbox') ? 'sandbox' : null };
  }
}
