import { randomBytes } from 'node:crypto';
import { hashSecret } from '../shared/tokens.js';

/**
 * Codes look like `FD-7K2M-QX9D-R4TB-HN3W`: 16 characters of Crockford base32 (80 random bits,
 * far beyond guessing under the balance-lookup rate limit), no I/L/O/U to misread.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function newGiftCardCode(): string {
  const bytes = randomBytes(16);
  const chars = [...bytes].map((b) => ALPHABET[b % 32]).join('');
  return `FD-${chars.match(/.{4}/g)!.join('-')}`;
}

/** Upper case, no spaces or dashes, O→0 and I/L→1 as Crockford reads them. */
export function normalizeGiftCardCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
}

export function hashGiftCardCode(code: string): string {
  return hashSecret(`giftcard:${normalizeGiftCardCode(code)}`);
}

export function codeLast4(code: string): string {
  return normalizeGiftCardCode(code).slice(-4);
}
