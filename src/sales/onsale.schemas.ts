import { z } from 'zod';
import { salePhases } from './phase.js';
import { onsaleModes, onsaleStates } from './vocabulary.js';

const instant = z.iso.datetime({ offset: true }).transform((v) => new Date(v));

/**
 * The bounds below are product limits, not physics: they keep an organizer's typo (a hold TTL
 * of 3 seconds, a batch of a million) from ruining a drop.
 */
export const onsaleBody = z
  .object({
    mode: z.enum(onsaleModes),
    prequeueOpensAt: instant.nullable().default(null),
    saleStartsAt: instant,
    saleEndsAt: instant.nullable().default(null),
    admitPerMinute: z.number().int().min(1).max(100_000).optional(),
    batchSize: z.number().int().min(1).max(10_000).optional(),
    tickSeconds: z.number().int().min(1).max(60).optional(),
    /** 10 minutes from admission to holding seats: time to pick seats without a fan's token idling for long. */
    purchaseTokenTtlSeconds: z.number().int().min(60).max(3600).default(600),
    /**
     * 8 minutes from hold to payment: enough to type card details and pass 3-D Secure
     * (typically 2–4 minutes), short enough that abandoned carts return seats to fans still
     * waiting while the drop is live. Bounded at 30 minutes so nobody can park seats.
     */
    holdTtlSeconds: z.number().int().min(60).max(1800).default(480),
    perAccountLimit: z.number().int().min(1).max(50).nullable().default(null),
    powDifficulty: z.number().int().min(0).max(24).default(0),
    /**
     * Queue mode: only accounts with a confirmed email address may join. Left out, it is on
     * for a queue sale (throwaway sign-ups would otherwise dilute the draw) and off for an
     * open one, which has no waiting room.
     */
    requireVerifiedEmail: z.boolean().optional(),
    state: z.enum(onsaleStates).default('scheduled'),
  })
  .strict()
  .superRefine((v, ctx) => {
    const issue = (field: string, message: string) => ctx.addIssue({ code: 'custom', path: [field], message });
    if (v.prequeueOpensAt && v.prequeueOpensAt > v.saleStartsAt)
      issue('prequeueOpensAt', 'must not be after saleStartsAt');
    if (v.saleEndsAt && v.saleEndsAt <= v.saleStartsAt) issue('saleEndsAt', 'must be after saleStartsAt');
    const rate = v.admitPerMinute !== undefined;
    const batch = v.batchSize !== undefined || v.tickSeconds !== undefined;
    if (v.mode === 'queue') {
      if (!v.prequeueOpensAt) issue('prequeueOpensAt', 'is required for a queue on-sale');
      if (rate && batch) issue('admitPerMinute', 'give either admitPerMinute or batchSize with tickSeconds, not both');
      else if (!rate && !batch)
        issue('admitPerMinute', 'is required for a queue on-sale (or batchSize with tickSeconds)');
      else if (batch && v.batchSize === undefined) issue('batchSize', 'is required with tickSeconds');
      else if (batch && v.tickSeconds === undefined) issue('tickSeconds', 'is required with batchSize');
    } else {
      for (const field of ['admitPerMinute', 'batchSize', 'tickSeconds'] as const) {
        if (v[field] !== undefined) issue(field, 'applies only to a queue on-sale');
      }
      if (v.prequeueOpensAt) issue('prequeueOpensAt', 'applies only to a queue on-sale');
      if (v.powDifficulty > 0) issue('powDifficulty', 'applies only to a queue on-sale');
      if (v.requireVerifiedEmail) issue('requireVerifiedEmail', 'applies only to a queue on-sale');
    }
  });
export type OnsaleInput = z.output<typeof onsaleBody>;

export const onsale = z.object({
  eventId: z.uuid(),
  mode: z.enum(onsaleModes),
  prequeueOpensAt: z.iso.datetime().nullable(),
  saleStartsAt: z.iso.datetime(),
  saleEndsAt: z.iso.datetime().nullable(),
  admitPerMinute: z.number().int().nullable(),
  batchSize: z.number().int().nullable(),
  tickSeconds: z.number().int().nullable(),
  purchaseTokenTtlSeconds: z.number().int(),
  holdTtlSeconds: z.number().int(),
  perAccountLimit: z.number().int().nullable(),
  powDifficulty: z.number().int(),
  requireVerifiedEmail: z.boolean(),
  state: z.enum(onsaleStates),
  updatedAt: z.iso.datetime(),
});

/** Where the sale stands (src/sales/phase.ts): the one answer every page shows. */
export const salePhase = z
  .enum(salePhases)
  .describe(
    'Where the sale stands, one answer for every page: draft, announced (no on-sale yet), scheduled, prequeue (waiting room open), drawing, admitting (queue sale after the draw), on_sale (open sale), paused, sold_out, ended, postponed, cancelled, completed.',
  );

export const saleView = z.object({
  phase: salePhase,
  mode: z.enum(onsaleModes).nullable(),
  opensAt: z.iso
    .datetime()
    .nullable()
    .describe('When fans can first act: the waiting room opens (queue) or the sale starts (open).'),
  startsAt: z.iso.datetime().nullable().describe('The sale’s start; for a queue sale, the draw.'),
  endsAt: z.iso.datetime().nullable(),
  drawnAt: z.iso.datetime().nullable().describe('When the draw finished; null before.'),
  drawSize: z.number().int().nullable().describe('Entries in the draw; fans who join later come after them.'),
});
