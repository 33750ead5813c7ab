import type { PlatformSigner } from '../shared/signing.js';
import { checkinErrors } from './checkin.errors.js';

/**
 * The time an offline scan is judged at. An offline scanner says when it saw each code, and a
 * rotating code is only good for its 30-second step, so a scanner free to claim any time could
 * admit a screenshot by dating the scan back to when the screenshot was taken. The server
 * therefore takes the claim only inside what it knows: not before the bundle the scanner used
 * was issued (the window is signed into the bundle, and the scanner sends it back with its
 * upload), not after the upload, not after the bundle expired. A claim outside is judged at
 * the nearest bound and reported. Inside the window the claim is taken as is: the window's
 * length is what a dishonest scanner can still backdate, which is why it is short.
 */

/** The part of an offline bundle a scanner sends back with its uploads. */
export interface BundleWindow {
  issuedAt: string;
  expiresAt: string;
  /** Ed25519 by the platform key over the canonical JSON of windowPayload(eventId, issuedAt, expiresAt). */
  signature: string;
}

/** Where a scanner's claimed time fell against its bundle's window; outside, the scan was judged at the bound. */
export type ClockVerdict = 'in_window' | 'before_window' | 'after_window';

// A purpose no other signed payload carries: no receipt or bundle signature passes for a window.
const windowPayload = (eventId: string, issuedAt: string, expiresAt: string) => ({
  purpose: 'fairdrop.checkin.bundle-window',
  eventId,
  issuedAt,
  expiresAt,
});

export function signWindow(signer: PlatformSigner, eventId: string, issuedAt: Date, validMs: number): BundleWindow {
  const window = { issuedAt: issuedAt.toISOString(), expiresAt: new Date(issuedAt.getTime() + validMs).toISOString() };
  return { ...window, signature: signer.sign(windowPayload(eventId, window.issuedAt, window.expiresAt)) };
}

/** The window in milliseconds, if we signed it for this event; otherwise a 422 naming the field. */
export function verifyWindow(
  signer: PlatformSigner,
  eventId: string,
  window: BundleWindow,
): { issuedAtMs: number; expiresAtMs: number } {
  if (!signer.verify(windowPayload(eventId, window.issuedAt, window.expiresAt), window.signature))
    throw checkinErrors.bundleWindowInvalid();
  return { issuedAtMs: Date.parse(window.issuedAt), expiresAtMs: Date.parse(window.expiresAt) };
}

/** The claim moved into [issued, min(upload, expiry)]; an upload stamped before the issue (clocks of two nodes) still leaves the issue time. */
export function judgedAt(claimedMs: number, window: { issuedAtMs: number; expiresAtMs: number }, syncMs: number) {
  const latest = Math.max(window.issuedAtMs, Math.min(syncMs, window.expiresAtMs));
  return Math.min(Math.max(claimedMs, window.issuedAtMs), latest);
}

/** Read back from a recorded scan, so a re-upload reports what the first upload did. */
export function clockVerdict(scan: { scannedAt: Date; claimedAt: Date | null }): ClockVerdict {
  if (!scan.claimedAt || scan.claimedAt.getTime() === scan.scannedAt.getTime()) return 'in_window';
  return scan.claimedAt < scan.scannedAt ? 'before_window' : 'after_window';
}
