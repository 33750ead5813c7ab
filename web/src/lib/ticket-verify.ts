/**
 * The door scanner's offline check: src/tickets/codes.ts `verifyTicketCode`, rewritten on
 * WebCrypto (Ed25519 verify and HMAC-SHA256) because node:crypto and Buffer do not exist in a
 * browser. It must decide exactly as the server does — a code the server refuses must never
 * admit anyone at an offline gate — so every step mirrors codes.ts in the same order, down to
 * Buffer's lenient base64url decoding; test/unit/ticket-verify.test.ts runs both on the same
 * codes. Formats are documented in codes.ts; constants and types come from code-format.ts.
 */
import {
  ACCEPTED_STEP_LAG,
  MAC_BYTES,
  PREFIX,
  SIGNATURE_BYTES,
  stepAt,
  type CodeCheck,
  type OfflineBundle,
  type TicketClaims,
} from '../../../src/tickets/code-format.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const SIXTETS = new Map<string, number>([...ALPHABET].map((c, i) => [c, i]));
for (const [c, v] of [
  ['+', 62],
  ['-', 62],
  ['/', 63],
  ['_', 63],
] as const)
  SIXTETS.set(c, v);

/**
 * Decodes like Node's `Buffer.from(text, 'base64url')`: both alphabets accepted, characters
 * outside them skipped, decoding stops at '=', a trailing partial byte dropped. A stricter
 * decoder would refuse codes the server reads, and the two would disagree on a scanned code.
 */
