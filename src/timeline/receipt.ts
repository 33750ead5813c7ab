import { createHash } from 'node:crypto';
import { canonicalJson } from '../shared/canonical-json.js';
import { verifyWithPublicKey } from '../shared/signing.js';

/**
 * The receipt format. Pure functions only: `verifyReceiptChain` needs nothing but the public
 * key, so a fan (or `npm run verify-receipt`) can check receipts offline.
 *
 * hash      = base64url(SHA-256(canonical JSON of the payload))
 * signature = base64url(Ed25519(platform key, canonical JSON of the payload))
 * payload.prevHash = the previous entry's hash, or GENESIS for an account's first entry
 */
export const GENESIS = 'GENESIS';

export interface ReceiptPayload {
  v: 1;
  userId: string;
  seq: number;
  kind: string;
  subjectType: string;
  subjectId: string;
  eventId: string | null;
  actorId: string | null;
  data: Record<string, unknown>;
  occurredAt: string;
  prevHash: string;
}

export interface Receipt extends ReceiptPayload {
  hash: string;
  signature: string;
  keyId: string;
}

export function receiptHash(payload: ReceiptPayload): string {
  return createHash('sha256').update(canonicalJson(payload)).digest('base64url');
}

export function payloadOf(receipt: Receipt): ReceiptPayload {
  const { hash: _h, signature: _s, keyId: _k, ...payload } = receipt;
  return payload;
}

export type ChainCheck =
  { ok: true; entries: number } | { ok: false; brokenAt: number; reason: 'hash' | 'signature' | 'link' | 'sequence' };

/**
 * Checks every entry's hash, signature and link to the one before. A slice of a chain may
 * start after seq 1 (its first link is then taken as given); an account's first entry must
 * point at GENESIS.
 */
export function verifyReceiptChain(receipts: readonly Receipt[], publicKeyPem: string): ChainCheck {
  for (const [i, receipt] of receipts.entries()) {
    const payload = payloadOf(receipt);
    const before = i > 0 ? receipts[i - 1]! : null;
    if (before && receipt.seq !== before.seq + 1) return { ok: false, brokenAt: receipt.seq, reason: 'sequence' };
    const expectedPrev = before ? before.hash : receipt.seq === 1 ? GENESIS : payload.prevHash;
    if (payload.prevHash !== expectedPrev) return { ok: false, brokenAt: receipt.seq, reason: 'link' };
    if (receiptHash(payload) !== receipt.hash) return { ok: false, brokenAt: receipt.seq, reason: 'hash' };
    if (!verifyWithPublicKey(publicKeyPem, payload, receipt.signature))
      return { ok: false, brokenAt: receipt.seq, reason: 'signature' };
  }
  return { ok: true, entries: receipts.length };
}
