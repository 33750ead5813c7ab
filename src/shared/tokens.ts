import { createHash, randomBytes } from 'node:crypto';

/** A bearer secret: 256 random bits, URL-safe, with a readable prefix so a leaked one is recognisable. */
export function newSecret(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

/** Secrets are stored only as their SHA-256: a copy of the database grants nothing. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}
