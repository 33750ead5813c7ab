import type { Principal } from '../auth/principal.js';
import type { Db } from '../db/types.js';
import { findEvent } from '../catalog/catalog.repository.js';
import { hashGiftCardCode } from '../giftcards/giftcards.code.js';
import { giftCardErrors } from '../giftcards/giftcards.errors.js';
import { findByCodeHash } from '../giftcards/giftcards.repository.js';
import { paysFor } from '../giftcards/giftcards.scope.js';
import { faultPoint } from '../payments/faults.js';
import {
  declined,
  requiresAction,
  type IntentSnapshot,
  type PaymentProvider,
  type PaymentSource,
  type ProviderName,
} from '../payments/provider.js';
import { salesErrors } from '../sales/sales.errors.js';
import { AppError, conflict } from '../shared/errors.js';
import { appendTimeline } from '../timeline/timeline.repository.js';
import {
  findHold,
  findOrder,
  findOrderPlacedWith,
  insertOrder,
  transitionOrder,
  type HoldRow,
  type OrderRow,
} from './orders.repository.js';
import { stepKey, type Captured, type Committed, type Settlement, type SettlementDeps } from './orders.settlement.js';
import type { OrderPlan } from './orders.table.js';
import { orderDetails, orderDetailsOf, type OrderDetails } from './orders.view.js';

export interface PlaceOrderInput {
  holdId: string;
  currency?: string | undefined;
  card?: PaymentSource | undefined;
  giftCards: { code: string; amountCents?: number | undefined }[];
  attendees?: { name: string; email: string }[] | undefined;
  /** The request's Idempotency-Key, kept on the order (see `answerRetry`). */
  idempotencyKey?: string | undefined;
}

/** Refusals a retry of an order that was in fact placed runs into: the hold is bought, or no longer active, because of it. */
const PLACED_ALREADY = new Set(['orders.hold_already_ordered', 'sales.hold_not_active', 'sales.hold_expired']);

