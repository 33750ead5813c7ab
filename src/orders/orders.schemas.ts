import { z } from 'zod';
import { receiptSchema } from '../timeline/timeline.routes.js';
import { cardTender, currency, paymentView } from '../payments/payments.schemas.js';
import { ticketStandings } from './ticket-standing.js';

const iso = z.date().transform((d) => d.toISOString());

const ticketStanding = z
  .enum(ticketStandings)
  .describe(
    'changeable: the buyer may still cancel or exchange it; offered: on offer to someone (withdraw the offer first); ' +
      'used: admitted at the door; transferred: it belongs to someone else now; ended: cancelled, exchanged or revoked',
  );

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
  holderId: z.uuid().nullable().describe('the buyer while they hold it; null once it is someone else’s'),
  attendeeName: z.string().nullable().describe('null once someone else holds the ticket'),
  attendeeEmail: z.string().nullable().describe('null once someone else holds the ticket'),
  version: z.number().int(),
  status: z.enum(['valid', 'cancelled', 'exchanged', 'revoked']),
  issuedAt: iso,
  standing: ticketStanding,
  usedAt: iso.nullable().describe('when the door first admitted it (the buyer’s own tickets only)'),
  transfer: z
    .object({
      id: z.uuid(),
      toEmail: z.string(),
      status: z.enum(['pending', 'accepted']),
      at: iso.nullable().describe('when it was offered (pending) or accepted'),
    })
    .nullable()
    .describe('the buyer’s open offer of it, or the accepted one that made it someone else’s'),
});

const count = z.number().int();
export const ticketCounts = z
  .object({ changeable: count, offered: count, used: count, transferred: count, ended: count })
  .describe('how many of the order’s tickets stand where; a cancel without ticketIds takes the changeable ones');

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
  ticketCounts,
});

export const orderListEntry = orderSummary.extend({
  paymentAttempts: z
    .number()
    .int()
    .min(1)
    .describe(
      'how many payment attempts the hold took: declined attempts are folded into the order that succeeded (or the last one)',
    ),
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