export function base64urlDecode(text: string): Uint8Array<ArrayBuffer> {
  const values: number[] = [];
  for (const c of text) {
    if (c === '=') break;
    const v = SIXTETS.get(c);
    if (v !== undefined) values.push(v);
  }
  const out = new Uint8Array(Math.floor((values.length * 6) / 8));
  let acc = 0;
  let bits = 0;
  let i = 0;
  for (const v of values) {
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (i < out.length) out[i++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

export function base64urlEncode(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
const bytesToUuid = (b: Uint8Array) => {
  const h = hex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};
const uuidToBytes = (uuid: string) => {
  const h = uuid.replace(/-/g, '');
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = Number.parseInt(h.slice(i * 2, i * 2 + 2), 16);
  return out;
};

function decodePayload(p: Uint8Array): TicketClaims | null {
  const format = p[0];
  if (p.length < 52 || (format !== 1 && format !== 2)) return null;
  const seatLength = p[51]!;
  if (p.length !== 52 + seatLength) return null;
  const view = new DataView(p.buffer, p.byteOffset, p.byteLength);
  return {
    ticketId: bytesToUuid(p.subarray(1, 17)),
    eventId: bytesToUuid(p.subarray(17, 33)),
    version: view.getUint32(33),
    validFrom: view.getUint32(37),
    validUntil: view.getUint32(41),
    keyId: base64urlEncode(p.subarray(45, 51)),
    seat: new TextDecoder('utf-8').decode(p.subarray(52)),
    ...(format === 2 ? { pass: true as const } : {}),
  };
}

interface ParsedCode {
  claims: TicketClaims;
  payload: Uint8Array<ArrayBuffer>;
  signature: Uint8Array<ArrayBuffer>;
  rotation: { step: number; mac: Uint8Array } | null;
}

export function parseTicketCode(code: string): ParsedCode | null {
  const parts = code.trim().split('.');
  if (parts[0] !== PREFIX || (parts.length !== 2 && parts.length !== 4) || !parts[1]) return null;
  const blob = base64urlDecode(parts[1]);
  if (blob.length <= SIGNATURE_BYTES) return null;
  const payload = blob.slice(0, blob.length - SIGNATURE_BYTES);
  const claims = decodePayload(payload);
  if (!claims) return null;
  let rotation: ParsedCode['rotation'] = null;
  if (parts.length === 4) {
    const step = Number.parseInt(parts[2]!, 36);
    const mac = base64urlDecode(parts[3]!);
    if (!Number.isSafeInteger(step) || mac.length !== MAC_BYTES) return null;
    rotation = { step, mac };
  }
  // A pass code is static by definition: one with a step was made by someone else.
  if (claims.pass && rotation) return null;
  return { claims, payload, signature: blob.slice(blob.length - SIGNATURE_BYTES), rotation };
}

// Importing a key is the slow part of a check; a gate sees one event's key thousands of times.
const publicKeys = new Map<string, Promise<CryptoKey>>();
function publicKey(pem: string): Promise<CryptoKey> {
  let key = publicKeys.get(pem);
  if (!key) {
    const der = base64urlDecode(pem.replace(/-----(BEGIN|END) PUBLIC KEY-----/g, ''));
    key = crypto.subtle.importKey('spki', der, { name: 'Ed25519' }, false, ['verify']);
    publicKeys.set(pem, key);
  }
  return key;
}

async function hmac(key: Uint8Array<ArrayBuffer>, ...parts: Uint8Array[]): Promise<Uint8Array<ArrayBuffer>> {
  const k = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const data = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    data.set(p, at);
    at += p.length;
  }
  return new Uint8Array(await crypto.subtle.sign('HMAC', k, data));
}

async function stepMac(rotationKey: string, ticketId: string, version: number, step: number): Promise<Uint8Array> {
  const v = new Uint8Array(4);
  new DataView(v.buffer).setUint32(0, version);
  const secret = await hmac(base64urlDecode(rotationKey), uuidToBytes(ticketId), v);
  const s = new Uint8Array(8);
  new DataView(s.buffer).setBigUint64(0, BigInt(step));
  return (await hmac(secret, s)).subarray(0, MAC_BYTES);
}

/** No early exit on the first differing byte (as timingSafeEqual). */
function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Everything a scanner can decide alone, as codes.ts decides it. */
export async function verifyTicketCode(code: string, bundle: OfflineBundle, nowMs: number): Promise<CodeCheck> {
  const parsed = parseTicketCode(code);
  if (!parsed) return { ok: false, reason: 'invalid', claims: null };
  const { claims } = parsed;
  // A wrong event's code is reported as such even though our keys cannot check its signature.
  if (claims.eventId !== bundle.eventId) return { ok: false, reason: 'wrong_event', claims };
  const key = bundle.keys.find((k) => k.keyId === claims.keyId);
  let signed = false;
  try {
    signed =
      !!key &&
      (await crypto.subtle.verify(
        { name: 'Ed25519' },
        await publicKey(key.publicKeyPem),
        parsed.signature,
        parsed.payload,
      ));
  } catch {
    signed = false;
  }
  if (!signed) return { ok: false, reason: 'invalid', claims };
  const revoked = bundle.revocations.find((r) => r.ticketId === claims.ticketId);
  if (revoked && (revoked.minVersion === null || claims.version < revoked.minVersion))
    return { ok: false, reason: 'revoked', claims };
  const now = Math.floor(nowMs / 1000);
  if (now < claims.validFrom) return { ok: false, reason: 'not_yet_valid', claims };
  if (now > claims.validUntil) return { ok: false, reason: 'expired_code', claims };
  if (!parsed.rotation) {
    return bundle.printedAllowed || claims.pass
      ? { ok: true, claims, printed: true }
      : { ok: false, reason: 'expired_code', claims };
  }
  const lag = stepAt(nowMs) - parsed.rotation.step;
  if (lag > ACCEPTED_STEP_LAG || lag < -ACCEPTED_STEP_LAG) return { ok: false, reason: 'expired_code', claims };
  let mac: Uint8Array;
  try {
    mac = await stepMac(bundle.rotationKey, claims.ticketId, claims.version, parsed.rotation.step);
  } catch {
    return { ok: false, reason: 'invalid', claims };
  }
  if (!equal(mac, parsed.rotation.mac)) return { ok: false, reason: 'invalid', claims };
  return { ok: true, claims, printed: false };
}
