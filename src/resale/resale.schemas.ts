import { z } from 'zod';
import { cardTender } from '../payments/payments.schemas.js';

export const quoteView = z.object({
  ticketId: z.uuid(),
  eventId: z.uuid(),
  listable: z.boolean(),
  refusal: z.string().nullable().describe('the problem code listing would be refused with, or null'),
  faceValueCents: z.number().int().describe('what was paid for the ticket, fee included'),
  capPercent: z.number().int().describe("the organizer's cap as a percentage of face value"),
  maxPriceCents: z.number().int(),
  minPriceCents: z.number().int(),
  feePercent: z.number().describe("Fairdrop's resale fee, kept from the price"),
  feeAtMaxCents: z.number().int(),
  payoutAtMaxCents: z.number().int().describe('what the seller gets back at the highest price'),
  currency: z.string(),
  listingId: z.uuid().nullable().describe('the live listing of this ticket, if any'),
});
export type QuoteView = z.output<typeof quoteView>;

export const listingView = z.object({
  id: z.uuid(),
  eventId: z.uuid(),
  ticketId: z.uuid().nullable().describe('only to the seller'),
  tierName: z.string(),
  seat: z.object({ section: z.string(), row: z.string(), number: z.number().int() }).nullable(),
  priceCents: z.number().int(),
  currency: z.string(),
  status: z.enum(['listed', 'sold', 'withdrawn']),
  mine: z.boolean().describe('the caller is the seller'),
  bought: z.boolean().describe('the caller bought it'),
  feeCents: z.number().int().nullable().describe('only to the seller'),
  payoutCents: z.number().int().nullable().describe('only to the seller: the price less the fee'),
  openToAll: z.boolean().describe('false while it is offered to waitlisted fans first'),
  offeredToYou: z.boolean(),
  offerExpiresAt: z.iso.datetime().nullable().describe('until when the offer to the caller stands'),
  waitlistOfferUntil: z.iso.datetime().nullable().describe('offered to a waitlisted fan until then'),
  createdAt: z.iso.datetime(),
  endedAt: z.iso.datetime().nullable(),
});
export type ListingView = z.output<typeof listingView>;

export const listBody = z.strictObject({
  priceCents: z.number().int().min(1).max(10_000_000),
});

export const purchaseBody = z.strictObject({
  payment: z.union([
    z.strictObject({ card: cardTender }),
    z.strictObject({ giftCard: z.strictObject({ code: z.string().min(8).max(40) }) }),
  ]),
});
export type PurchaseBody = z.output<typeof purchaseBody>;

export const purchaseView = z.object({
  id: z.uuid(),
  listingId: z.uuid(),
  ticketId: z.uuid(),
  method: z.enum(['card', 'gift_card']),
  status: z
    .enum(['committed', 'captured'])
    .describe('captured: paid; committed: the ticket is yours, payment being taken'),
  amountCents: z.number().int(),
  currency: z.string(),
  cardLast4: z.string().nullable(),
});
export type PurchaseView = z.output<typeof purchaseView>;
