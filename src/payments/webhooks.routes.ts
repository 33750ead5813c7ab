import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../http/route.js';
import type { StripeWebhooks } from './webhooks.service.js';

/** The path, for the composition root that puts a raw-body parser in front of it. */
export const STRIPE_WEBHOOK_PATH = '/v1/webhooks/stripe';

export function webhookRoutes(webhooks: StripeWebhooks): AnyRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: STRIPE_WEBHOOK_PATH,
      summary: 'Stripe events (signature verified over the raw body; each event processed once)',
      tag: 'Payments',
      access: 'public',
      // The raw bytes, as express.raw left them: the signature is over exactly these.
      body: z.custom<Buffer>((v) => Buffer.isBuffer(v), 'a raw JSON body'),
      // Stripe sends no Idempotency-Key; the event id is the deduplication key.
      idempotency: 'off',
      response: { status: 200, schema: z.object({ received: z.literal(true), duplicate: z.boolean() }) },
      errors: ['webhooks.invalid_signature', 'webhooks.not_configured'],
      handler: (ctx) => webhooks.receive(ctx.body, ctx.requestHeader('stripe-signature')),
    }),
  ];
}
