import { z } from 'zod';
import { salePhase, saleView } from '../sales/onsale.schemas.js';
import { accessibilityFeatures, categories } from '../shared/vocabulary.js';
import { pictureSchema } from '../media/media.schemas.js';
import { LOCALES } from '../i18n/locales.js';

/** Requests and answers of discovery; the OpenAPI reference is generated from these. */

export const sorts = ['relevance', 'date', 'distance', 'price'] as const;
export type Sort = (typeof sorts)[number];

/** A comma list whose every word must be in `vocabulary`; an unknown word names the field. */
function vocabularyList<const T extends readonly string[]>(vocabulary: T, what: string) {
  const known = new Set<string>(vocabulary);
  return z.string().transform((text, ctx): T[number][] => {
    const words = [
      ...new Set(
        text
          .split(',')
          .map((w) => w.trim())
          .filter(Boolean),
      ),
    ];
    const unknown = words.filter((w) => !known.has(w));
    if (unknown.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `unknown ${what}: ${unknown.join(', ')} (known: ${vocabulary.join(', ')})`,
      });
      return z.NEVER;
    }
    return words as T[number][];
  });
}

const point = z.string().transform((text, ctx) => {
  const match = /^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$/.exec(text);
  const lat = Number(match?.[1]);
  const lng = Number(match?.[2]);
  if (!match || Math.abs(lat) > 90 || Math.abs(lng) > 180) {
    ctx.addIssue({ code: 'custom', message: 'must be "lat,lng" in decimal degrees (-90..90, -180..180)' });
    return z.NEVER;
  }
  return { lat, lng };
});

const instant = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()])
  .transform((text) => new Date(text.length === 10 ? `${text}T00:00:00Z` : text));

const cents = z.coerce.number().int().min(0).max(100_000_000);

export const searchQuery = z
  .strictObject({
    near: point.optional().describe('Search around this point: "lat,lng".'),
    radiusKm: z.coerce
      .number()
      .positive()
      .max(20_000)
      .optional()
      .describe('Only events within this distance of `near` (default 50 km when `near` is given).'),
    from: instant.optional().describe('Events starting at or after this instant (default: now).'),
    to: instant.optional().describe('Events starting before this instant.'),
    minPrice: cents.optional().describe('Some ticket costs at least this, all-in, in minor units.'),
    maxPrice: cents.optional().describe('Some ticket costs at most this, all-in, in minor units.'),
    categories: vocabularyList(categories, 'category').optional().describe('Comma list; any of them matches.'),
    accessibility: vocabularyList(accessibilityFeatures, 'accessibility feature')
      .optional()
      .describe('Comma list; the venue must have all of them.'),
    q: z.string().trim().min(1).max(200).optional().describe('Words to find in title, performers and description.'),
    venueId: z.uuid().optional(),
    available: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional()
      .describe('Only events with tickets left to buy or queue for.'),
    sort: z.enum(sorts).default('relevance'),
    cursor: z.string().max(400).optional().describe('`nextCursor` of the previous page.'),
    limit: z.coerce.number().int().min(1).max(100).default(20),
  })
  .superRefine((query, ctx) => {
    if (query.radiusKm !== undefined && !query.near) {
      ctx.addIssue({ code: 'custom', path: ['radiusKm'], message: 'needs near=lat,lng' });
    }
    if (query.from && query.to && query.from > query.to) {
      ctx.addIssue({ code: 'custom', path: ['from'], message: 'must not be after to' });
    }
    if (query.minPrice !== undefined && query.maxPrice !== undefined && query.minPrice > query.maxPrice) {
      ctx.addIssue({ code: 'custom', path: ['minPrice'], message: 'must not be above maxPrice' });
    }
  });
export type SearchQuery = z.output<typeof searchQuery>;

export const eventParams = z.object({ id: z.uuid() });
/** What `include` can add to an event; anything else is refused, naming the field. */
export const detailIncludes = ['seats'] as const;
export const detailQuery = z.strictObject({
  near: point.optional().describe('Measure the distance from this point: "lat,lng".'),
  lang: z
    .string()
    .max(16)
    .optional()
    .describe(
      'The language of `description`: en, de or es (another value is ignored). Without it, the `fd_lang` cookie, then Accept-Language.',
    ),
  include: vocabularyList(detailIncludes, 'include')
    .optional()
    .describe(
      'Comma list. `seats`: add `seatMap`, every seat with its live status (about 150 bytes a seat: ~1 MB at 7,000 seats); only a page that draws the seat map needs it.',
    ),
});

/** `phase`, folded into the few words a result card shows (see availabilityOf). */
export const availabilityStates = [
  'on_sale',
  'queue_open',
  'not_yet',
  'paused',
  'sold_out',
  'sales_closed',
  'postponed',
  'cancelled',
] as const;
export type AvailabilityState = (typeof availabilityStates)[number];

const availability = z.object({
  state: z.enum(availabilityStates),
  /** Tickets left: available seats plus GA capacity not held or sold. */
  remaining: z.number().int(),
  /** Seats plus GA capacity: with `remaining`, how full it is. */
  capacity: z.number().int(),
  queueOpensAt: z.string().nullable(),
  onSaleAt: z.string().nullable(),
});

