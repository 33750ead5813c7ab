import { AppError } from '../shared/errors.js';

/**
 * What the order flow needs from a card processor: authorize now (manual capture), capture once
 * the seats are committed, cancel when they cannot be, refund part or all later, and read the
 * processor's truth back for reconciliation. Two implementations: Stripe and the sandbox.
 * Every call that changes state carries an idempotency key derived from our own ids, so a
 * retry (by a client, the reconciler or a webhook) never charges twice.
 */

export type ProviderName = 'stripe' | 'sandbox';

/** Stripe's PaymentIntent statuses we act on; the sandbox uses the same words. */
export type IntentStatus =
  'requires_payment_method' | 'requires_action' | 'requires_capture' | 'processing' | 'succeeded' | 'canceled';

export interface IntentSnapshot {
  provider: ProviderName;
  intentId: string;
  status: IntentStatus;
  amountCents: number;
  currency: string;
  amountCapturedCents: number;
  amountRefundedCents: number;
  /** Why the processor refused (`card_declined`, `insufficient_funds`, `authentication_required`), else null. */
  failureCode: string | null;
  cardLast4: string | null;
  /**
   * What Stripe.js needs to run the card's next action (3-D Secure) in the fan's browser; only
   * passed on to the owner of the order while it waits for that action. Null from the sandbox.
   */
  clientSecret: string | null;
}

export interface RefundSnapshot {
  refundId: string;
  intentId: string;
  amountCents: number;
  status: 'succeeded' | 'pending' | 'failed';
}

/** A raw test card: accepted by the sandbox only (real card numbers never reach our servers). */
export interface SandboxCard {
  number: string;
  expMonth: number;
  expYear: number;
  cvc: string;
}

export type PaymentSource =
  { type: 'sandbox_card'; card: SandboxCard } | { type: 'payment_method'; paymentMethodId: string };

export interface AuthorizeRequest {
  amountCents: number;
  /** ISO 4217, upper case as the catalog stores it. */
  currency: string;
  source: PaymentSource;
  idempotencyKey: string;
  metadata: Record<string, string>;
  description?: string;
}

export interface PaymentProvider {
  readonly name: ProviderName;
  /** Authorizes without capturing. A decline is not thrown: it comes back as a snapshot with `failureCode`. */
  authorize(request: AuthorizeRequest): Promise<IntentSnapshot>;
  /**
   * Finds the intent a crashed authorize may have created. Stripe has no lookup by idempotency
   * key, so its adapter replays the create with the same key (Stripe answers with the first
   * result); `source` is then the stored payment method, never card details.
   */
  recover(request: Omit<AuthorizeRequest, 'source'> & { source: PaymentSource | null }): Promise<IntentSnapshot | null>;
  capture(intentId: string, idempotencyKey: string): Promise<IntentSnapshot>;
  cancel(intentId: string, idempotencyKey: string): Promise<IntentSnapshot>;
  refund(intentId: string, amountCents: number, idempotencyKey: string): Promise<RefundSnapshot>;
  retrieve(intentId: string): Promise<IntentSnapshot>;
}

/** The problem a fan sees for a refused card; 402 as Stripe answers, with the processor's reason as the code. */
export function declined(snapshot: Pick<IntentSnapshot, 'failureCode' | 'provider'>): AppError {
  const reason = snapshot.failureCode ?? 'card_declined';
  const code =
    reason === 'insufficient_funds'
      ? 'payments.insufficient_funds'
      : reason === 'authentication_required'
        ? 'payments.authentication_required'
        : 'payments.card_declined';
  const detail =
    code === 'payments.authentication_required'
      ? 'The card needs 3-D Secure authentication, which this checkout cannot perform; use another card.'
      : code === 'payments.insufficient_funds'
        ? 'The card has insufficient funds.'
        : 'The card was declined.';
  return new AppError(402, code, detail, { data: { declineCode: reason, provider: snapshot.provider } });
}

/**
 * Not a refusal: the card's bank asks the fan to authenticate (3-D Secure) before it authorizes.
 * The order stays pending with its hold; the page runs the action with Stripe.js and then calls
 * POST /v1/orders/:id/complete. Only the order's owner ever sees the client secret.
 */
export function requiresAction(orderId: string, snapshot: Pick<IntentSnapshot, 'provider' | 'clientSecret'>): AppError {
  return new AppError(
    402,
    'payments.requires_action',
    'Your bank asks you to confirm this payment (3-D Secure). Your seats stay held while you do.',
    {
      data: { orderId, provider: snapshot.provider, clientSecret: snapshot.clientSecret },
    },
  );
}

export class ProviderRegistry {
  constructor(private readonly providers: Partial<Record<ProviderName, PaymentProvider>>) {}

  get(name: ProviderName): PaymentProvider {
    const provider = this.providers[name];
    if (!provider) {
      throw new AppError(
        422,
        'payments.provider_unavailable',
        `Payments through ${name} are not configured on this server.`,
      );
    }
    return provider;
  }

  has(name: ProviderName): boolean {
    return this.providers[name] !== undefined;
  }

  /** A raw card goes to the sandbox; a Stripe payment method id goes to Stripe. */
  forSource(source: PaymentSource): PaymentProvider {
    return this.get(source.type === 'sandbox_card' ? 'sandbox' : 'stripe');
  }
}
