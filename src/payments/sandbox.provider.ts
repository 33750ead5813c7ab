import { randomBytes } from 'node:crypto';
import type { Db } from '../db/types.js';
import { Batcher } from '../shared/batcher.js';
import { AppError } from '../shared/errors.js';
import type { AuthorizeRequest, IntentSnapshot, PaymentProvider, RefundSnapshot } from './provider.js';
import {
  cancelIntent,
  captureIntents,
  createIntents,
  intentById,
  intentByKey,
  refundIntent,
  type IntentRow,
  type NewIntent,
} from './sandbox.repository.js';
import { cardExpired, luhnValid, normalizeCardNumber, testCardOutcome } from './test-cards.js';

/**
 * The zero-setup processor: Stripe's semantics (manual capture, idempotency keys, partial
 * refunds) over a Postgres table, answering Stripe's test card numbers the way Stripe test
 * mode does. Every snapshot it returns says `provider: 'sandbox'`, and the API shows
 * `sandbox: true` wherever a payment appears, so nobody mistakes it for money.
 *
 * Its bookkeeping stays off the purchase path's round trips: the authorizations (and the
 * captures) that concurrent purchases ask for are written together, one statement per batch
 * (`Batcher`), each caller answered only once its row is written.
 */

const id = (prefix: string) => `${prefix}_sbx_${randomBytes(12).toString('base64url')}`;

function snapshot(row: IntentRow): IntentSnapshot {
  return {
    provider: 'sandbox',
    intentId: row.id,
    status: row.status,
    amountCents: row.amountCents,
    currency: row.currency,
    amountCapturedCents: row.amountCapturedCents,
    amountRefundedCents: row.amountRefundedCents,
    failureCode: row.failureCode,
    cardLast4: row.cardLast4,
    clientSecret: null,
  };
}

export class SandboxProvider implements PaymentProvider {
  readonly name = 'sandbox' as const;

  private readonly authorizations = new Batcher<NewIntent, IntentRow>((intents) => createIntents(this.db, intents));
  private readonly captures = new Batcher<string, IntentRow | undefined>(async (ids) => {
    const captured = new Map((await captureIntents(this.db, ids)).map((row) => [row.id, row]));
    return ids.map((id) => captured.get(id));
  });

  constructor(private readonly db: Db) {}

  async authorize(request: AuthorizeRequest): Promise<IntentSnapshot> {
    if (request.source.type !== 'sandbox_card') {
      throw new AppError(
        422,
        'payments.provider_unavailable',
        'The sandbox takes test card numbers, not Stripe payment methods.',
      );
    }
    const card = request.source.card;
    const digits = normalizeCardNumber(card.number);
    if (!luhnValid(digits)) {
      throw new AppError(422, 'payments.card_invalid', 'The card number is not valid.', {
        errors: [{ in: 'body', field: 'payment.card.number', code: 'invalid', message: 'not a valid card number' }],
      });
    }
    if (cardExpired(card)) {
      throw new AppError(422, 'payments.card_expired', 'The card has expired.', {
        errors: [{ in: 'body', field: 'payment.card.expYear', code: 'expired', message: 'card expired' }],
      });
    }
    const outcome = testCardOutcome(card);
    if (!outcome) {
      throw new AppError(
        422,
        'payments.sandbox_card_unknown',
        'The sandbox accepts Stripe test card numbers only (e.g. 4242 4242 4242 4242).',
        {
          errors: [
            {
              in: 'body',
              field: 'payment.card.number',
              code: 'not_a_test_card',
              message: 'use a Stripe test card number',
            },
          ],
        },
      );
    }
    const status =
      outcome === 'success'
        ? 'requires_capture'
        : outcome === 'authentication_required'
          ? 'requires_action'
          : 'requires_payment_method';
    const row = await this.authorizations.run({
      id: id('pi'),
      idempotencyKey: request.idempotencyKey,
      amountCents: request.amountCents,
      currency: request.currency,
      status,
      failureCode: outcome === 'success' ? null : outcome,
      cardLast4: digits.slice(-4),
      metadata: request.metadata,
    });
    // A replay of the same key (or a concurrent one that lost the race) answers with the first row.
    return snapshot(row);
  }

  async recover(request: Pick<AuthorizeRequest, 'idempotencyKey'>): Promise<IntentSnapshot | null> {
    const row = await intentByKey(this.db, request.idempotencyKey);
    return row ? snapshot(row) : null;
  }

  async capture(intentId: string): Promise<IntentSnapshot> {
    const updated = await this.captures.run(intentId);
    if (updated) return snapshot(updated);
    const row = await this.row(intentId);
    // Capturing twice is a no-op, as with Stripe's idempotent retry.
    if (row.status === 'succeeded') return snapshot(row);
    throw new AppError(409, 'payments.not_capturable', `The payment is ${row.status} and cannot be captured.`);
  }

  async cancel(intentId: string): Promise<IntentSnapshot> {
    const updated = await cancelIntent(this.db, intentId, [
      'requires_capture',
      'requires_payment_method',
      'requires_action',
    ]);
    if (updated) return snapshot(updated);
    const row = await this.row(intentId);
    if (row.status === 'canceled') return snapshot(row);
    throw new AppError(409, 'payments.not_cancelable', `The payment is ${row.status} and cannot be cancelled.`);
  }

  async refund(intentId: string, amountCents: number, idempotencyKey: string): Promise<RefundSnapshot> {
    const outcome = await refundIntent(this.db, { id: id('re'), intentId, idempotencyKey, amountCents });
    if (outcome.kind === 'exceeds_capture')
      throw new AppError(
        409,
        'payments.refund_exceeds_capture',
        'The refund is larger than what is left of the payment.',
      );
    if (outcome.kind === 'replayed')
      return {
        refundId: outcome.refundId,
        intentId: outcome.intentId,
        amountCents: outcome.amountCents,
        status: 'succeeded',
      };
    return { refundId: outcome.refundId, intentId, amountCents, status: 'succeeded' };
  }

  async retrieve(intentId: string): Promise<IntentSnapshot> {
    return snapshot(await this.row(intentId));
  }

  private async row(intentId: string): Promise<IntentRow> {
    const row = await intentById(this.db, intentId);
    if (!row) throw new AppError(404, 'payments.intent_not_found', `No sandbox payment ${intentId}.`);
    return row;
  }
}
