import { z } from 'zod';

const phase = z.enum(['prequeue', 'drawing', 'live', 'paused', 'closed']);

/** The join body: empty, or the proof of work when the on-sale asks for one. */
export const joinBody = z
  .object({
    challenge: z.string().min(1).max(1000).optional(),
    nonce: z.string().min(1).max(200).optional(),
  })
  .strict()
  .optional();
export type JoinBody = z.output<typeof joinBody>;

/**
 * The join receipt. `signature` is Ed25519 (platform key `keyId`, public at
 * /v1/receipts/key) over the canonical JSON of every other field plus
 * `kind: "queue.joined"` and `v: 1`; a fan can show it later to prove when they joined.
 */
export const joinReceipt = z.object({
  eventId: z.uuid(),
  userId: z.uuid(),
  entryId: z.string(),
  /** ms since the epoch, by the Redis clock. */
  joinedAt: z.number().int(),
  phase,
  ticketNumber: z.number().int().nullable(),
  position: z.number().int().nullable(),
  eta: z.number().int().nullable(),
  signature: z.string(),
  keyId: z.string(),
});

export const challenge = z.object({ challenge: z.string(), difficulty: z.number().int(), expiresAt: z.iso.datetime() });

export const fanView = z.object({
  eventId: z.uuid(),
  phase,
  joined: z.boolean(),
  entryId: z.string().nullable(),
  ticketNumber: z.number().int().nullable(),
  cursor: z.number().int(),
  position: z.number().int().nullable(),
  eta: z.number().int().nullable(),
  status: z.enum(['not_joined', 'entered', 'waiting', 'admitted', 'purchasing', 'expired']),
  token: z.string().nullable(),
  tokenExpiresAt: z.number().int().nullable(),
  soldOut: z.boolean(),
  pollAfter: z
    .number()
    .int()
    .describe(
      'Seconds to wait before asking again (also sent as Retry-After, which a 304 carries too): a quarter of the time until something changes for you, 2 to 60; 2 once admitted or at the front, 15 while nothing moves, 60 when nothing will change.',
    ),
});

export const queueStats = z.object({
  eventId: z.uuid(),
  phase,
  soldOut: z.boolean(),
  entrants: z.number().int(),
  prequeue: z.number().int(),
  drawSize: z.number().int(),
  admitted: z.number().int(),
  cursor: z.number().int(),
  waiting: z.number().int(),
  /** Admissions per minute, measured over the last minute. */
  ratePerMinute: z.number(),
  outstandingTokens: z.number().int(),
  sold: z.number().int(),
  remaining: z.number().int(),
});

export const lottery = z.object({
  eventId: z.uuid(),
  /** How to recompute: see queue/README.md ("The lottery"). */
  rule: z.literal('fairdrop-lottery-v2'),
  phase,
  commitment: z.string(),
  openedAt: z.number().int(),
  prequeueSize: z.number().int(),
  drawSize: z.number().int().nullable(),
  drawnAt: z.number().int().nullable(),
  seed: z.string().nullable(),
  entriesDigest: z.string().nullable(),
  orderDigest: z.string().nullable(),
  entriesPath: z.string(),
});

export const entriesQuery = z
  .object({
    from: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(10_000).default(1_000),
  })
  .strict();

export const entriesPage = z.object({
  eventId: z.uuid(),
  /** Index of the first entry in join order (0-based). */
  from: z.number().int(),
  /** Entries in the pre-queue (the draw's input once it is frozen). */
  total: z.number().int(),
  entries: z.array(
    z.object({ entryId: z.string(), joinedAt: z.number().int(), ticketNumber: z.number().int().nullable() }),
  ),
  next: z.number().int().nullable(),
});

export const lifecycleResult = z.object({
  eventId: z.uuid(),
  state: z.enum(['scheduled', 'paused', 'closed']),
  phase: phase.nullable(),
  soldOut: z.boolean(),
});