const transit = z.object({
  stops: z.array(z.object({ name: z.string(), lines: z.array(z.string()), walkingMinutes: z.number() })),
  parking: z.string().nullable(),
});

export const eventSummary = z.object({
  id: z.uuid(),
  title: z.string(),
  categories: z.array(z.string()),
  performers: z.array(z.string()),
  status: z.string(),
  phase: salePhase,
  startsAt: z.object({
    utc: z.string().describe('ISO 8601 in UTC.'),
    local: z.string().describe("ISO 8601 with the venue's offset."),
    timeZone: z.string().describe('IANA zone of the venue.'),
  }),
  price: z
    .object({ min: z.number().int(), max: z.number().int(), currency: z.string() })
    .nullable()
    .describe('All-in (price + fee), minor units.'),
  availability,
  venue: z.object({
    id: z.uuid(),
    name: z.string(),
    city: z.string(),
    country: z.string(),
    lat: z.number(),
    lng: z.number(),
    distanceKm: z.number().nullable().describe('From `near`, else from the signed-in fan’s home.'),
  }),
  accessibility: z.array(z.string()),
  transit,
  reasons: z.array(z.string()).describe('Why this was suggested, from the fan’s profile.'),
  image: pictureSchema.nullable().describe('The organizer’s picture of the event, with its words; null without one.'),
});
export type EventSummary = z.input<typeof eventSummary>;

export const searchResult = z.object({
  events: z.array(eventSummary),
  nextCursor: z.string().nullable(),
  sort: z.enum([...sorts]),
  /** True when the order comes from the fan's profile (no explicit filter was given). */
  personalized: z.boolean(),
  origin: z.object({ lat: z.number(), lng: z.number(), source: z.enum(['near', 'home']) }).nullable(),
  total: z
    .object({
      count: z.number().int().describe('Events the search matches, counted up to 10,000.'),
      more: z.boolean().describe('True when there are more than `count`: the count stopped at its cap.'),
    })
    .nullable()
    .describe('How many events match, for "341 events": on the first page only (null with `cursor`).'),
});
export type SearchResult = z.input<typeof searchResult>;

export const citiesResult = z.object({
  cities: z.array(
    z.object({
      name: z.string(),
      country: z.string(),
      lat: z.number().describe('The middle of the city’s venues: search around it with `near`.'),
      lng: z.number(),
      events: z.number().int().describe('Published events still to come.'),
    }),
  ),
});
export type CitiesResult = z.input<typeof citiesResult>;

const seat = z.object({
  id: z.uuid(),
  number: z.number().int(),
  status: z.enum(['available', 'held', 'sold']),
  accessible: z.boolean(),
  tierId: z.uuid(),
});

export const seatMap = z.object({
  sections: z.array(z.object({ name: z.string(), rows: z.array(z.object({ row: z.string(), seats: z.array(seat) })) })),
});
export type SeatMap = z.input<typeof seatMap>;

/** The event page's event: everything but the seat map, which differs between viewers (distance, organizer tools). */
export const eventDetailHead = eventSummary.extend({
  description: z
    .string()
    .describe('The organizer’s description in the request’s language, or in English when they wrote none in it.'),
  descriptionLanguage: z.enum(LOCALES).describe('The language `description` is in.'),
  descriptions: z
    .object({ en: z.string(), de: z.string().nullable(), es: z.string().nullable() })
    .nullable()
    .describe(
      'The description in every language (null where there is none), for the organizer’s form: only for the event’s organizer and admins, null for everyone else.',
    ),
  doorsAt: z.string().nullable(),
  endsAt: z.string().nullable(),
  policies: z.object({
    refundableUntil: z
      .string()
      .nullable()
      .describe('Until then a fan may cancel an order for a refund; null: not refundable by the fan.'),
    transfersAllowed: z.boolean(),
    perAccountLimit: z
      .number()
      .int()
      .nullable()
      .describe('Tickets one account may hold for this event across its orders; null: no event-wide limit.'),
  }),
  sale: saleView.describe('The sale’s phase with its moments: when the waiting room opens, the draw, its size.'),
  cancellation: z
    .object({
      reason: z.string().describe('The organizer’s words to fans.'),
      cancelledAt: z.iso.datetime(),
      refundsComplete: z.boolean().describe('Every order of the event is refunded or released.'),
    })
    .nullable()
    .describe('Only for a cancelled event.'),
  manage: z
    .object({
      draft: z.boolean().describe('Not published yet: nobody else can see it.'),
    })
    .nullable()
    .describe("Present only for the event's organizer and admins; null for everyone else."),
  tiers: z.array(
    z.object({
      id: z.uuid(),
      name: z.string(),
      kind: z.enum(['reserved', 'ga']),
      priceCents: z.number().int(),
      feeCents: z.number().int(),
      totalCents: z.number().int().describe('All-in: what the fan pays per ticket.'),
      currency: z.string(),
      capacity: z.number().int(),
      remaining: z.number().int(),
    }),
  ),
});
export type EventDetailHead = z.input<typeof eventDetailHead>;
export const eventDetail = eventDetailHead.extend({
  seatMap: seatMap.optional().describe('Only with `include=seats`.'),
});
export type EventDetail = z.input<typeof eventDetail>;
