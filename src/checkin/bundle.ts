import type { Db } from '../db/types.js';
import type { PlatformSigner } from '../shared/signing.js';
import type { OfflineBundle } from '../tickets/codes.js';
import { eventKeys } from '../tickets/event-keys.js';
import type { TicketSettings } from '../tickets/ticket-settings.repository.js';
import { signWindow, type BundleWindow } from './bundle-window.js';
import { revocationsOf } from '../tickets/tickets.repository.js';
import { admittedOf } from './checkin.repository.js';

/** Keys, rotation key and printed flag: all a scanner needs to check a code's signature and step. */
export function keyBundle(signer: PlatformSigner, eventId: string, settings: TicketSettings): OfflineBundle {
  const keys = eventKeys(signer, eventId, settings.keyGeneration);
  return {
    eventId,
    keys: [{ keyId: keys.keyId, publicKeyPem: keys.publicKeyPem }],
    rotationKey: keys.rotationKey,
    printedAllowed: settings.printedCodesAllowed,
    revocations: [],
  };
}

export interface SignedBundle {
  /** Feed this to verifyTicketCode as is. */
  bundle: OfflineBundle;
  /** Tickets already admitted when the bundle was made, so an offline gate can answer "already used". */
  admitted: { ticketId: string; firstUsedAt: string; firstGate: string }[];
  issuedAt: string;
  /** Ed25519 by the platform key (GET /v1/receipts/key) over the canonical JSON of { bundle, admitted, issuedAt }. */
  signature: string;
  keyId: string;
  /** When offline scans made with this bundle may have happened; the scanner sends it back with their upload. */
  window: BundleWindow;
}

/** The offline bundle for staff devices: it contains the rotation key, so it is served to the event's staff only. */
export async function signedBundle(
  db: Db,
  signer: PlatformSigner,
  eventId: string,
  settings: TicketSettings,
  validMs: number,
  now = new Date(),
): Promise<SignedBundle> {
  const bundle = { ...keyBundle(signer, eventId, settings), revocations: await revocationsOf(db, eventId) };
  const admitted = await admittedOf(db, eventId);
  const issuedAt = now.toISOString();
  return {
    bundle,
    admitted,
    issuedAt,
    signature: signer.sign({ bundle, admitted, issuedAt }),
    keyId: signer.keyId,
    window: signWindow(signer, eventId, now, validMs),
  };
}
