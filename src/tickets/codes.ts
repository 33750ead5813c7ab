import { createHmac, createPublicKey, sign, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import {
  ACCEPTED_STEP_LAG,
  MAC_BYTES,
  PREFIX,
  ROTATION_STEP_SECONDS,
  SIGNATURE_BYTES,
  stepAt,
  type CodeCheck,
  type OfflineBundle,
  type TicketClaims,
} from './code-format.js';

/**
 * Ticket codes. Pure functions: `verifyTicketCode` needs only an offline bundle (public keys,
 * rotation key, revocations), so a scanner decides without a network.
 *
 * Static part  `FD1.<base64url(payload ‖ Ed25519 signature)>`, payload (big-endian):
 *   u8 format (1: phone or printed code, 2: wallet pass code, never rotating) | 16B ticket id | 16B event id | u32 version | u32 validFrom | u32 validUntil
 *   | 6B key id | u8 seat length | seat label (UTF-8, ≤ 60 bytes)
 * Rotating     `<static>.<step base36>.<base64url(mac)>` where step = ⌊unix seconds / 30⌋ and
 *   mac = HMAC-SHA256(ticket secret, step as u64)[0..10), ticket secret = HMAC-SHA256(event
 *   rotation key, ticket id ‖ version). A screenshot stops working once its step is 2 behind.
 */

export { ROTATION_STEP_SECONDS, type CodeCheck, type OfflineBundle, type TicketClaims } from './code-format.js';

const uuidToBytes = (uuid: string) => Buffer.from(uuid.replace(/-/g, ''), 'hex');
const bytesToUuid = (b: Buffer) => {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

function encodePayload(c: TicketClaims): Buffer {
  const seat = Buffer.from(c.seat, 'utf8');
  if (seat.length > 60) throw new Error('seat label longer than 60 bytes');
  const keyId = Buffer.from(c.keyId, 'base64url');
  if (keyId.length !== 6) throw new Error('key id must be 6 bytes (8 base64url characters)');
  const head = Buffer.alloc(1 + 16 + 16 + 12);
  head.writeUInt8(c.pass ? 2 : 1, 0);
  uuidToBytes(c.ticketId).copy(head, 1);
  uuidToBytes(c.eventId).copy(head, 17);
  head.writeUInt32BE(c.version, 33);
  head.writeUInt32BE(c.validFrom, 37);
  head.writeUInt32BE(c.validUntil, 41);
  return Buffer.concat([head, keyId, Buffer.from([seat.length]), seat]);
}

function decodePayload(p: Buffer): TicketClaims | null {
  const format = p.length > 0 ? p.readUInt8(0) : 0;
  if (p.length < 52 || (format !== 1 && format !== 2)) return null;
  const seatLength = p.readUInt8(51);
  if (p.length !== 52 + seatLength) return null;
  return {
    ticketId: bytesToUuid(p.subarray(1, 17)),
    eventId: bytesToUuid(p.subarray(17, 33)),
    version: p.readUInt32BE(33),
    validFrom: p.readUInt32BE(37),
    validUntil: p.readUInt32BE(41),
    keyId: p.subarray(45, 51).toString('base64url'),
    seat: p.subarray(52).toString('utf8'),
    ...(format === 2 ? { pass: true as const } : {}),
  };
}

export function signTicketCode(claims: TicketClaims, privateKey: KeyObject): string {
  const payload = encodePayload(claims);
  return `${PREFIX}.${Buffer.concat([payload, sign(null, payload, privateKey)]).toString('base64url')}`;
}

/** The per-ticket rotation secret; changes with the version, so a transfer also kills old rotating codes. */
export function ticketSecret(rotationKey: Buffer, ticketId: string, version: number): Buffer {
  const v = Buffer.alloc(4);
  v.writeUInt32BE(version);
  return createHmac('sha256', rotationKey).update(uuidToBytes(ticketId)).update(v).digest();
}

function stepMac(secret: Buffer, step: number): Buffer {
  const s = Buffer.alloc(8);
  s.writeBigUInt64BE(BigInt(step));
  return createHmac('sha256', secret).update(s).digest().subarray(0, MAC_BYTES);
}

/** The code a fan's screen shows now, and when it changes. */
export function rotatingCode(
  staticCode: string,
  secret: Buffer,
  nowMs: number,
): { code: string; step: number; refreshAt: Date } {
  const step = stepAt(nowMs);
  return {
    code: `${staticCode}.${step.toString(36)}.${stepMac(secret, step).toString('base64url')}`,
    step,
    refreshAt: new Date((step + 1) * ROTATION_STEP_SECONDS * 1000),
  };
}

export interface ParsedCode {
  claims: TicketClaims;
  payload: Buffer;
  signature: Buffer;
  rotation: { step: number; mac: Buffer } | null;
}

export function parseTicketCode(code: string): ParsedCode | null {
  const parts = code.trim().split('.');
  if (parts[0] !== PREFIX || (parts.length !== 2 && parts.length !== 4) || !parts[1]) return null;
  const blob = Buffer.from(parts[1], 'base64url');
  if (blob.length <= SIGNATURE_BYTES) return null;
  const payload = blob.subarray(0, blob.length - SIGNATURE_BYTES);
  const claims = decodePayload(payload);
  if (!claims) return null;
  let rotation: ParsedCode['rotation'] = null;
  if (parts.length === 4) {
    const step = Number.parseInt(parts[2]!, 36);
    const mac = Buffer.from(parts[3]!, 'base64url');
    if (!Number.isSafeInteger(step) || mac.length !== MAC_BYTES) return null;
    rotation = { step, mac };
  }
  // A pass code is static by definition: one with a step was made by someone else.
  if (claims.pass && rotation) return null;
  return { claims, payload, signature: blob.subarray(blob.length - SIGNATURE_BYTES), rotation };
}

/** Everything a scanner can decide alone. Whether the ticket was already used is the server's (or the sync's) call. */
export function verifyTicketCode(code: string, bundle: OfflineBundle, nowMs: number): CodeCheck {
  const parsed = parseTicketCode(code);
  if (!parsed) return { ok: false, reason: 'invalid', claims: null };
  const { claims } = parsed;
  const key = bundle.keys.find((k) => k.keyId === claims.keyId);
  let signed = false;
  try {
    signed = !!key && verify(null, parsed.payload, createPublicKey(key.publicKeyPem), parsed.signature);
  } catch {
    signed = false;
  }
  // A wrong event's code is reported as such even though our keys cannot check its signature.
  if (claims.eventId !== bundle.eventId) return { ok: false, reason: 'wrong_event', claims };
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
  const secret = ticketSecret(Buffer.from(bundle.rotationKey, 'base64url'), claims.ticketId, claims.version);
  if (!timingSafeEqual(stepMac(secret, parsed.rotation.step), parsed.rotation.mac))
    return { ok: false, reason: 'invalid', claims };
  return { ok: true, claims, printed: false };
}
