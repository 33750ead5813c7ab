import { z } from 'zod';
import { email } from '../auth/auth.schemas.js';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { scanResults } from './vocabulary.js';
import type { CheckinService } from './checkin.service.js';

const tag = 'Check-in';
const idParams = z.object({ id: z.uuid() });
const code = z.string().min(1).max(400);
const gate = z.string().trim().min(1).max(40);
/** Chosen by the scanner per scan (a UUID); the same nonce is the same scan, however often it is sent. */
const nonce = z.string().min(8).max(100);

const answer = z.object({
  result: z.enum(scanResults),
  ticket: z
    .object({ id: z.uuid(), eventId: z.uuid(), version: z.number().int(), attendeeName: z.string().nullable() })
    .nullable(),
  seat: z.string().nullable(),
  firstUsedAt: z.iso.datetime().nullable(),
  firstGate: z.string().nullable(),
});

/** An offline bundle's validity window, as signed into the bundle; a scanner sends it back with the scans it made. */
const bundleWindow = z.object({
  issuedAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  signature: z.string().min(1).max(200),
});

const bundle = z.object({
  bundle: z.object({
    eventId: z.uuid(),
    keys: z.array(z.object({ keyId: z.string(), publicKeyPem: z.string() })),
    rotationKey: z.string(),
    printedAllowed: z.boolean(),
    revocations: z.array(z.object({ ticketId: z.uuid(), minVersion: z.number().int().nullable() })),
  }),
  admitted: z.array(z.object({ ticketId: z.uuid(), firstUsedAt: z.iso.datetime(), firstGate: z.string() })),
  issuedAt: z.iso.datetime(),
  signature: z.string(),
  keyId: z.string(),
  window: bundleWindow,
});

const staffList = z.object({
  staff: z.array(
    z.object({
      userId: z.uuid(),
      email: z.string(),
      displayName: z.string(),
      since: z.iso.datetime().describe('When the organizer added them'),
      confirmed: z
        .boolean()
        .describe('false: the account no longer holds its address confirmed, so it cannot scan until it confirms it'),
    }),
  ),
});
const staffErrors = ['catalog.event_not_found', 'catalog.not_organizer'] as const;

export function checkinRoutes(service: CheckinService): AnyRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/checkin',
      summary: 'Scan a ticket code at a gate: admitted exactly once, or why not',
      tag,
      access: 'user',
      body: z.strictObject({
        code,
        gate,
        nonce,
        eventId: z.uuid().optional().describe('The event this scanner admits to; default: the event the code names'),
      }),
      response: { status: 200, schema: answer },
      errors: ['checkin.not_staff'],
      handler: (ctx) => service.scan(ctx.user, ctx.body),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/events/:id/checkin/bundle',
      summary:
        'Offline bundle for staff scanners: public keys, rotation key, revocations, admitted tickets, signed by the platform key',
      tag,
      access: 'user',
      params: idParams,
      response: { status: 200, schema: bundle },
      errors: ['checkin.not_staff'],
      handler: async (ctx) => {
        ctx.setHeader('Cache-Control', 'no-store');
        return service.bundle(ctx.user, ctx.params.id);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/events/:id/checkin/sync',
      summary:
        'Upload scans made offline with one bundle (idempotent by nonce): each is judged at its claimed time moved into the bundle window, and tickets admitted at two gates are reported',
      tag,
      access: 'user',
      params: idParams,
      body: z.strictObject({
        gate,
        window: z
          .strictObject(bundleWindow.shape)
          .describe('The `window` of the bundle these scans were made with, exactly as GET …/checkin/bundle gave it'),
        scans: z
          .array(
            z.strictObject({
              code,
              nonce,
              scannedAt: z.iso
                .datetime()
                .transform((v) => new Date(v))
                .describe("The scanner's clock; scans in the order they were made"),
              localResult: z.enum(scanResults).default('admitted'),
            }),
          )
          .min(1)
          .max(1000),
      }),
      response: {
        status: 200,
        schema: z.object({
          results: z.array(
            answer.extend({
              nonce: z.string(),
              scannedAt: z.iso.datetime().describe('The time the scan was judged at'),
              claimedAt: z.iso.datetime().describe("The scanner's claim, as first uploaded"),
              clock: z
                .enum(['in_window', 'before_window', 'after_window'])
                .describe(
                  "Outside the bundle's window (before it was issued, after the upload or its expiry) the scan was judged at the bound",
                ),
            }),
          ),
          conflicts: z.array(
            z.object({
              ticketId: z.uuid(),
              nonce: z.string(),
              gate: z.string(),
              scannedAt: z.iso.datetime(),
              firstGate: z.string(),
              firstUsedAt: z.iso.datetime(),
            }),
          ),
        }),
      },
      errors: ['checkin.not_staff', 'checkin.bundle_window_invalid', 'checkin.scans_out_of_order'],
      handler: (ctx) => service.sync(ctx.user, ctx.params.id, ctx.body),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/checkin/events',
      summary:
        'The events the caller is door staff of that have not gone by (started less than a day ago at most, not cancelled), soonest first: what the door scanner offers',
      tag,
      access: 'user',
      query: z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(50) }),
      response: {
        status: 200,
        schema: z.object({
          events: z.array(
            z.object({
              id: z.uuid(),
              title: z.string(),
              startsAt: z.object({ utc: z.iso.datetime(), timeZone: z.string() }),
              venue: z.object({ name: z.string() }),
            }),
          ),
        }),
      },
      handler: async (ctx) => ({ events: await service.doorEvents(ctx.user, ctx.query.limit) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/events/:id/staff',
      summary: "The event's door staff, oldest first (its organizer or an admin)",
      tag,
      access: { roles: ['organizer'] },
      params: idParams,
      response: { status: 200, schema: staffList },
      errors: staffErrors,
      handler: async (ctx) => ({ staff: await service.staff(ctx.user, ctx.params.id) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/events/:id/staff',
      summary:
        'Make an existing account door staff of the event, by its confirmed email address, and tell them; adding someone who already is staff changes nothing. Answers the staff list',
      tag,
      access: { roles: ['organizer'] },
      params: idParams,
      body: z.strictObject({ email }),
      response: { status: 200, schema: staffList },
      errors: [...staffErrors, 'checkin.unknown_account', 'checkin.staff_unverified'],
      handler: async (ctx) => ({ staff: await service.addStaff(ctx.user, ctx.params.id, ctx.body.email) }),
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/events/:id/staff/:userId',
      summary: 'Remove door staff: from now on they cannot scan, download the offline bundle or upload offline scans',
      tag,
      access: { roles: ['organizer'] },
      params: z.object({ id: z.uuid(), userId: z.uuid() }),
      response: { status: 204 },
      errors: [...staffErrors, 'checkin.staff_not_found'],
      handler: (ctx) => service.removeStaff(ctx.user, ctx.params.id, ctx.params.userId),
    }),
  ];
}
