import { z } from 'zod';
import { CODE_MAX, IMPORT_MAX_ROWS, MAX_USES } from './codes.js';
import { presaleGates, presaleModes, presaleStates } from './vocabulary.js';

const instant = z.iso.datetime({ offset: true }).transform((v) => new Date(v));

export const windowParams = z.object({ id: z.uuid() });
export const codeParams = z.object({ id: z.uuid(), codeId: z.uuid() });

export const windowBody = z.strictObject({
  name: z.string().trim().min(1).max(80),
  gate: z.enum(presaleGates),
  /** Default: the on-sale's mode. */
  mode: z.enum(presaleModes).optional(),
  opensAt: instant,
  closesAt: instant,
  /** Queue mode: when the window's pre-queue opens; default 30 minutes before the window. */
  prequeueOpensAt: instant.optional(),
});
export type WindowBody = z.output<typeof windowBody>;

export const windowPatch = windowBody.partial();
export type WindowPatch = z.output<typeof windowPatch>;

export const windowView = z.object({
  id: z.uuid(),
  eventId: z.uuid(),
  name: z.string(),
  gate: z.enum(presaleGates),
  mode: z.enum(presaleModes),
  prequeueOpensAt: z.string().nullable(),
  opensAt: z.string(),
  closesAt: z.string(),
  state: z.enum(presaleStates),
  /** `upcoming` before it opens, `open` while fans may buy in it, `closed` after. */
  status: z.enum(['upcoming', 'open', 'closed']),
});
export type WindowView = z.input<typeof windowView>;

/** The event's windows for anyone; for a signed-in fan, whether each lets them buy. */
export const eventPresales = z.object({
  eventId: z.uuid(),
  saleStartsAt: z.string().nullable(),
  /** The window open now, if any. */
  current: z.uuid().nullable(),
  windows: z.array(
    windowView.extend({
      /** Null when nobody is signed in. */
      eligible: z.boolean().nullable(),
      redeemed: z.boolean().nullable(),
    }),
  ),
});

export const generateBody = z.strictObject({
  count: z.number().int().min(1).max(1000),
  maxUses: z.number().int().min(1).max(MAX_USES).default(1),
});
export const generatedCodes = z.object({
  windowId: z.uuid(),
  /** In clear, this once: only their keyed hashes are kept. */
  codes: z.array(z.string()),
  maxUses: z.number().int(),
});

export const importBody = z.strictObject({
  /** `code[,max_uses]` per line (an optional `code,max_uses` header); at most IMPORT_MAX_ROWS rows. */
  csv: z
    .string()
    .min(1)
    .max(IMPORT_MAX_ROWS * (CODE_MAX + 12)),
});
export const importResult = z.object({ windowId: z.uuid(), imported: z.number().int() });

export const codeView = z.object({
  id: z.uuid(),
  hint: z.string(),
  maxUses: z.number().int(),
  uses: z.number().int(),
  source: z.string(),
  revokedAt: z.string().nullable(),
  createdAt: z.string(),
});
export const codeList = z.object({ windowId: z.uuid(), codes: z.array(codeView) });

export const redemptionList = z.object({
  windowId: z.uuid(),
  redemptions: z.array(
    z.object({
      userId: z.uuid(),
      email: z.string(),
      displayName: z.string(),
      redeemedAt: z.string(),
      codeId: z.uuid(),
      hint: z.string(),
      revoked: z.boolean(),
      holds: z.number().int(),
      orders: z.number().int(),
    }),
  ),
});

export const redeemBody = z.strictObject({ code: z.string().trim().min(1).max(64) });
export const redeemResult = z.object({
  windowId: z.uuid(),
  eventId: z.uuid(),
  eligible: z.literal(true),
  redeemedAt: z.string(),
});

export const allowlistBody = z.strictObject({
  /** Email addresses or account ids; the list is replaced as a whole. */
  entries: z.array(z.string().trim().min(1).max(254)).max(10_000),
});
export const allowlistView = z.object({
  windowId: z.uuid(),
  entries: z.array(z.object({ userId: z.uuid().nullable(), email: z.string().nullable() })),
});