const unprocessable = (code: string, detail: string, field: string) =>
  new AppError(422, code, detail, { errors: [{ in: 'body', field, code: code.split('.')[1]!, message: detail }] });

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
    try {
      return await this.placeNew(principal, input);
    } catch (err) {
      if (!input.idempotencyKey || !(err instanceof AppError) || !PLACED_ALREADY.has(err.code)) throw err;
      const previous = await findOrderPlacedWith(this.deps.db, principal.userId, input.holdId, input.idempotencyKey);
      if (!previous) throw err;
      return this.answerRetry(previous);
    }
  }

  /**
   * The same request again, after the first attempt placed its order but its answer was lost
   * with the key's claim (the process died, or it failed on our side after the order existed):
   * the order as it stands now, or the same 3-D Secure step if the card is still waiting for it.
   * The reconciler settles an order a crash left pending; a read shows its progress.
   */
  private async answerRetry(order: OrderRow): Promise<OrderDetails> {
    if (order.status === 'pending' && order.provider && order.intentId) {
      const intent = await this.deps.providers.get(order.provider).retrieve(order.intentId);
      if (intent.status === 'requires_action' && intent.clientSecret) throw requiresAction(order.id, intent);
    }
    return orderDetails(this.deps.db, order);
  }

  private async placeNew(principal: Principal, input: PlaceOrderInput): Promise<OrderDetails> {
    const { db } = this.deps;
    const hold = await findHold(db, input.holdId);
    if (!hold || hold.userId !== principal.userId) throw salesErrors.holdNotFound();
    if (hold.status === 'converted')
      throw conflict('orders.hold_already_ordered', 'This hold has already been bought.', { holdId: hold.id });
    if (hold.status !== 'active') throw salesErrors.holdNotActive(hold.status);
    if (hold.expiresAt.getTime() <= Date.now()) throw salesErrors.holdExpired();
    if (input.currency && input.currency !== hold.currency) {
      throw unprocessable('orders.currency_mismatch', `This hold is priced in ${hold.currency}.`, 'currency');
    }
    if (input.attendees && input.attendees.length !== hold.quantity) {
      throw unprocessable('orders.attendees_mismatch', `Name one attendee per ticket (${hold.quantity}).`, 'attendees');
    }
    const total = (hold.unitPriceCents + hold.unitFeeCents) * hold.quantity;
    const plan = await this.planTenders(hold, total, input);
    const cardCents = total - plan.giftCards.reduce((sum, g) => sum + g.amountCents, 0);
    if (cardCents > 0 && !input.card)
      throw unprocessable(
        'orders.payment_required',
        'The gift cards do not cover the total; add a card.',
        'payment.card',
      );
    const source = cardCents > 0 ? input.card! : null;
    const provider = source ? this.deps.providers.forSource(source) : null;

    const order = await db.transaction(async (tx) => {
      const row = await insertOrder(tx, {
        userId: principal.userId,
        holdId: hold.id,
        eventId: hold.eventId,
        currency: hold.currency,
        totalCents: total,
        giftCardCents: total - cardCents,
        cardCents,
        provider: provider?.name ?? null,
        paymentMethodId: source?.type === 'payment_method' ? source.paymentMethodId : null,
        plan,
        idempotencyKey: input.idempotencyKey ?? null,
      });
      await appendTimeline(tx, this.deps.signer, [
        {
          userId: row.userId,
          kind: 'order.placed',
          subjectType: 'order',
          subjectId: row.id,
          eventId: row.eventId,
          actorId: principal.userId,
          data: {
            holdId: hold.id,
            totalCents: total,
            currency: hold.currency,
            giftCardCents: row.giftCardCents,
            cardCents,
          },
        },
      ]);
      return row;
    });

    if (!provider || !source) return this.settle(order, null, null);
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
      if (err instanceof AppError && err.status < 500)
        await this.settlement.abort(order.id, err.code, { releaseHold: false });
      throw err;
    }
    faultPoint(this.deps.config, 'after_authorize');
    if (intent.status === 'requires_action' && intent.clientSecret) {
      // 3-D Secure: the order stays pending (its hold too) and remembers its intent, so the
      // page's completion and the reconciler read the processor's state instead of guessing.
      await transitionOrder(db, order.id, ['pending'], 'pending', { intentId: intent.intentId });
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
        throw declined(intent);
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

  /** Gift cards first, each for what it can cover (or the amount asked), the card for the rest. */
  private async planTenders(hold: HoldRow, total: number, input: PlaceOrderInput): Promise<OrderPlan> {
    const giftCards: OrderPlan['giftCards'] = [];
    let remaining = total;
    // Read once, and only when a card is limited to one organizer's events.
    let event: { organizerId: string } | undefined;
    for (const [i, wanted] of input.giftCards.entries()) {
      const field = `payment.giftCards.${i}`;
      const card = await findByCodeHash(this.deps.db, hashGiftCardCode(wanted.code));
      if (!card) throw unprocessable('giftcards.invalid_code', 'No gift card with this code.', `${field}.code`);
      if (card.scopeOrganizerId !== null) {
        event ??= await findEvent(this.deps.db, hold.eventId);
        if (!event || !paysFor(card, event)) throw giftCardErrors.notValidForEvent(`${field}.code`);
      }
      if (giftCards.some((g) => g.giftCardId === card.id))
        throw unprocessable('giftcards.duplicate', 'The same gift card is listed twice.', `${field}.code`);
      if (card.currency !== hold.currency)
        throw unprocessable(
          'giftcards.currency_mismatch',
          `This gift card is in ${card.currency}; the order is in ${hold.currency}.`,
          `${field}.code`,
        );
      if (wanted.amountCents !== undefined && wanted.amountCents > remaining)
        throw unprocessable(
          'orders.overpayment',
          'The gift cards add up to more than the total.',
          `${field}.amountCents`,
        );
      const amount = wanted.amountCents ?? Math.min(card.balanceCents, remaining);
      if (amount > card.balanceCents)
        throw conflict('giftcards.insufficient_balance', 'This gift card does not have that much left.', {
          giftCardId: card.id,
        });
      if (amount > 0) giftCards.push({ giftCardId: card.id, amountCents: amount });
      remaining -= amount;
    }
    return { giftCards, attendees: input.attendees ?? null };
  }
}
