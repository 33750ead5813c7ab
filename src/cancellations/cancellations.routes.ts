import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../http/route.js';
import type { CancellationService } from './cancellations.service.js';

const tag = 'Cancellations';
const idParams = z.object({ id: z.uuid() });
const future = z.iso
  .datetime()
  .transform((v) => new Date(v))
  .refine((d) => d.getTime() > Date.now(), 'must be in the future');

const progress = z.object({
  eventId: z.uuid(),
  reason: z.string(),
  cancelledAt: z.iso.datetime(),
  completedAt: z.iso.datetime().nullable(),
  ordersTotal: z.number().int(),
  ticketsRevoked: z.number().int(),
  pending: z.number().int(),
  refunded: z.number().int(),
  voided: z.number().int(),
  skipped: z.number().int(),
  refundedCents: z.number().int(),
});

const change = z.object({
  id: z.uuid(),
  eventId: z.uuid(),
  kind: z.enum(['postponed', 'changed']),
  before: z.record(z.string(), z.string().nullable()),
  after: z.record(z.string(), z.string().nullable()),
  refundUntil: z.iso.datetime().nullable(),
  note: z.string().nullable(),
  createdAt: z.iso.datetime(),
});

export function cancellationRoutes(service: CancellationService): AnyRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/events/:id/cancel',
      summary:
        'Cancel the event: tickets revoked now, every order refunded by background jobs, holders and watchers told',
      tag,
      access: { roles: ['organizer'] },
      params: idParams,
      body: z.strictObject({ reason: z.string().trim().min(3).max(1000) }),
      response: { status: 202, schema: progress },
      errors: ['catalog.not_organizer', 'catalog.event_not_found', 'cancellations.event_completed'],
      handler: (ctx) => service.cancel(ctx.user, ctx.params.id, ctx.body.reason),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/events/:id/cancellation',
      summary: "The cancellation's refund progress (organizer)",
      tag,
      access: { roles: ['organizer'] },
      params: idParams,
      response: { status: 200, schema: progress },
      errors: ['cancellations.not_found'],
      handler: (ctx) => service.progress(ctx.user, ctx.params.id),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/events/:id/postpone',
      summary: 'Postpone: tickets stay valid, holders may cancel for a refund within the window',
      tag,
      access: { roles: ['organizer'] },
      params: idParams,
      body: z.strictObject({
        newStartsAt: future,
        refundWindowDays: z.number().int().min(1).max(365),
        note: z.string().trim().max(1000).optional(),
      }),
      response: { status: 200, schema: change },
      errors: ['catalog.not_organizer', 'cancellations.event_closed'],
      handler: (ctx) => service.postpone(ctx.user, ctx.params.id, ctx.body),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/events/:id/changes',
      summary: 'Change the time, doors or venue and announce it to holders and watchers',
      tag,
      access: { roles: ['organizer'] },
      params: idParams,
      body: z
        .strictObject({
          startsAt: future.optional(),
          doorsAt: z.iso
            .datetime()
            .transform((v) => new Date(v))
            .nullable()
            .optional(),
          venueId: z.uuid().optional(),
          note: z.string().trim().max(1000).optional(),
        })
        .refine(
          (b) => b.startsAt !== undefined || b.doorsAt !== undefined || b.venueId !== undefined,
          'change at least one of startsAt, doorsAt, venueId',
        ),
      response: { status: 200, schema: change },
      errors: [
        'catalog.not_organizer',
        'cancellations.event_closed',
        'catalog.venue_not_found',
        'catalog.not_venue_owner',
      ],
      handler: (ctx) => service.reschedule(ctx.user, ctx.params.id, ctx.body),
    }),
  ];
}
