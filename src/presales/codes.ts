import { createHmac, randomInt } from 'node:crypto';
import type { PlatformSigner } from '../shared/signing.js';

/**
 * Presale codes: made, read and hashed here. A code is letters and digits; people may type it
 * in lower case, with spaces or dashes, and it is the same code. It is stored only as an HMAC
 * keyed by a secret derived from the platform key, so the table is no list to guess against.
 */
export const CODE_SECRET = 'fairdrop/presales/codes/v1';

/** Crockford's base32 letters: no I, L, O or U, so a code read aloud or off paper is not misread. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** 10 characters of 32: 50 bits, far beyond what the rate limit lets anyone try. */
const GENERATED_LENGTH = 10;
export const CODE_MIN = 6;
export const CODE_MAX = 32;

export function normalizeCode(raw: string): string {
  return raw.toUpperCase().replace(/[\s-]+/g, '');
}

export function isCodeShape(code: string): boolean {
  return code.length >= CODE_MIN && code.length <= CODE_MAX && /^[A-Z0-9]+$/.test(code);
}

export function generateCode(): string {
  let code = '';
  for (let i = 0; i < GENERATED_LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

export interface CodeHasher {
  hash(normalized: string): string;
}

export function codeHasher(signer: PlatformSigner): CodeHasher {
  const secret = signer.derive(CODE_SECRET);
  return { hash: (normalized) => createHmac('sha256', secret).update(normalized).digest('base64url') };
}

/** The last four characters, so an organizer can tell codes apart. */
export const hintOf = (normalized: string) => normalized.slice(-4);

/** Rows of an import: `code[,max_uses]` per line, an optional `code,max_uses` header, blank lines skipped. */
export const IMPORT_MAX_ROWS = 5_000;
export const MAX_USES = 100_000;

export interface ImportRow {
  line: number;
  code: string;
  maxUses: number;
}

export function parseCodesCsv(csv: string): { rows: ImportRow[]; bad: { line: number; message: string }[] } {
  const rows: ImportRow[] = [];
  const bad: { line: number; message: string }[] = [];
  const seen = new Map<string, number>();
  const lines = csv.split(/\r?\n/);
  lines.forEach((text, i) => {
    const line = i + 1;
    const trimmed = text.trim();
    if (trimmed === '') return;
    const cells = trimmed.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
    if (line === 1 && cells[0]!.toLowerCase() === 'code') return;
    if (cells.length > 2) return void bad.push({ line, message: 'a row has at most two cells: code, max uses' });
    const code = normalizeCode(cells[0]!);
    if (!isCodeShape(code))
      return void bad.push({ line, message: `a code is ${CODE_MIN} to ${CODE_MAX} letters and digits` });
    const usesCell = cells[1] ?? '';
    const maxUses = usesCell === '' ? 1 : Number(usesCell);
    if (!Number.isInteger(maxUses) || maxUses < 1 || maxUses > MAX_USES)
      return void bad.push({ line, message: `max uses is a whole number from 1 to ${MAX_USES}` });
    const earlier = seen.get(code);
    if (earlier !== undefined) return void bad.push({ line, message: `the same code as line ${earlier}` });
    seen.set(code, line);
    rows.push({ line, code, maxUses });
  });
  if (rows.length + bad.length > IMPORT_MAX_ROWS)
    return { rows: [], bad: [{ line: 1, message: `a file holds at most ${IMPORT_MAX_ROWS} codes` }] };
  if (rows.length === 0 && bad.length === 0) bad.push({ line: 1, message: 'the file holds no codes' });
  return { rows, bad };
}
