import { z } from 'zod';
import { defineRoute, Reply, StreamedText, type AnyRoute } from '../http/route.js';
import { attendeesQuery, attendeesSchema, checkinStatsSchema, eventParams, reportSchema } from './reports.schemas.js';
import type { ReportsService } from './reports.service.js';

const tag = 'Reports';
const organizerErrors = ['catalog.event_not_found', 'catalog.not_organizer'];
const doorErrors = ['catalog.event_not_found', 'reports.not_event_staff'];
const csvHeaders = (name: string) => ({
  'Content-Disposition': `attachment; filename="${name}"`,
  // Personal data: no shared cache keeps a copy.
  'Cache-Control': 'private, no-store',
});

export function reportsRoutes(service: ReportsService): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/organizer/events/:id/report',
      summary:
        'The post-drop report of an on-sale: arrivals, the draw, admissions, waits, tokens, abandonment, conversion, sell-out, revenue, refunds and refused joins',
      tag,
      access: 'user',
      params: eventParams,
      response: { status: 200, schema: reportSchema },
      errors: organizerErrors,
      handler: (ctx) => service.report(ctx.user, ctx.params.id),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/organizer/events/:id/report.csv',
      summary:
        'The post-drop report as CSV: a `section,metric,value` line per figure, then each series bucket by bucket',
      tag,
      access: 'user',
      params: eventParams,
      response: { status: 200, description: 'text/csv' },
      errors: organizerErrors,
      handler: async (ctx) =>
        new Reply(
          200,
          new StreamedText('text/csv; charset=utf-8', [await service.reportCsv(ctx.user, ctx.params.id)]),
          {
            ...csvHeaders(`report-${ctx.params.id}.csv`),
          },
        ),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/organizer/events/:id/attendees',
      summary:
        'The event’s attendees (valid tickets: name, address, tier, seat, order, first admission and gate), searchable, paged; for its organizer and door staff',
      tag,
      access: 'user',
      params: eventParams,
      query: attendeesQuery,
      response: { status: 200, schema: attendeesSchema },
      errors: doorErrors,
      handler: (ctx) => service.attendees(ctx.user, ctx.params.id, ctx.query),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/organizer/events/:id/attendees.csv',
      summary: 'The event’s attendees as CSV, streamed page by page (the same `q` as the list)',
      tag,
      access: 'user',
      params: eventParams,
      query: z.object({ q: attendeesQuery.shape.q }),
      response: { status: 200, description: 'text/csv' },
      errors: doorErrors,
      handler: async (ctx) =>
        new Reply(
          200,
          new StreamedText('text/csv; charset=utf-8', await service.attendeesCsv(ctx.user, ctx.params.id, ctx.query.q)),
          csvHeaders(`attendees-${ctx.params.id}.csv`),
        ),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/organizer/events/:id/checkins/stats',
      summary: 'Check-ins per gate and per 5 minutes, beside the tickets to admit; for the organizer and door staff',
      tag,
      access: 'user',
      params: eventParams,
      response: { status: 200, schema: checkinStatsSchema },
      errors: doorErrors,
      handler: (ctx) => service.checkinStats(ctx.user, ctx.params.id),
    }),
  ];
}
