import { z } from 'zod';
import type { PaymentSource } from './provider.js';

/** ISO 4217, upper case as the catalog stores it (the Stripe adapter lowers it). */
export const currency = z
  .string()
  .regex(/^[A-Za-z]{3}$/, 'a three-letter ISO 4217 code such as EUR')
  .transform((c) => c.toUpperCase());

/** Fields of a test card for the sandbox; real cards go through Stripe.js and arrive as a payment method id. */
export const sandboxCard = z.strictObject({
  number: z.string().regex(/^[\d -]{12,23}$/, 'digits, spaces or dashes'),
  expMonth: z.number().int().min(1).max(12),
  expYear: z.number().int().min(0).max(2100),
  cvc: z.string().regex(/^\d{3,4}$/),
});

export const stripeCard = z.strictObject({
  stripePaymentMethodId: z.string().regex(/^pm_[\w]{1,200}$/, 'a Stripe payment method id (pm_…)'),
});

export const cardTender = z.union([sandboxCard, stripeCard]);

export function toSource(card: z.output<typeof cardTender>): PaymentSource {
  return 'stripePaymentMethodId' in card
    ? { type: 'payment_method', paymentMethodId: card.stripePaymentMethodId }
    : { type: 'sandbox_card', card };
}

export const paymentView = z.object({
  id: z.uuid(),
  method: z.enum(['card', 'gift_card']),
  provider: z.enum(['stripe', 'sandbox', 'gift_card']),
  sandbox: z.boolean().describe('true: a sandbox payment, no money moved'),
  amountCents: z.number().int(),
  refundedCents: z.number().int(),
  currency: z.string(),
  status: z.enum(['authorized', 'captured', 'voided', 'refunded', 'partially_refunded']),
  cardLast4: z.string().nullable(),
  giftCardId: z.uuid().nullable(),
});
