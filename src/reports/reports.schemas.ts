import { z } from 'zod';

export const eventParams = z.object({ id: z.uuid() });

const count = z.number().int().nonnegative();
const seconds = z.number().nonnegative().nullable();
const at = z.iso.datetime().nullable();

export const distributionSchema = z.object({
  count,
  p50: seconds,
  p90: seconds,
  p99: seconds,
  max: seconds,
  mean: seconds,
  /** The histogram's bins: `bins[i]` counts durations in [i × binSeconds, (i + 1) × binSeconds). */
  binSeconds: z.number().positive(),
  bins: z.array(count),
});

/** GET /v1/organizer/events/:id/report: what happened in an on-sale, from what the drop left in Postgres. */
export const reportSchema = z.object({
  eventId: z.uuid(),
  title: z.string(),
  generatedAt: z.iso.datetime(),
  sale: z.object({
    mode: z.enum(['open', 'queue']).nullable(),
    prequeueOpensAt: at,
    saleStartsAt: at,
    saleEndsAt: at,
    /** The admission rate the organizer set (queue mode), per minute; null for batches or open mode. */
    admitPerMinute: z.number().int().nullable(),
    tokenTtlSeconds: z.number().int().nullable(),
  }),
  arrivals: z.object({ total: count, prequeue: count, late: count, firstAt: at, lastAt: at }),
  draw: z.object({ prequeueSize: count, drawnAt: at, drawMs: count }).nullable(),
  admissions: z.object({
    total: count,
    firstAt: at,
    lastAt: at,
    /** Admitted per minute from the first admission to the last. */
    ratePerMinute: z.number().nonnegative().nullable(),
  }),
  tokens: z.object({ issued: count, used: count, expired: count, live: count }),
  abandonment: z.object({
    /** Joined but never admitted (the sale sold out or ended first). */
    notAdmitted: count,
    /** Admitted, never held anything before the token expired. */
    tokenExpired: count,
    /** Held places with the token, never paid. */
    heldNotBought: count,
    /** (token expired + held not bought) ÷ tokens issued. */
    rate: z.number().min(0).max(1).nullable(),
  }),
  conversion: z.object({
    /** Admitted fans whose token bought a paid order. */
    admittedBought: count,
    /** admittedBought ÷ tokens issued. */
    admittedRate: z.number().min(0).max(1).nullable(),
    /** Accounts with a paid order ÷ fans who joined (queue mode). */
    arrivedRate: z.number().min(0).nullable(),
    buyers: count,
  }),
  sales: z.object({
    capacity: count,
    ticketsSold: count,
    ordersPaid: count,
    soldOut: z.boolean(),
    /** When the last place sold, and how long after the sale start; null unless every place sold. */
    sellOutAt: at,
    sellOutSeconds: seconds,
    lastSaleAt: at,
  }),
  revenue: z.object({
    currency: z.string().nullable(),
    grossCents: count,
    refundedCents: count,
    netCents: z.number().int(),
    ordersRefunded: count,
  }),
  refusals: z.object({
    total: count,
    powRequired: count,
    powInvalid: count,
    rateLimited: count,
    perMinute: z.array(z.object({ minute: z.iso.datetime(), reason: z.string(), count })),
  }),
  /** Counts per bucket of `widthSeconds` from `origin`, the same buckets for every series. */
  timeline: z.object({
    origin: at,
    widthSeconds: z.number().positive(),
    arrivals: z.array(count),
    admissions: z.array(count),
    orders: z.array(count),
  }),
  waits: z.object({ arrivalToAdmission: distributionSchema, admissionToOrder: distributionSchema }),
});
export type ReportView = z.input<typeof reportSchema>;

export const attendeesQuery = z.object({
  /** Matches the attendee's name or email (case-insensitive, anywhere), or an order or ticket id's start. */
  q: z.string().trim().max(200).optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
});

export const attendeeSchema = z.object({
  ticketId: z.uuid(),
  orderId: z.uuid(),
  name: z.string(),
  email: z.string(),
  tier: z.string(),
  /** "Section A, row 3, seat 12"; null for general admission. */
  seat: z.string().nullable(),
  checkedInAt: at,
  gate: z.string().nullable(),
});
export type AttendeeView = z.input<typeof attendeeSchema>;

export const attendeesSchema = z.object({
  eventId: z.uuid(),
  total: count,
  page: z.number().int().positive(),
  pageSize: z.number().int().positive(),
  attendees: z.array(attendeeSchema),
});

export const checkinStatsSchema = z.object({
  eventId: z.uuid(),
  tickets: count,
  checkedIn: count,
  gates: z.array(z.object({ gate: z.string(), admitted: count, refused: count, firstAt: at, lastAt: at })),
  /** Admissions per 5 minutes and gate, oldest first. */
  perFiveMinutes: z.array(z.object({ at: z.iso.datetime(), gate: z.string(), admitted: count, refused: count })),
});
export type CheckinStatsView = z.input<typeof checkinStatsSchema>;
