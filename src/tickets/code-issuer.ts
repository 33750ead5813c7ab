import { toString as qrToString } from 'qrcode';
import type { PlatformSigner } from '../shared/signing.js';
import { rotatingCode, signTicketCode, ticketSecret, type TicketClaims } from './codes.js';
import { eventKeys } from './event-keys.js';
import type { TicketSettings } from './ticket-settings.repository.js';
import { seatLabel, type TicketDetail } from './ticket-views.repository.js';

/** Codes stop admitting a day after the event ends (or starts, when no end is set): late shows, after-parties. */
const VALID_AFTER_END_MS = 24 * 3600_000;
/**
 * Without a check-in opening time a code is valid from a day before the event was created:
 * no real restriction, and an offline scanner whose clock runs behind never calls a brand-new
 * ticket "not yet valid".
 */
const VALID_BEFORE_CREATION_MS = 24 * 3600_000;

/** The claims signed into a ticket's code; deterministic, so a printed code stays the same until the ticket changes. */
export function claimsFor(ticket: TicketDetail, settings: TicketSettings, keyId: string): TicketClaims {
  const from = settings.checkinOpensAt ?? new Date(ticket.event.createdAt.getTime() - VALID_BEFORE_CREATION_MS);
  const until = (ticket.event.endsAt ?? ticket.event.startsAt).getTime() + VALID_AFTER_END_MS;
  return {
    ticketId: ticket.id,
    eventId: ticket.eventId,
    version: ticket.version,
    validFrom: Math.floor(from.getTime() / 1000),
    validUntil: Math.floor(until / 1000),
    keyId,
    seat: seatLabel(ticket),
  };
}

export interface IssuedCode {
  code: string;
  step: number;
  refreshAt: Date;
  qrSvg: string;
  printed: { code: string; qrSvg: string } | null;
}

/** Medium error correction: survives a cracked phone screen, keeps the ~200-character code at a size a scanner reads from arm's length. */
const qr = (text: string) => qrToString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });

/** The code a holder's screen shows now (and the printable one, when the event allows it). */
export async function issueCode(
  signer: PlatformSigner,
  ticket: TicketDetail,
  settings: TicketSettings,
  nowMs: number,
): Promise<IssuedCode> {
  const keys = eventKeys(signer, ticket.eventId, settings.keyGeneration);
  const staticCode = signTicketCode(claimsFor(ticket, settings, keys.keyId), keys.privateKey);
  const secret = ticketSecret(Buffer.from(keys.rotationKey, 'base64url'), ticket.id, ticket.version);
  const live = rotatingCode(staticCode, secret, nowMs);
  return {
    code: live.code,
    step: live.step,
    refreshAt: live.refreshAt,
    qrSvg: await qr(live.code),
    printed: settings.printedCodesAllowed ? { code: staticCode, qrSvg: await qr(staticCode) } : null,
  };
}
