import { z } from 'zod';
import { salePhase } from '../sales/onsale.schemas.js';
import { accessibilityFeatures, categories } from '../shared/vocabulary.js';
import { eventStatuses, tierKinds } from './vocabulary.js';

/** Timestamps travel as ISO 8601 with an offset; Postgres stores them in UTC. */
const instant = z.iso.datetime({ offset: true }).transform((v) => new Date(v));
const label = (max: number) => z.string().trim().min(1).max(max);

export const idParams = z.object({ id: z.uuid() });
export const tierParams = z.object({ id: z.uuid(), tierId: z.uuid() });

const timeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone such as Europe/Paris');

const transit = z
  .object({
    stops: z
      .array(
        z
          .object({
            name: label(120),
            lines: z.array(label(40)).max(30),
            walkingMinutes: z.number().int().min(0).max(120),
          })
          .strict(),
      )
      .max(20),
    parking: z.string().trim().max(500).nullable(),
  })
  .strict();

export const venueBody = z
  .object({
    name: label(120),
    address: label(300),
    city: label(120),
    country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as FR'),
    latitude: z.number().min(-90).max(90),
    longitude: z.number().min(-180).max(180),
    timeZone,
    accessibility: z.array(z.enum(accessibilityFeatures)).max(accessibilityFeatures.length).default([]),
    transit: transit.default({ stops: [], parking: null }),
  })
  .strict();
export const venuePatch = venueBody.partial().strict();

export const venue = z.object({
  id: z.uuid(),
  ownerId: z.uuid(),
  name: z.string(),
  address: z.string(),
  city: z.string(),
  country: z.string(),
  latitude: z.number(),
  longitude: z.number(),
  timeZone: z.string(),
  accessibility: z.array(z.string()),
  transit,
});

const policies = z
  .object({
    refundableUntil: instant.nullable(),
    transfersAllowed: z.boolean(),
    perAccountLimit: z.number().int().min(1).max(50).nullable(),
  })
  .strict();

const description = z.string().trim().max(10_000);

/**
 * The description in the other languages, plain text like `description` (English, the fallback).
 * A language given replaces its text, an empty one removes it; the others stay as they are.
 */
const descriptionsInput = z
  .strictObject({
    de: description.optional().describe('German; empty removes it.'),
    es: description.optional().describe('Spanish; empty removes it.'),
  })
  .describe('The description in German and Spanish; a reader of a language without one gets `description`.');

const eventFields = z.object({
  venueId: z.uuid(),
  title: label(200),
  description,
  descriptions: descriptionsInput,
  categories: z.array(z.enum(categories)).max(10),
  performers: z.array(label(120)).max(50),
  startsAt: instant,
  doorsAt: instant.nullable(),
  endsAt: instant.nullable(),
  status: z.enum(eventStatuses),
  policies: policies.partial(),
});

/** Doors open before the start; the end comes after it. Named by field so a form can point at it. */
function timesInOrder(v: { startsAt?: Date; doorsAt?: Date | null; endsAt?: Date | null }, ctx: z.RefinementCtx) {
  if (v.startsAt && v.doorsAt && v.doorsAt > v.startsAt)
    ctx.addIssue({ code: 'custom', path: ['doorsAt'], message: 'must not be after startsAt' });
  if (v.startsAt && v.endsAt && v.endsAt <= v.startsAt)
    ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'must be after startsAt' });
}

export const eventBody = eventFields
  .extend({
    description: eventFields.shape.description.default(''),
    descriptions: eventFields.shape.descriptions.default({}),
    categories: eventFields.shape.categories.default([]),
    performers: eventFields.shape.performers.default([]),
    doorsAt: eventFields.shape.doorsAt.default(null),
    endsAt: eventFields.shape.endsAt.default(null),
    status: z.enum(['draft', 'scheduled']).default('draft'),
    policies: policies.partial().default({}),
  })
  .strict()
  .superRefine(timesInOrder);
export const eventPatch = eventFields.partial().strict().superRefine(timesInOrder);

export const tierBody = z
  .object({
    name: label(80),
    kind: z.enum(tierKinds),
    priceCents: z.number().int().min(0).max(100_000_000),
    feeCents: z.number().int().min(0).max(10_000_000).default(0),
    currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR'),
    sortOrder: z.number().int().min(0).max(1000).default(0),
    /** General admission only: how many tickets this tier sells. */
    capacity: z.number().int().min(0).max(1_000_000).optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.kind === 'ga' && v.capacity === undefined)
      ctx.addIssue({ code: 'custom', path: ['capacity'], message: 'is required for general admission' });
    if (v.kind === 'reserved' && v.capacity !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['capacity'],
        message: 'comes from the seats of a reserved tier; add a seat layout instead',
      });
    }
  });
export const tierPatch = z
  .object({
    name: label(80),
    priceCents: z.number().int().min(0).max(100_000_000),
    feeCents: z.number().int().min(0).max(10_000_000),
    sortOrder: z.number().int().min(0).max(1000),
    capacity: z.number().int().min(0).max(1_000_000),
  })
  .partial()
  .strict();

