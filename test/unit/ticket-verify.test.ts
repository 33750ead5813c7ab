import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateSigner } from '../../src/shared/signing.js';
import {
  rotatingCode,
  ROTATION_STEP_SECONDS,
  signTicketCode,
  ticketSecret,
  verifyTicketCode,
  type OfflineBundle,
  type TicketClaims,
} from '../../src/tickets/codes.js';
import { eventKeys } from '../../src/tickets/event-keys.js';
import { base64urlDecode, verifyTicketCode as verifyInBrowser } from '../../web/src/lib/ticket-verify.js';

/**
 * The scanner's WebCrypto verifier (web/src/lib/ticket-verify.ts, run here on Node's
 * globalThis.crypto.subtle) must give the server's answer for every code: genuine, tampered,
 * other event, revoked, outside its validity, stale or future step, printed.
 */

const signer = generateSigner();
const eventId = '6f1c2d3e-4a5b-4c6d-8e7f-8091a2b3c4d5';
const otherEvent = '11111111-2222-4333-8444-555555555555';
const keys = eventKeys(signer, eventId);
const otherKeys = eventKeys(signer, otherEvent);
const now = Date.UTC(2026, 10, 26, 19, 0, 0);
const claims: TicketClaims = {
  ticketId: '0a1b2c3d-4e5f-4061-8273-8495a6b7c8d9',
  eventId,
  version: 3,
  validFrom: now / 1000 - 3600,
  validUntil: now / 1000 + 6 * 3600,
  keyId: keys.keyId,
  seat: 'Parterre · Row 12 · Seat 7 — ü',
};
const bundle = (over: Partial<OfflineBundle> = {}): OfflineBundle => ({
  eventId,
  keys: [{ keyId: keys.keyId, publicKeyPem: keys.publicKeyPem }],
  rotationKey: keys.rotationKey,
  printedAllowed: false,
  revocations: [],
  ...over,
});
const live = (c: TicketClaims, at = now, k = keys) =>
  rotatingCode(
    signTicketCode(c, k.privateKey),
    ticketSecret(Buffer.from(k.rotationKey, 'base64url'), c.ticketId, c.version),
    at,
  ).code;

async function agree(code: string, b: OfflineBundle, at = now) {
  const server = verifyTicketCode(code, b, at);
  const browser = await verifyInBrowser(code, b, at);
  expect(browser, code).toEqual(server);
  return server;
}

describe('the scanner verifies codes exactly as the server does', () => {
  it('admits a genuine rotating code, and a printed one only where printing is allowed', async () => {
    expect(await agree(live(claims), bundle())).toEqual({ ok: true, claims, printed: false });
    const printed = signTicketCode(claims, keys.privateKey);
    expect((await agree(printed, bundle())).ok).toBe(false);
    expect(await agree(printed, bundle({ printedAllowed: true }))).toEqual({ ok: true, claims, printed: true });
  });

  it('admits a wallet pass code where printed codes are refused, until its version is revoked', async () => {
    const pass = { ...claims, pass: true as const };
    const code = signTicketCode(pass, keys.privateKey);
    expect(await agree(code, bundle())).toEqual({ ok: true, claims: pass, printed: true });
    const moved = await agree(code, bundle({ revocations: [{ ticketId: claims.ticketId, minVersion: 4 }] }));
    expect(moved.ok ? 'ok' : moved.reason).toBe('revoked');
    // The format byte is signed: a printed code's bytes relabelled as a pass no longer verify.
    const blob = Buffer.from(signTicketCode(claims, keys.privateKey).slice(4), 'base64url');
    blob[0] = 2;
    const relabelled = await agree(`FD1.${blob.toString('base64url')}`, bundle());
    expect(relabelled.ok ? 'ok' : relabelled.reason).toBe('invalid');
    // A pass code never carries a step: one with a step appended is not ours.
    const stepped = await agree(`${code}.${(123).toString(36)}.${'A'.repeat(14)}`, bundle());
    expect(stepped.ok ? 'ok' : stepped.reason).toBe('invalid');
  });

  it('refuses with the same reason: other event, revoked, old version, validity, steps', async () => {
    const s = ROTATION_STEP_SECONDS * 1000;
    const cases: [string, OfflineBundle, number, string][] = [
      [live({ ...claims, eventId: otherEvent, keyId: otherKeys.keyId }, now, otherKeys), bundle(), now, 'wrong_event'],
      [live(claims), bundle({ revocations: [{ ticketId: claims.ticketId, minVersion: null }] }), now, 'revoked'],
      [live(claims), bundle({ revocations: [{ ticketId: claims.ticketId, minVersion: 4 }] }), now, 'revoked'],
      [live(claims), bundle({ revocations: [{ ticketId: claims.ticketId, minVersion: 3 }] }), now, 'ok'],
      [live({ ...claims, validFrom: now / 1000 + 60 }), bundle(), now, 'not_yet_valid'],
      [live({ ...claims, validUntil: now / 1000 - 60 }), bundle(), now, 'expired_code'],
      [live(claims, now - s), bundle(), now, 'ok'],
      [live(claims, now - 2 * s), bundle(), now, 'expired_code'],
      [live(claims, now + s), bundle(), now, 'ok'],
      [live(claims, now + 2 * s), bundle(), now, 'expired_code'],
      [live(claims), bundle({ keys: [] }), now, 'invalid'],
      [live(claims), bundle({ keys: [{ keyId: keys.keyId, publicKeyPem: otherKeys.publicKeyPem }] }), now, 'invalid'],
      [live(claims), bundle({ keys: [{ keyId: keys.keyId, publicKeyPem: 'not a key' }] }), now, 'invalid'],
      [live(claims), bundle({ rotationKey: otherKeys.rotationKey }), now, 'invalid'],
      // A code signed before a transfer, its MAC from the old version's secret: the server's revocation list catches it; without it the MAC still binds the version.
      [
        live({ ...claims, version: 2 }),
        bundle({ revocations: [{ ticketId: claims.ticketId, minVersion: 3 }] }),
        now,
        'revoked',
      ],
      ['', bundle(), now, 'invalid'],
      ['FD1', bundle(), now, 'invalid'],
      ['FD2.' + live(claims).slice(4), bundle(), now, 'invalid'],
      [live(claims) + '.x', bundle(), now, 'invalid'],
      [`  ${live(claims)}\n`, bundle(), now, 'ok'],
    ];
    for (const [code, b, at, expected] of cases) {
      const answer = await agree(code, b, at);
      expect(answer.ok ? 'ok' : answer.reason, code).toBe(expected);
    }
  });

  it('agrees on every single-character change of a code (tampering, misreads)', async () => {
    const code = live(claims);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=!';
    let refused = 0;
    // Every position, a few substitutes each: payload, signature, step and MAC all get hit.
    for (let i = 0; i < code.length; i++) {
      for (const offset of [1, 17, 40]) {
        const c = alphabet[(alphabet.indexOf(code[i]!) + offset + alphabet.length) % alphabet.length]!;
        const tampered = code.slice(0, i) + c + code.slice(i + 1);
        if ((await agree(tampered, bundle())).ok === false) refused++;
      }
    }
    expect(refused).toBeGreaterThan(code.length * 2);
  });

  it('decodes base64url as leniently as Buffer does', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/= !.\n';
    for (let n = 0; n < 500; n++) {
      const text = [...randomBytes(n % 40)].map((b) => alphabet[b % alphabet.length]).join('');
      expect(Buffer.from(base64urlDecode(text)).toString('hex'), JSON.stringify(text)).toBe(
        Buffer.from(text, 'base64url').toString('hex'),
      );
    }
  });
});
