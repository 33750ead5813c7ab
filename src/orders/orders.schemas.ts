import { z } from 'zod';
import { receiptSchema } from '../timeline/timeline.routes.js';
import { cardTender, currency, paymentView } from '../payments/payments.schemas.js';

const iso = z.date().transform((d) => d.toISOString());

export const orderIdParams = z.strictObject({ id: z.uuid() });

const attendee = z.strictObject({ name: z.string().trim().min(1).max(200), email: z.email().max(320) });

export const placeOrderBody = z.strictObject({
  holdId: z.uuid(),
  /** Optional guard: the currency the fan saw; refused if the hold is priced in another. */
  currency: currency.optional(),
  payment: z.strictObject({
    card: cardTender.optional(),
    giftCards: z
      .array(
        z.strictObject({
          code: z.string().min(8).max(40),
          amountCents: z.number().int().min(1).max(10_000_000).optional(),
        }),
      )
      .max(5)
      .default([]),
  }),
  // One per ticket; a hold never has more than a few dozen places.
  attendees: z.array(attendee).min(1).max(100).optional(),
});

export const patchOrderBody = z.union([
  z.strictObject({ cancel: z.strictObject({ ticketIds: z.array(z.uuid()).min(1).max(100).optional() }) }),
  z.strictObject({ exchange: z.strictObject({ ticketIds: z.array(z.uuid()).min(1).max(100), holdId: z.uuid() }) }),
]);

export const ticketView = z.object({
  id: z.uuid(),
  orderId: z.uuid(),
  orderItemId: z.uuid(),
  eventId: z.uuid(),
  tierId: z.uuid(),
  seatId: z.uuid().nullable(),
  holderId: z.uuid(),
  attendeeName: z.string().nullable(),
  attendeeEmail: z.string().nullable(),
  version: z.number().int(),
  status: z.enum(['valid', 'cancelled', 'exchanged', 'revoked']),
  issuedAt: iso,
});

export const orderSummary = z.object({
  id: z.uuid(),
  status: z.enum(['pending', 'authorized', 'confirmed', 'captured', 'failed', 'voided', 'cancelled']),
  guaranteed: z.boolean().describe('true once the seats are committed to this order'),
  holdId: z.uuid(),
  eventId: z.uuid(),
  currency: z.string(),
  totalCents: z.number().int(),
  giftCardCents: z.number().int(),
  cardCents: z.number().int(),
  refundedCents: z.number().int(),
  provider: z.enum(['stripe', 'sandbox']).nullable(),
  sandbox: z.boolean().describe('true: paid through the sandbox processor, no money moved'),
  failureCode: z.string().nullable(),
  createdAt: iso,
  confirmedAt: iso.nullable(),
  capturedAt: iso.nullable(),
});

export const orderDetails = orderSummary.extend({ payments: z.array(paymentView), tickets: z.array(ticketView) });

export const paymentOptions = z.object({
  provider: z
    .enum(['stripe', 'sandbox'])
    .nullable()
    .describe(
      'stripe: mount Stripe Elements with publishableKey; sandbox: test card numbers, no money moves; null: gift cards only',
    ),
  publishableKey: z.string().optional(),
});

export const orderTimeline = z.object({ receipts: z.array(receiptSchema) });
