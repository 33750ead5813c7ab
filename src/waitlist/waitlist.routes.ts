import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { myEntrySchema, organizerListSchema } from './waitlist.schemas.js';
import type { WaitlistService } from './waitlist.service.js';

const tag = 'Waitlist';
const eventParams = z.object({ id: z.uuid() });

export function waitlistRoutes(service: WaitlistService): AnyRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/events/:id/waitlist',
      summary:
        'Join a sold-out sale’s waitlist (once per account): places that come back are offered in line order as a 10-minute hold',
      tag,
      access: 'user',
      params: eventParams,
      idempotency: 'required',
      response: { status: 201, schema: myEntrySchema, description: '201 a new entry, 200 the account’s entry' },
      errors: ['catalog.event_not_found', 'waitlist.not_sold_out', 'waitlist.sale_not_on'],
      handler: (ctx) => service.join(ctx.user.userId, ctx.params.id),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/events/:id/waitlist/me',
      summary: 'My place on the waitlist: position while waiting, the offer once my turn came',
      tag,
      access: 'user',
      params: eventParams,
      response: { status: 200, schema: myEntrySchema },
      errors: ['waitlist.not_in_line'],
      handler: (ctx) => service.mine(ctx.user.userId, ctx.params.id),
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/events/:id/waitlist/me',
      summary: 'Leave the waitlist',
      tag,
      access: 'user',
      params: eventParams,
      idempotency: 'required',
      response: { status: 200, schema: myEntrySchema },
      errors: ['waitlist.not_in_line'],
      handler: (ctx) => service.leave(ctx.user.userId, ctx.params.id),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/events/:id/waitlist',
      summary: 'The event’s waitlist for its organizer: counts by state and the entries in line order',
      tag,
      access: { roles: ['organizer'] },
      params: eventParams,
      query: z.object({
        after: z.coerce.number().int().min(0).default(0),
        limit: z.coerce.number().int().min(1).max(500).default(100),
      }),
      response: { status: 200, schema: organizerListSchema },
      errors: ['catalog.event_not_found', 'auth.forbidden'],
      handler: (ctx) => service.list(ctx.user, ctx.params.id, { after: ctx.query.after, limit: ctx.query.limit }),
    }),
  ];
}
