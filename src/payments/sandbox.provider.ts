import { randomBytes } from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/types.js';
import { AppError } from '../shared/errors.js';
import type { AuthorizeRequest, IntentSnapshot, PaymentProvider, RefundSnapshot } from './provider.js';
import { sandboxIntents, sandboxRefunds } from './sandbox.table.js';
import { cardExpired, luhnValid, normalizeCardNumber, testCardOutcome } from './test-cards.js';

/**
 * The zero-setup processor: Stripe's semantics (manual capture, idempotency keys, partial
 * refunds) over a Postgres table, answering Stripe's test card numbers the way Stripe test
 * mode does. Every snapshot it returns says `provider: 'sandbox'`, and the API shows
 * `sandbox: true` wherever a payment appears, so nobody mistakes it for money.
 */

type Row = typeof sandboxIntents.$inferSelect;

const id = (prefix: string) => `${prefix}_sbx_${randomBytes(12).toString('base64url')}`;

function snapshot(row: Row): IntentSnapshot {
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
    const [created] = await this.db
      .insert(sandboxIntents)
      .values({
        id: id('pi'),
        idempotencyKey: request.idempotencyKey,
        amountCents: request.amountCents,
        currency: request.currency,
        status,
        failureCode: outcome === 'success' ? null : outcome,
        cardLast4: digits.slice(-4),
        metadata: request.metadata,
      })
      // A replay of the same key (or a concurrent one that lost the race) answers with the first row.
      .onConflictDoNothing({ target: sandboxIntents.idempotencyKey })
      .returning();
    return snapshot(created ?? (await this.byKey(request.idempotencyKey))!);
  }

  async recover(request: Pick<AuthorizeRequest, 'idempotencyKey'>): Promise<IntentSnapshot | null> {
    const row = await this.byKey(request.idempotencyKey);
    return row ? snapshot(row) : null;
  }

  async capture(intentId: string): Promise<IntentSnapshot> {
    const [updated] = await this.db
      .update(sandboxIntents)
      .set({ status: 'succeeded', amountCapturedCents: sql`${sandboxIntents.amountCents}`, updatedAt: sql`now()` })
      .where(and(eq(sandboxIntents.id, intentId), eq(sandboxIntents.status, 'requires_capture')))
      .returning();
    if (updated) return snapshot(updated);
    const row = await this.row(intentId);
    // Capturing twice is a no-op, as with Stripe's idempotent retry.
    if (row.status === 'succeeded') return snapshot(row);
    throw new AppError(409, 'payments.not_capturable', `The payment is ${row.status} and cannot be captured.`);
  }

  async cancel(intentId: string): Promise<IntentSnapshot> {
    const [updated] = await this.db
      .update(sandboxIntents)
      .set({ status: 'canceled', updatedAt: sql`now()` })
      .where(
        and(
          eq(sandboxIntents.id, intentId),
          inArray(sandboxIntents.status, ['requires_capture', 'requires_payment_method', 'requires_action']),
        ),
      )
      .returning();
    if (updated) return snapshot(updated);
    const row = await this.row(intentId);
    if (row.status === 'canceled') return snapshot(row);
    throw new AppError(409, 'payments.not_cancelable', `The payment is ${row.status} and cannot be cancelled.`);
  }

  async refund(intentId: string, amountCents: number, idempotencyKey: string): Promise<RefundSnapshot> {
    return this.db.transaction(async (tx) => {
      const [inserted] = await tx
        .insert(sandboxRefunds)
        .values({ id: id('re'), intentId, idempotencyKey, amountCents })
        .onConflictDoNothing({ target: sandboxRefunds.idempotencyKey })
        .returning();
      if (!inserted) {
        const [prior] = await tx.select().from(sandboxRefunds).where(eq(sandboxRefunds.idempotencyKey, idempotencyKey));
        return {
          refundId: prior!.id,
          intentId: prior!.intentId,
          amountCents: prior!.amountCents,
          status: 'succeeded' as const,
        };
      }
      const [updated] = await tx
        .update(sandboxIntents)
        .set({
          amountRefundedCents: sql`${sandboxIntents.amountRefundedCents} + ${amountCents}`,
          updatedAt: sql`now()`,
        })
        .where(
          and(
            eq(sandboxIntents.id, intentId),
            eq(sandboxIntents.status, 'succeeded'),
            sql`${sandboxIntents.amountRefundedCents} + ${amountCents} <= ${sandboxIntents.amountCapturedCents}`,
          ),
        )
        .returning({ id: sandboxIntents.id });
      if (!updated)
        throw new AppError(
          409,
          'payments.refund_exceeds_capture',
          'The refund is larger than what is left of the payment.',
        );
      return { refundId: inserted.id, intentId, amountCents, status: 'succeeded' as const };
    });
  }

  async retrieve(intentId: string): Promise<IntentSnapshot> {
    return snapshot(await this.row(intentId));
  }

  private async byKey(key: string): Promise<Row | undefined> {
    const [row] = await this.db.select().from(sandboxIntents).where(eq(sandboxIntents.idempotencyKey, key));
    return row;
  }

  private async row(intentId: string): Promise<Row> {
    const [row] = await this.db.select().from(sandboxIntents).where(eq(sandboxIntents.id, intentId));
    if (!row) throw new AppError(404, 'payments.intent_not_found', `No sandbox payment ${intentId}.`);
    return row;
  }
}
