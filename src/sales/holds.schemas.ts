import { z } from 'zod';

/**
 * Tickets in one hold. Twenty covers any family or group a fan buys for; larger groups are
 * a group sale the organizer handles. It also bounds how many seat locks one request takes.
 */
export const MAX_TICKETS_PER_HOLD = 20;

export const holdBody = z
  .object({
    eventId: z.uuid(),
    tierId: z.uuid(),
    /** Specific seats (reserved tiers). */
    seats: z.array(z.uuid()).min(1).max(MAX_TICKETS_PER_HOLD).optional(),
    /** Best available (reserved) or a number of places (general admission). */
    quantity: z.number().int().min(1).max(MAX_TICKETS_PER_HOLD).optional(),
    /** Best available only: side by side in one row, or nothing. */
    together: z.boolean().optional(),
    /** Required when the on-sale runs a waiting room: the token the fan got when admitted. */
    purchaseToken: z.string().min(16).max(512).optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if ((v.seats === undefined) === (v.quantity === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['quantity'], message: 'send either seats or quantity' });
    }
    if (v.together !== undefined && v.quantity === undefined) {
      ctx.addIssue({ code: 'custom', path: ['together'], message: 'goes with quantity (best available)' });
    }
    if (v.seats && new Set(v.seats).size !== v.seats.length)
      ctx.addIssue({ code: 'custom', path: ['seats'], message: 'names a seat twice' });
  });
export type HoldRequest = z.output<typeof holdBody>;

export const holdParams = z.object({ id: z.uuid() });

export const hold = z.object({
  id: z.uuid(),
  eventId: z.uuid(),
  tierId: z.uuid(),
  kind: z.enum(['seats', 'ga']),
  status: z.enum(['active', 'released', 'expired', 'converted']),
  quantity: z.number().int(),
  seats: z.array(
    z.object({ id: z.uuid(), section: z.string(), row: z.string(), number: z.number().int(), accessible: z.boolean() }),
  ),
  unitPriceCents: z.number().int(),
  unitFeeCents: z.number().int(),
  totalCents: z.number().int().describe('quantity × (price + fee): what the order will charge'),
  currency: z.string(),
  expiresAt: z.iso.datetime(),
  createdAt: z.iso.datetime(),
  endedAt: z.iso.datetime().nullable(),
});
export type HoldView = z.input<typeof hold>;
