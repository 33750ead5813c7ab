import { z } from 'zod';

export const entryStates = ['waiting', 'offered', 'bought', 'lapsed', 'left', 'skipped'] as const;

/** A fan's place on an event's waitlist, and the offer once their turn came. */
export const myEntrySchema = z.object({
  eventId: z.uuid(),
  state: z.enum(entryStates),
  /** 1 for the next fan in line; null once the entry is no longer waiting. */
  position: z.number().int().positive().nullable(),
  /** Fans waiting in the whole line. */
  waiting: z.number().int().nonnegative(),
  /** The hold that is the offer: buy it at /checkout.html?hold=<id> before `offerExpiresAt`. */
  holdId: z.uuid().nullable(),
  offerExpiresAt: z.iso.datetime().nullable(),
  joinedAt: z.iso.datetime(),
});
export type MyEntryView = z.infer<typeof myEntrySchema>;

export const organizerListSchema = z.object({
  eventId: z.uuid(),
  counts: z.object(
    Object.fromEntries(entryStates.map((s) => [s, z.number().int().nonnegative()])) as {
      [K in (typeof entryStates)[number]]: z.ZodNumber;
    },
  ),
  entries: z.array(
    z.object({
      seq: z.number().int().positive(),
      email: z.string(),
      state: z.enum(entryStates),
      position: z.number().int().positive().nullable(),
      holdId: z.uuid().nullable(),
      offerExpiresAt: z.iso.datetime().nullable(),
      joinedAt: z.iso.datetime(),
    }),
  ),
  /** Pass as `after` for the next page; null on the last one. */
  nextAfter: z.number().int().nullable(),
});
export type OrganizerListView = z.infer<typeof organizerListSchema>;
