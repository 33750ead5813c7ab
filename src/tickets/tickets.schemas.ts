import { z } from 'zod';
import { email } from '../auth/auth.schemas.js';

export const ticketView = z.object({
  id: z.uuid(),
  orderId: z.uuid(),
  eventId: z.uuid(),
  event: z.object({
    title: z.string(),
    startsAt: z.iso.datetime(),
    doorsAt: z.iso.datetime().nullable(),
    status: z.string(),
    venue: z.string(),
  }),
  tier: z.string(),
  seat: z.object({ section: z.string(), row: z.string(), number: z.number().int(), label: z.string() }).nullable(),
  seatLabel: z.string(),
  attendeeName: z.string().nullable(),
  version: z.number().int(),
  status: z.enum(['valid', 'used', 'revoked', 'refunded']),
  issuedAt: z.iso.datetime(),
  firstUsedAt: z.iso.datetime().nullable(),
  firstGate: z.string().nullable(),
  transferable: z.boolean(),
  pendingTransferId: z.uuid().nullable(),
});

export const ticketCode = z.object({
  ticketId: z.uuid(),
  version: z.number().int(),
  code: z
    .string()
    .describe('Rotating: the signed part plus a 30-second HMAC step; show it as the QR, refresh at refreshAt'),
  step: z.number().int(),
  refreshAt: z.iso.datetime(),
  qrSvg: z.string(),
  printed: z
    .object({ code: z.string(), qrSvg: z.string() })
    .nullable()
    .describe('Static code for printing; only when the event allows printed codes'),
});

export const ticketSettingsView = z.object({
  printedCodesAllowed: z.boolean(),
  keyGeneration: z.number().int(),
  checkinOpensAt: z.iso.datetime().nullable(),
  resaleEnabled: z.boolean().describe('holders may list tickets for resale at face value'),
  resaleCapPercent: z.number().int().describe('the resale price cap, as a percentage of what was paid'),
});

export const ticketSettingsPatch = z.strictObject({
  printedCodesAllowed: z.boolean().optional(),
  checkinOpensAt: z.iso
    .datetime()
    .transform((v) => new Date(v))
    .nullable()
    .optional(),
  rotateKeys: z
    .literal(true)
    .optional()
    .describe('Retire the current signing key: every code issued so far stops working'),
  resaleEnabled: z.boolean().optional(),
  resaleCapPercent: z.number().int().min(1).max(100).optional(),
});

export const transferView = z.object({
  id: z.uuid(),
  ticketId: z.uuid(),
  eventId: z.uuid(),
  fromUserId: z.uuid(),
  toEmail: z.string(),
  toUserId: z.uuid().nullable(),
  message: z.string().nullable(),
  status: z.enum(['pending', 'accepted', 'cancelled']),
  createdAt: z.iso.datetime(),
  decidedAt: z.iso.datetime().nullable(),
});

const message = z.string().trim().min(1).max(500);

/** Strict: there is no price field, and an unknown field (a price) is refused, not ignored. */
export const transferBody = z.strictObject({ toEmail: email, message: message.optional() });
export const orderTransferBody = z.strictObject({ message: message.optional() });
/** The token is optional: a verified account with the offer's address is proof enough; a wrong one given is refused. */
export const acceptBody = z.strictObject({ token: z.string().min(10).max(200).optional() }).optional();
export const claimBody = z.strictObject({
  token: z.string().min(10).max(200),
  password: z.string().min(10, 'must be at least 10 characters').max(200),
  displayName: z.string().trim().min(1).max(100),
});
