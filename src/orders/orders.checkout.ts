import type { Principal } from '../auth/principal.js';
import { hashGiftCardCode } from '../giftcards/giftcards.code.js';
import { findByCodeHash } from '../giftcards/giftcards.repository.js';
import { faultPoint } from '../payments/faults.js';
import { declined, type PaymentSource } from '../payments/provider.js';
import { salesErrors } from '../sales/sales.errors.js';
import { AppError, conflict } from '../shared/errors.js';
import { appendTimeline } from '../timeline/timeline.repository.js';
import { findHold, insertOrder, type HoldRow, type OrderRow } from './orders.repository.js';
import { stepKey, type Settlement, type SettlementDeps } from './orders.settlement.js';
import type { OrderPlan } from './orders.table.js';
import { orderDetails, type OrderDetails } from './orders.view.js';

export interface PlaceOrderInput {
  holdId: string;
  currency?: string | undefined;
  card?: PaymentSource | undefined;
  giftCards: { code: string; amountCents?: number | undefined }[];
  attendees?: { name: string; email: string }[] | undefined;
}

const unprocessable = (code: string, detail: string, field: string) =>
  new AppError(422, code, detail, { errors: [{ in: 'body', field, code: code.split('.')[1]!, message: detail }] });

/** Metadata sent with the authorization; deterministic, so a replayed create matches the first one exactly. */
export const authorizeMetadata = (order: OrderRow) => ({ orderId: order.id, userId: order.userId, holdId: order.holdId });

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
    const { db } = this.deps;
    const hold = await findHold(db, input.holdId);
    if (!hold || hold.userId !== principal.userId) throw salesErrors.holdNotFound();
    if (hold.status === 'converted') throw conflict('orders.hold_already_ordered', 'This hold has already been bought.', { holdId: hold.id });
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
    if (cardCents > 0 && !input.card) throw unprocessable('orders.payment_required', 'The gift cards do not cover the total; add a card.', 'payment.card');
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
      });
      await appendTimeline(tx, this.deps.signer, [
        { userId: row.userId, kind: 'order.placed', subjectType: 'order', subjectId: row.id, eventId: row.eventId, actorId: principal.userId, data: { holdId: hold.id, totalCents: total, currency: hold.currency, giftCardCents: row.giftCardCents, cardCents } },
      ]);
      return row;
    });

    if (provider && source) {
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
        if (err instanceof AppError && err.status < 500) await this.settlement.abort(order.id, err.code, { releaseHold: false });
        throw err;
      }
      faultPoint(this.deps.config, 'after_authorize');
      if (intent.status !== 'requires_capture') {
        await this.settlement.abort(order.id, intent.failureCode ?? 'card_declined', { releaseHold: false });
        if (intent.status !== 'canceled') await provider.cancel(intent.intentId, stepKey(order.id, 'cancel')).catch(() => undefined);
        throw declined(intent);
      }
      await this.settlement.recordAuthorization(order, intent);
    }

    let settled: OrderRow;
    try {
      settled = await this.settlement.commit(order.id);
    } catch (err) {
      if (err instanceof AppError && err.status < 500) await this.settlement.abort(order.id, err.code, { releaseHold: false });
      throw err;
    }
    faultPoint(this.deps.config, 'after_commit');
    try {
      settled = await this.settlement.capture(settled);
    } catch (err) {
      // The seats are committed and the authorization stands; the reconciler retries the capture.
      this.deps.logger.warn({ err, orderId: order.id }, 'capture failed; left to the reconciler');
    }
    return orderDetails(db, settled);
  }

  /** Gift cards first, each for what it can cover (or the amount asked), the card for the rest. */
  private async planTenders(hold: HoldRow, total: number, input: PlaceOrderInput): Promise<OrderPlan> {
    const giftCards: OrderPlan['giftCards'] = [];
    let remaining = total;
    for (const [i, wanted] of input.giftCards.entries()) {
      const field = `payment.giftCards.${i}`;
      const card = await findByCodeHash(this.deps.db, hashGiftCardCode(wanted.code));
      if (!card) throw unprocessable('giftcards.invalid_code', 'No gift card with this code.', `${field}.code`);
      if (giftCards.some((g) => g.giftCardId === card.id)) throw unprocessable('giftcards.duplicate', 'The same gift card is listed twice.', `${field}.code`);
      if (card.currency !== hold.currency) throw unprocessable('giftcards.currency_mismatch', `This gift card is in ${card.currency}; the order is in ${hold.currency}.`, `${field}.code`);
      if (wanted.amountCents !== undefined && wanted.amountCents > remaining) throw unprocessable('orders.overpayment', 'The gift cards add up to more than the total.', `${field}.amountCents`);
      const amount = wanted.amountCents ?? Math.min(card.balanceCents, remaining);
      if (amount > card.balanceCents) throw conflict('giftcards.insufficient_balance', 'This gift card does not have that much left.', { giftCardId: card.id });
      if (amount > 0) giftCards.push({ giftCardId: card.id, amountCents: amount });
      remaining -= amount;
    }
    return { giftCards, attendees: input.attendees ?? null };
  }
}