export const tier = z.object({
  id: z.uuid(),
  eventId: z.uuid(),
  name: z.string(),
  kind: z.enum(tierKinds),
  priceCents: z.number().int(),
  feeCents: z.number().int(),
  totalCents: z.number().int().describe('Price plus fee: what the fan pays per ticket'),
  currency: z.string(),
  sortOrder: z.number().int(),
  capacity: z.number().int(),
  available: z.number().int().describe('Seats or GA places not held or sold right now'),
});

export const event = z.object({
  id: z.uuid(),
  organizerId: z.uuid(),
  venue,
  title: z.string(),
  description: z.string().describe('In English: what readers of a language without its own description get.'),
  descriptions: z
    .object({ de: z.string().nullable(), es: z.string().nullable() })
    .describe('The organizer’s description in German and Spanish; null where there is none.'),
  categories: z.array(z.string()),
  performers: z.array(z.string()),
  startsAt: z.iso.datetime(),
  doorsAt: z.iso.datetime().nullable(),
  endsAt: z.iso.datetime().nullable(),
  status: z.enum(eventStatuses),
  policies: z.object({
    refundableUntil: z.iso.datetime().nullable(),
    transfersAllowed: z.boolean(),
    perAccountLimit: z.number().int().nullable(),
  }),
  tiers: z.array(tier),
});

const layoutObject = z
  .object({
    tierId: z.uuid(),
    section: label(40),
    rows: label(200),
    seats: label(200),
    accessible: z.array(label(100)).max(100).optional(),
  })
  .strict();
const layoutString = z
  .object({
    tierId: z.uuid(),
    layout: label(200).describe('"section A rows 1-20 seats 1-30"'),
    accessible: z.array(label(100)).max(100).optional(),
  })
  .strict();
export const layoutBody = z
  .object({
    blocks: z
      .array(z.union([layoutObject, layoutString]))
      .min(1)
      .max(200),
  })
  .strict();
export type LayoutInput = z.output<typeof layoutBody>;

export const seatView = z.object({
  id: z.uuid(),
  tierId: z.uuid(),
  section: z.string(),
  row: z.string(),
  number: z.number().int(),
  accessible: z.boolean(),
  available: z.boolean(),
});
export const seatMap = z.object({ seats: z.array(seatView) });
export const seatsCreated = z.object({ created: z.number().int() });

/** The organizer console's lists. `scope=all` is for admins: every organizer's, not only their own. */
export const consoleQuery = z.strictObject({
  scope: z
    .enum(['mine', 'all'])
    .default('mine')
    .describe('`all` (admins only): every organizer’s, not only the caller’s.'),
  limit: z.coerce.number().int().min(1).max(500).default(200),
});

/**
 * The console's events, a page at a time: searched by title, filtered by status and by the
 * day they start (at their venue), upcoming first or newest first.
 */
export const consoleEventsQuery = z
  .strictObject({
    scope: consoleQuery.shape.scope,
    q: z
      .string()
      .trim()
      .max(200)
      .optional()
      .transform((v) => v || undefined)
      .describe('Words the title contains, in any case.'),
    status: z.enum(eventStatuses).optional().describe('Only events with this status.'),
    from: z.iso.date().optional().describe('Only events starting on or after this day (YYYY-MM-DD) at their venue.'),
    to: z.iso.date().optional().describe('Only events starting on or before this day (YYYY-MM-DD) at their venue.'),
    sort: z
      .enum(['date', 'created'])
      .default('date')
      .describe('`date`: upcoming first by start, then past ones, latest first. `created`: the newest first.'),
    page: z.coerce.number().int().min(1).max(100_000).default(1).describe('1 is the first page.'),
    limit: z.coerce.number().int().min(1).max(100).default(20).describe('Events per page.'),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { path: ['to'], message: 'must not be before `from`' });

export const consoleEvent = z.object({
  id: z.uuid(),
  organizerId: z.uuid(),
  title: z.string(),
  status: z.enum(eventStatuses),
  phase: salePhase,
  startsAt: z.iso.datetime(),
  venue: z.object({ id: z.uuid(), name: z.string(), city: z.string(), timeZone: z.string() }),
  tiers: z.number().int().describe('How many price tiers it has.'),
  capacity: z.number().int().describe('Seats plus GA capacity.'),
  held: z.number().int().describe('In fans’ holds right now, not paid yet.'),
  sold: z.number().int(),
  remaining: z.number().int().describe('capacity − held − sold'),
  onsale: z
    .object({
      mode: z.enum(['queue', 'open']),
      state: z.enum(['scheduled', 'paused', 'closed']),
      prequeueOpensAt: z.iso.datetime().nullable(),
      saleStartsAt: z.iso.datetime(),
      saleEndsAt: z.iso.datetime().nullable(),
      admitPerMinute: z.number().int().nullable(),
      purchaseTokenTtlSeconds: z.number().int(),
      holdTtlSeconds: z.number().int(),
      perAccountLimit: z.number().int().nullable(),
      requireVerifiedEmail: z.boolean(),
    })
    .nullable()
    .describe('null until the on-sale window is set (PUT …/onsale).'),
});
export const consoleEvents = z.object({
  events: z.array(consoleEvent),
  total: z.number().int().describe('How many events match, on every page.'),
  page: z.number().int(),
  limit: z.number().int(),
});
export const consoleVenues = z.object({ venues: z.array(venue) });
