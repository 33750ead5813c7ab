import { describe, expect, it } from 'vitest';
import { generateSigner } from '../../src/shared/signing.js';
import {
  parseTicketCode,
  rotatingCode,
  ROTATION_STEP_SECONDS,
  signTicketCode,
  ticketSecret,
  verifyTicketCode,
  type OfflineBundle,
  type TicketClaims,
} from '../../src/tickets/codes.js';
import { eventKeys } from '../../src/tickets/event-keys.js';

const signer = generateSigner();
const eventId = '6f1c2d3e-4a5b-4c6d-8e7f-8091a2b3c4d5';
const keys = eventKeys(signer, eventId);
const now = Date.UTC(2026, 10, 26, 19, 0, 0);
const claims: TicketClaims = {
  ticketId: '0a1b2c3d-4e5f-4061-8273-8495a6b7c8d9',
  eventId,
  version: 1,
  validFrom: now / 1000 - 3600,
  validUntil: now / 1000 + 6 * 3600,
  keyId: keys.keyId,
  seat: 'Stalls A · Row 12 · Seat 7',
};
const bundle = (over: Partial<OfflineBundle> = {}): OfflineBundle => ({
  eventId,
  keys: [{ keyId: keys.keyId, publicKeyPem: keys.publicKeyPem }],
  rotationKey: keys.rotationKey,
  printedAllowed: false,
  revocations: [],
  ...over,
});
const live = (c: TicketClaims, at = now) =>
  rotatingCode(
    signTicketCode(c, keys.privateKey),
    ticketSecret(Buffer.from(keys.rotationKey, 'base64url'), c.ticketId, c.version),
    at,
  ).code;

describe('ticket codes (offline)', () => {
  it('round-trips the claims and verifies from the bundle alone', () => {
    const code = live(claims);
    expect(code.length).toBeLessThan(260); // fits a QR code a phone camera reads at arm's length
    expect(parseTicketCode(code)!.claims).toEqual(claims);
    expect(verifyTicketCode(code, bundle(), now)).toEqual({ ok: true, claims, printed: false });
  });

  it('derives the same keys for the same event and different keys for another', () => {
    expect(eventKeys(signer, eventId).publicKeyPem).toBe(keys.publicKeyPem);
    expect(eventKeys(signer, '11111111-2222-4333-8444-555555555555').keyId).not.toBe(keys.keyId);
    expect(eventKeys(generateSigner(), eventId).keyId).not.toBe(keys.keyId);
  });

  it('refuses a tampered code', () => {
    const code = live(claims);
    const [prefix, blob, step, mac] = code.split('.');
    const bytes = Buffer.from(blob!, 'base64url');
    bytes[40] = bytes[40]! ^ 1; // flips a bit of validFrom
    expect(verifyTicketCode([prefix, bytes.toString('base64url'), step, mac].join('.'), bundle(), now).ok).toBe(false);
    const otherSeat = signTicketCode(
      { ...claims, seat: 'Row 1 Seat 1' },
      eventKeys(generateSigner(), eventId).privateKey,
    );
    expect(verifyTicketCode(otherSeat, bundle({ printedAllowed: true }), now)).toMatchObject({
      ok: false,
      reason: 'invalid',
    });
    expect(verifyTicketCode('FD1.garbage', bundle(), now)).toMatchObject({ ok: false, reason: 'invalid' });
    const badMac = code.slice(0, -3) + (code.endsWith('AAA') ? 'BBB' : 'AAA');
    expect(verifyTicketCode(badMac, bundle(), now)).toMatchObject({ ok: false, reason: 'invalid' });
  });

  it("refuses another event's code as wrong_event", () => {
    const otherEvent = '99999999-8888-4777-8666-555555555555';
    const other = eventKeys(signer, otherEvent);
    const code = rotatingCode(
      signTicketCode({ ...claims, eventId: otherEvent, keyId: other.keyId }, other.privateKey),
      Buffer.alloc(32),
      now,
    ).code;
    expect(verifyTicketCode(code, bundle(), now)).toMatchObject({ ok: false, reason: 'wrong_event' });
  });

  it('refuses an old version after a transfer, and every version of a revoked ticket', () => {
    const old = live(claims);
    const transferred = live({ ...claims, version: 2 });
    const after = bundle({ revocations: [{ ticketId: claims.ticketId, minVersion: 2 }] });
    expect(verifyTicketCode(old, after, now)).toMatchObject({ ok: false, reason: 'revoked' });
    expect(verifyTicketCode(transferred, after, now).ok).toBe(true);
    expect(
      verifyTicketCode(transferred, bundle({ revocations: [{ ticketId: claims.ticketId, minVersion: null }] }), now),
    ).toMatchObject({ ok: false, reason: 'revoked' });
  });

  it('accepts the current and previous step, refuses a code two steps old', () => {
    const step = ROTATION_STEP_SECONDS * 1000;
    const code = live(claims, now);
    expect(verifyTicketCode(code, bundle(), now + step).ok).toBe(true);
    expect(verifyTicketCode(code, bundle(), now + 2 * step)).toMatchObject({ ok: false, reason: 'expired_code' });
  });

  it('honours the validity window and the printed-code setting', () => {
    expect(verifyTicketCode(live(claims, now - 2 * 3600_000), bundle(), now - 2 * 3600_000)).toMatchObject({
      ok: false,
      reason: 'not_yet_valid',
    });
    const printed = signTicketCode(claims, keys.privateKey);
    expect(verifyTicketCode(printed, bundle(), now)).toMatchObject({ ok: false, reason: 'expired_code' });
    expect(verifyTicketCode(printed, bundle({ printedAllowed: true }), now)).toMatchObject({ ok: true, printed: true });
  });
});
