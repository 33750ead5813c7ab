import { defineRoute, type AnyRoute } from '../http/route.js';
import { idParams } from '../catalog/catalog.schemas.js';
import { onsale, onsaleBody } from './onsale.schemas.js';
import type { OnsaleService } from './onsale.service.js';

export function onsaleRoutes(service: OnsaleService): AnyRoute[] {
  return [
    defineRoute({
      method: 'put',
      path: '/v1/events/:id/onsale',
      summary: 'Set how an event goes on sale: queue or open, times, admission rate, hold and token TTLs, limits',
      tag: 'On-sale',
      // Any account may knock; only the event's organizer (or an admin) gets past the service.
      access: 'user',
      params: idParams,
      body: onsaleBody,
      response: { status: 200, schema: onsale },
      errors: ['catalog.event_not_found', 'catalog.not_organizer', 'catalog.event_closed'],
      handler: (ctx) => service.put(ctx.user, ctx.params.id, ctx.body),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/events/:id/onsale',
      summary: "An event's on-sale settings",
      tag: 'On-sale',
      access: 'optional',
      params: idParams,
      response: { status: 200, schema: onsale },
      errors: ['catalog.event_not_found', 'sales.onsale_not_found'],
      handler: (ctx) => service.get(ctx.principal, ctx.params.id),
    }),
  ];
}
