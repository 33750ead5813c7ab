import Stripe from 'stripe';
import { AppError } from '../shared/errors.js';
import type {
  AuthorizeRequest,
  IntentSnapshot,
  IntentStatus,
  PaymentProvider,
  PaymentSource,
  RefundSnapshot,
} from './provider.js';

/**
 * Stripe PaymentIntents with manual capture. Every call carries an idempotency key made from
 * our own ids, so Stripe itself deduplicates retries from clients, the reconciler and
 * webhooks. Amounts read back for reconciliation come from Stripe, never from a webhook body.
 */

export interface StripeSettings {
  secretKey: string;
  /** Tests point the real SDK at a local fake (STRIPE_API_BASE). */
  apiBase?: string;
}

export function createStripeClient(settings: StripeSettings): Stripe {
  const base = settings.apiBase ? new URL(settings.apiBase) : null;
  return new Stripe(settings.secretKey, {
    // Network retries reuse the same idempotency key, so they are safe; two keeps a checkout under ~5 s.
    maxNetworkRetries: 2,
    // Authorize is the slowest honest step; well under the API's request timeout.
    timeout: 10_000,
    ...(base
      ? {
          host: base.hostname,
          port: Number(base.port || (base.protocol === 'https:' ? 443 : 80)),
          protocol: base.protocol === 'https:' ? 'https' : 'http',
        }
      : {}),
  });
}

const known: readonly IntentStatus[] = [
  'requires_payment_method',
  'requires_action',
  'requires_capture',
  'processing',
  'succeeded',
  'canceled',
];

function toSnapshot(intent: Stripe.PaymentIntent, failureCode: string | null = null): IntentSnapshot {
  // Newer statuses (e.g. requires_confirmation) mean "not authorized" to us.
  const status = (known as readonly string[]).includes(intent.status)
    ? (intent.status as IntentStatus)
    : 'requires_payment_method';
  const charge = typeof intent.latest_charge === 'object' && intent.latest_charge ? intent.latest_charge : null;
  const lastError = intent.last_payment_error;
  return {
    provider: 'stripe',
    intentId: intent.id,
    status,
    amountCents: intent.amount,
    currency: intent.currency.toUpperCase(),
    amountCapturedCents: intent.amount_received,
    amountRefundedCents: charge?.amount_refunded ?? 0,
    failureCode:
      failureCode ??
      (status === 'requires_action' ? 'authentication_required' : (lastError?.decline_code ?? lastError?.code ?? null)),
    cardLast4: charge?.payment_method_details?.card?.last4 ?? null,
    clientSecret: intent.client_secret ?? null,
  };
}

function isStripeError(err: unknown): err is Stripe.errors.StripeError {
  return err instanceof Stripe.errors.StripeError;
}

/** Turns a Stripe failure on capture/cancel/refund into our problem; network trouble stays a 5xx. */
function mapError(err: unknown, action: string): never {
  if (
    isStripeError(err) &&
    err.statusCode !== undefined &&
    err.statusCode < 500 &&
    err.type !== 'StripeRateLimitError'
  ) {
    throw new AppError(409, `payments.${action}_refused`, `Stripe refused to ${action}: ${err.code ?? err.type}.`, {
      data: { stripeCode: err.code ?? null },
    });
  }
  throw err;
}

export class StripeProvider implements PaymentProvider {
  readonly name = 'stripe' as const;

  constructor(private readonly stripe: Stripe) {}

  async authorize(request: AuthorizeRequest): Promise<IntentSnapshot> {
    return this.create(request, request.source);
  }

  async recover(
    request: Omit<AuthorizeRequest, 'source'> & { source: PaymentSource | null },
  ): Promise<IntentSnapshot | null> {
    // Stripe cannot be searched by idempotency key; replaying the create with the same key
    // returns the intent the crashed request made (or makes it now, and the caller cancels it).
    if (!request.source) return null;
    return this.create(request, request.source);
  }

  async capture(intentId: string, idempotencyKey: string): Promise<IntentSnapshot> {
    try {
      return toSnapshot(
        await this.stripe.paymentIntents.capture(intentId, { expand: ['latest_charge'] }, { idempotencyKey }),
      );
    } catch (err) {
      // Already captured (a retry after a lost answer): read the truth instead of failing.
      if (isStripeError(err) && err.code === 'payment_intent_unexpected_state') {
        const current = await this.retrieve(intentId);
        if (current.status === 'succeeded') return current;
      }
      return mapError(err, 'capture');
    }
  }

  async cancel(intentId: string, idempotencyKey: string): Promise<IntentSnapshot> {
    try {
      return toSnapshot(
        await this.stripe.paymentIntents.cancel(intentId, { expand: ['latest_charge'] }, { idempotencyKey }),
      );
    } catch (err) {
      if (isStripeError(err) && err.code === 'payment_intent_unexpected_state') {
        const current = await this.retrieve(intentId);
        if (current.status === 'canceled') return current;
      }
      return mapError(err, 'cancel');
    }
  }

  async refund(intentId: string, amountCents: number, idempotencyKey: string): Promise<RefundSnapshot> {
    try {
      const refund = await this.stripe.refunds.create(
        { payment_intent: intentId, amount: amountCents },
        { idempotencyKey },
      );
      const status =
        refund.status === 'succeeded'
          ? 'succeeded'
          : refund.status === 'failed' || refund.status === 'canceled'
            ? 'failed'
            : 'pending';
      return { refundId: refund.id, intentId, amountCents: refund.amount, status };
    } catch (err) {
      return mapError(err, 'refund');
    }
  }

  async retrieve(intentId: string): Promise<IntentSnapshot> {
    return toSnapshot(await this.stripe.paymentIntents.retrieve(intentId, { expand: ['latest_charge'] }));
  }

  private async create(request: Omit<AuthorizeRequest, 'source'>, source: PaymentSource): Promise<IntentSnapshot> {
    if (source.type !== 'payment_method') {
      throw new AppError(
        422,
        'payments.raw_card_refused',
        'Stripe takes a payment method id from Stripe.js; raw card numbers go to the sandbox only.',
      );
    }
    try {
      const intent = await this.stripe.paymentIntents.create(
        {
          amount: request.amountCents,
          currency: request.currency.toLowerCase(),
          payment_method: source.paymentMethodId,
          // Cards only, and no redirect-based methods: the checkout has no return page.
          automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
          capture_method: 'manual',
          confirm: true,
          metadata: request.metadata,
          ...(request.description ? { description: request.description } : {}),
          expand: ['latest_charge'],
        },
        { idempotencyKey: request.idempotencyKey },
      );
      return toSnapshot(intent);
    } catch (err) {
      // A decline on confirm: Stripe answers 402 and attaches the intent it left unauthorized.
      if (isStripeError(err) && err.type === 'StripeCardError' && err.payment_intent) {
        return toSnapshot(err.payment_intent, err.decline_code ?? err.code ?? 'card_declined');
      }
      if (isStripeError(err) && err.type === 'StripeCardError') {
        throw new AppError(402, 'payments.card_declined', 'The card was declined.', {
          data: { declineCode: err.decline_code ?? err.code ?? null, provider: 'stripe' },
        });
      }
      if (isStripeError(err) && err.type === 'StripeInvalidRequestError') {
        throw new AppError(
          422,
          'payments.invalid_payment_method',
          `Stripe refused the payment method: ${err.code ?? 'invalid request'}.`,
        );
      }
      throw err;
    }
  }
}
