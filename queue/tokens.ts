import { createHash, createHmac, randomBytes } from 'node:crypto';

/**
 * Purchase tokens. Each has a fresh 128-bit random nonce; the token itself is
 * HMAC-SHA256(secret, event id + nonce). Redis keeps the nonce and SHA-256(token), never the
 * token: a copy of Redis alone redeems nothing, while the engine (which holds the secret)
 * can show an admitted fan their token again after a reconnect.
 */

const PREFIX = 'pt_';

export interface MintedToken {
  nonce: string;
  token: string;
  hash: string;
}

export function tokenFromNonce(secret: Buffer, eventId: string, nonce: string): string {
  return PREFIX + createHmac('sha256', secret).update(`${eventId}\0${nonce}`, 'utf8').digest('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function mintTokens(secret: Buffer, eventId: string, count: number): MintedToken[] {
  return Array.from({ length: count }, () => {
    const nonce = randomBytes(16).toString('base64url');
    const token = tokenFromNonce(secret, eventId, nonce);
    return { nonce, token, hash: hashToken(token) };
  });
}

/** A token shape check before any Redis call, so junk input costs nothing. */
export function looksLikeToken(token: string): boolean {
  return token.length === PREFIX.length + 43 && token.startsWith(PREFIX);
}
