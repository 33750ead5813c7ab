import type Stripe from 'stripe';
import type { Db } from '../db/types.js';
import type { Logger } from '../logger.js';
import { AppError } from '../shared/errors.js';
import { insertStripeEvent, markStripeEventProcessed, stripeEventProcessed } from './payments.repository.js';

/** What a webhook asks of the orders side: re-fetch this intent and settle accordingly. */
export interface IntentReconciler {
  reconcileIntent(intentId: string): Promise<void>;
}

/** The PaymentIntent an event is about. Only the id is taken from the payload; its state is re-fetched. */
function intentOf(event: Stripe.Event): string | null {
  const object = event.data.object as { object?: string; id?: string; payment_intent?: string | { id: string } | null };
  if (object.object === 'payment_intent' && typeof object.id === 'string') return object.id;
  const pi = object.payment_intent;
  if (typeof pi === 'string') return pi;
  return pi?.id ?? null;
}

/**
 * POST /v1/webhooks/stripe. Verifies the signature over the raw body, stores each event once
 * by its id, and has the reconciler re-fetch the intent. A duplicate delivery (Stripe retries,
 * and may deliver out of order) finds the event already processed and changes nothing.
 */
export class StripeWebhooks {
  constructor(
    private readonly db: Db,
    private readonly stripe: Stripe | null,
    private readonly secret: string | undefined,
    private readonly reconciler: IntentReconciler,
    private readonly logger: Logger,
  ) {}

  async receive(raw: Buffer, signature: string | undefined): Promise<{ received: true; duplicate: boolean }> {
    if (!this.stripe || !this.secret)
      throw new AppError(404, 'webhooks.not_configured', 'Stripe webhooks are not configured on this server.');
    let event: Stripe.Event;
    try {
      event = this.stripe.webhooks.constructEvent(raw, signature ?? '', this.secret);
    } catch {
      throw new AppError(400, 'webhooks.invalid_signature', 'The Stripe-Signature header does not match this body.', {
        errors: [{ in: 'header', field: 'Stripe-Signature', code: 'invalid_signature', message: 'does not verify' }],
      });
    }
    const intentId = intentOf(event);
    const inserted = await insertStripeEvent(this.db, { id: event.id, type: event.type, intentId });
    // Processed before: acknowledge. Stored but unprocessed (the first delivery failed midway): process now.
    if (!inserted && (await stripeEventProcessed(this.db, event.id))) return { received: true, duplicate: true };
    if (intentId) await this.reconciler.reconcileIntent(intentId);
    await markStripeEventProcessed(this.db, event.id);
    this.logger.debug({ eventId: event.id, type: event.type, intentId }, 'stripe webhook processed');
    return { received: true, duplicate: false };
  }
}
