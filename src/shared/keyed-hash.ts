import { createHmac } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

/**
 * What a keyed request asked for, for the record that answers its retries (a hold, an order):
 * HMAC-SHA256 of the canonical JSON, keyed by the request's own Idempotency-Key. A retry with
 * the same key and body gives the same value; a copy of the table gives no fast hash of a
 * body to guess against (an order's body can carry a card number).
 */
export function keyedHash(key: string, value: unknown): string {
  return createHmac('sha256', key).update(canonicalJson(value)).digest('base64url');
}
