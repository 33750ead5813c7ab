import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../http/route.js';
import type { NotificationService } from './notifications.service.js';

const tag = 'Notifications';
const eventParams = z.object({ id: z.uuid() });
const feedItem = z.object({
  id: z.number().int(),
  kind: z.string(),
  title: z.string(),
  body: z.string(),
  data: z.record(z.string(), z.unknown()),
  read: z.boolean(),
  createdAt: z.iso.datetime(),
});

export function notificationRoutes(service: NotificationService): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/me/notifications',
      summary: 'My notifications, newest first (also pushed live on socket.io as `notification`)',
      tag,
      access: 'user',
      query: z.object({
        unread: z
          .enum(['true', 'false'])
          .default('false')
          .transform((v) => v === 'true'),
        before: z.coerce.number().int().positive().optional(),
        limit: z.coerce.number().int().min(1).max(100).default(30),
      }),
      response: {
        status: 200,
        schema: z.object({
          items: z.array(feedItem),
          unread: z.number().int(),
          nextBefore: z.number().int().nullable(),
        }),
      },
      handler: (ctx) =>
        service.feed(ctx.user.userId, {
          unreadOnly: ctx.query.unread,
          before: ctx.query.before,
          limit: ctx.query.limit,
        }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/me/notifications/read',
      summary: 'Mark notifications read',
      tag,
      access: 'user',
      body: z.union([
        z.object({ ids: z.array(z.number().int().positive()).min(1).max(500) }),
        z.object({ all: z.literal(true) }),
      ]),
      response: { status: 200, schema: z.object({ marked: z.number().int() }) },
      handler: async (ctx) => ({
        marked: await service.markRead(ctx.user.userId, 'ids' in ctx.body ? ctx.body.ids : 'all'),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/events/:id/watch',
      summary: 'Watch an event: hear when its pre-queue opens, tickets come back, or it changes',
      tag,
      access: 'user',
      params: eventParams,
      response: { status: 204 },
      errors: ['catalog.event_not_found'],
      handler: (ctx) => service.watch(ctx.user.userId, ctx.params.id),
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/events/:id/watch',
      summary: 'Stop watching an event',
      tag,
      access: 'user',
      params: eventParams,
      response: { status: 204 },
      handler: (ctx) => service.unwatch(ctx.user.userId, ctx.params.id),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/me/watches',
      summary: 'Events I watch',
      tag,
      access: 'user',
      response: {
        status: 200,
        schema: z.object({
          watches: z.array(
            z.object({
              eventId: z.uuid(),
              title: z.string(),
              startsAt: z.iso.datetime(),
              status: z.string(),
              since: z.iso.datetime(),
            }),
          ),
        }),
      },
      handler: async (ctx) => ({ watches: await service.watching(ctx.user.userId) }),
    }),
  ];
}
