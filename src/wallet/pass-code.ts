import type { PlatformSigner } from '../shared/signing.js';
import { claimsFor } from '../tickets/code-issuer.js';
import { signTicketCode } from '../tickets/codes.js';
import { eventKeys } from '../tickets/event-keys.js';
import type { TicketSettings } from '../tickets/ticket-settings.repository.js';
import type { TicketDetail } from '../tickets/ticket-views.repository.js';

/**
 * The barcode a wallet pass carries: the ticket's signed claims (id, event, version, seat,
 * validity) marked as a pass code (format byte 2, src/tickets/codes.ts), signed with the event
 * key like the rotating codes. A wallet cannot rotate a barcode every 30 s, so the code is
 * static; the door checks it with the same function, online or from its offline bundle, and
 * the ticket's next version (a transfer, an exchange, a cancellation, a resale) revokes it.
 * Deterministic: the same ticket version always gives the same code, so a pass re-served to a
 * device is byte-for-byte the barcode it had.
 */
export function passCode(signer: PlatformSigner, ticket: TicketDetail, settings: TicketSettings): string {
  const keys = eventKeys(signer, ticket.eventId, settings.keyGeneration);
  return signTicketCode({ ...claimsFor(ticket, settings, keys.keyId), pass: true }, keys.privateKey);
}
