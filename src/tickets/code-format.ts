/**
 * What a ticket code is, shared by the server (src/tickets/codes.ts, node:crypto) and the door
 * scanner's offline check (web/src/lib/ticket-verify.ts, WebCrypto): the constants, the claims
 * and the answers. No imports, so the browser bundle can take it as it is. The byte formats are
 * documented in codes.ts.
 */

export const ROTATION_STEP_SECONDS = 30;
/** The current and the previous step are accepted: room for clock skew and a slow scan, no more. */
export const ACCEPTED_STEP_LAG = 1;
export const PREFIX = 'FD1';
export const SIGNATURE_BYTES = 64;
export const MAC_BYTES = 10;

export interface TicketClaims {
  ticketId: string;
  eventId: string;
  version: number;
  /** Unix seconds. */
  validFrom: number;
  validUntil: number;
  /** 8 base64url characters (6 bytes) naming the event key that signed it. */
  keyId: string;
  seat: string;
  /**
   * A wallet pass's code (format byte 2, src/wallet/pass-code.ts): static like a printed code,
   * but admitted whether or not the event allows printed codes, since it is issued only to the
   * ticket's holder and dies with the ticket's version. Absent on phone and printed codes.
   */
  pass?: true;
}

export type CodeRefusal = 'invalid' | 'wrong_event' | 'revoked' | 'not_yet_valid' | 'expired_code';

export interface OfflineBundle {
  eventId: string;
  keys: { keyId: string; publicKeyPem: string }[];
  /** base64url; staff devices only: it turns a static code into the current rotating one. */
  rotationKey: string;
  /** Whether static (printed) codes are accepted at this event. */
  printedAllowed: boolean;
  /** Tickets whose codes are dead: `minVersion` null means every version (refunded, revoked). */
  revocations: { ticketId: string; minVersion: number | null }[];
}

export type CodeCheck =
  | { ok: true; claims: TicketClaims; printed: boolean }
  | { ok: false; reason: CodeRefusal; claims: TicketClaims | null };

/** The rotation step a moment falls in. */
export const stepAt = (nowMs: number) => Math.floor(nowMs / 1000 / ROTATION_STEP_SECONDS);
