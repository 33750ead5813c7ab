import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  parseTicketCode,
  rotatingCode,
  ROTATION_STEP_SECONDS,
  signTicketCode,
  ticketSecret,
  verifyTicketCode,
  type OfflineBundle,
} from '../../src/tickets/codes.js';
import { eventKeys } from '../../src/tickets/event-keys.js';
import { verifyWithPublicKey } from '../../src/shared/signing.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn, signedInVerified } from '../support/fixtures.js';
import { transferToken } from '../support/mail.js';
import { createSale, type SaleFixture } from '../support/commerce.js';
import { buySeats, codeOf, doorStaff, emailOf } from '../support/tickets-fixtures.js';

let env: TestEnv;
let sale: SaleFixture;
let other: SaleFixture;
beforeAll(async () => {
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '100000' });
  sale = await createSale(env, { seats: 30 });
  other = await createSale(env, { seats: 5 });
});
afterAll(() => env?.close());

/** The offline path: the bundle as downloaded, then nothing but the pure verifier. */
async function downloadBundle(token: string, eventId = sale.eventId): Promise<OfflineBundle> {
  const res = await env.api.get(`/v1/events/${eventId}/checkin/bundle`, { token });
  expect(res.status).toBe(200);
  const key = await env.api.get('/v1/receipts/key');
  // The bundle is signed by the platform key: a scanner can tell it was not tampered with on the way.
  expect(
    verifyWithPublicKey(
      key.body.publicKeyPem,
      { bundle: res.body.bundle, admitted: res.body.admitted, issuedAt: res.body.issuedAt },
      res.body.signature,
    ),
  ).toBe(true);
  return res.body.bundle;
}

describe('my tickets', () => {
  it('lists my tickets with seat and event; a ticket is visible to its holder only (others 404)', async () => {
    const fan = await signedIn(env);
    const stranger = await signedIn(env);
    const bought = await buySeats(env, sale, fan, 2);
    const mine = await env.api.get('/v1/me/tickets', { token: fan.token });
    expect(mine.status).toBe(200);
    expect(mine.body.tickets.map((t: any) => t.id).sort()).toEqual([...bought.ticketIds].sort());
    expect(mine.body.tickets[0]).toMatchObject({
      status: 'valid',
      version: 1,
      orderId: bought.orderId,
      transferable: true,
      tier: 'Stalls',
      seat: { section: 'A', row: '1' },
    });
    const one = await env.api.get(`/v1/tickets/${bought.ticketIds[0]}`, { token: fan.token });
    expect(one.status).toBe(200);
    expect(one.body.seatLabel).toMatch(/^A · Row 1 · Seat \d+$/);
    const theirs = await env.api.get(`/v1/tickets/${bought.ticketIds[0]}`, { token: stranger.token });
    expect(theirs.status).toBe(404);
    expect(theirs.body.code).toBe('tickets.not_found');
    expect((await env.api.get(`/v1/tickets/${bought.ticketIds[0]}/code`, { token: stranger.token })).status).toBe(404);
    expect((await env.api.get('/v1/me/tickets', { token: stranger.token })).body.tickets).toEqual([]);
  });

  it('answers the rotating code, when it changes, and an SVG QR; no printed code unless the event allows it', async () => {
    const fan = await signedIn(env);
    const { ticketIds } = await buySeats(env, sale, fan, 1);
    const res = await env.api.get(`/v1/tickets/${ticketIds[0]}/code`, { token: fan.token });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body.code).toMatch(/^FD1\.[\w-]+\.[0-9a-z]+\.[\w-]+$/);
    expect(res.body.qrSvg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    expect(new Date(res.body.refreshAt).getTime() - Date.now()).toBeLessThanOrEqual(ROTATION_STEP_SECONDS * 1000);
    expect(res.body.printed).toBeNull();
    expect(parseTicketCode(res.body.code)!.claims).toMatchObject({
      ticketId: ticketIds[0],
      eventId: sale.eventId,
      version: 1,
    });

    const forbidden = await env.api.patch(
      `/v1/events/${sale.eventId}/ticket-settings`,
      { printedCodesAllowed: true },
      { token: fan.token },
    );
    expect(forbidden.status).toBe(403);
    const on = await env.api.patch(
      `/v1/events/${sale.eventId}/ticket-settings`,
      { printedCodesAllowed: true },
      { token: sale.organizer.token },
    );
    expect(on.body).toMatchObject({ printedCodesAllowed: true, keyGeneration: 1 });
    const printed = await env.api.get(`/v1/tickets/${ticketIds[0]}/code`, { token: fan.token });
    expect(printed.body.printed.code).toBe(res.body.code.split('.').slice(0, 2).join('.'));
    expect(printed.body.printed.qrSvg).toContain('<svg');
    await env.api.patch(
      `/v1/events/${sale.eventId}/ticket-settings`,
      { printedCodesAllowed: false },
      { token: sale.organizer.token },
    );
  });

  it('publishes the public key; a code verifies offline from the bundle alone', async () => {
    const fan = await signedIn(env);
    const staff = await doorStaff(env, sale);
    const { ticketIds } = await buySeats(env, sale, fan, 1);
    const code = await codeOf(env, fan.token, ticketIds[0]!);
    const keys = await env.api.get(`/v1/events/${sale.eventId}/keys`);
    expect(keys.body.keys).toHaveLength(1);
    expect(keys.body.keys[0].keyId).toBe(parseTicketCode(code)!.claims.keyId);

    const bundle = await downloadBundle(staff.token);
    // From here on: no API, no database — the function a scanner runs.
    const now = Date.now();
    expect(verifyTicketCode(code, bundle, now)).toMatchObject({
      ok: true,
      printed: false,
      claims: { ticketId: ticketIds[0], version: 1 },
    });
  });

  it('refuses, offline, a tampered code, another event, an old version and a code two steps old', async () => {
    const fan = await signedIn(env);
    const friend = await signedInVerified(env);
    const staff = await doorStaff(env, sale);
    const { ticketIds } = await buySeats(env, sale, fan, 1);
    const otherTicket = await buySeats(env, other, fan, 1);
    const code = await codeOf(env, fan.token, ticketIds[0]!);
    const otherCode = await codeOf(env, fan.token, otherTicket.ticketIds[0]!);

    // Version 1 is given away: the ticket is at version 2 and the bundle says so.
    const offer = await env.api.post(
      `/v1/tickets/${ticketIds[0]}/transfers`,
      { toEmail: await emailOf(env, friend.userId) },
      { token: fan.token },
    );
    expect(offer.status).toBe(201);
    const token = await transferToken(env, offer.body.id);
    expect(
      (await env.api.post(`/v1/transfers/${offer.body.id}/accept`, { token }, { token: friend.token })).status,
    ).toBe(200);
    const bundle = await downloadBundle(staff.token);
    expect(bundle.revocations).toContainEqual({ ticketId: ticketIds[0], minVersion: 2 });
    const now = Date.now();

    const [prefix, blob, step, mac] = code.split('.');
    const bytes = Buffer.from(blob!, 'base64url');
    bytes[52] = bytes[52]! ^ 0x20; // one bit of the seat label
    expect(verifyTicketCode([prefix, bytes.toString('base64url'), step, mac].join('.'), bundle, now)).toMatchObject({
      ok: false,
      reason: 'invalid',
    });
    expect(verifyTicketCode(otherCode, bundle, now)).toMatchObject({ ok: false, reason: 'wrong_event' });
    expect(verifyTicketCode(code, bundle, now)).toMatchObject({ ok: false, reason: 'revoked' });
    const fresh = await codeOf(env, friend.token, ticketIds[0]!);
    expect(verifyTicketCode(fresh, bundle, now)).toMatchObject({ ok: true, claims: { version: 2 } });
    // The same code shown two 30-second steps later: a screenshot has stopped working.
    expect(verifyTicketCode(fresh, bundle, now + ROTATION_STEP_SECONDS * 1000)).toMatchObject({ ok: true });
    expect(verifyTicketCode(fresh, bundle, now + 2 * ROTATION_STEP_SECONDS * 1000 + 1000)).toMatchObject({
      ok: false,
      reason: 'expired_code',
    });
    // A static (printed) code is refused while the event does not allow printed codes.
    expect(verifyTicketCode(fresh.split('.').slice(0, 2).join('.'), bundle, now)).toMatchObject({
      ok: false,
      reason: 'expired_code',
    });
  });

  it('retiring the signing key kills every earlier code; check-in opening later makes codes not yet valid', async () => {
    const fan = await signedIn(env);
    const staff = await doorStaff(env, other);
    const { ticketIds } = await buySeats(env, other, fan, 1);
    const before = await codeOf(env, fan.token, ticketIds[0]!);
    const rotated = await env.api.patch(
      `/v1/events/${other.eventId}/ticket-settings`,
      { rotateKeys: true, checkinOpensAt: new Date(Date.now() + 3600_000).toISOString() },
      { token: other.organizer.token },
    );
    expect(rotated.body).toMatchObject({ keyGeneration: 2 });
    const bundle = await downloadBundle(staff.token, other.eventId);
    expect(verifyTicketCode(before, bundle, Date.now())).toMatchObject({ ok: false, reason: 'invalid' });
    const after = await codeOf(env, fan.token, ticketIds[0]!);
    expect(verifyTicketCode(after, bundle, Date.now())).toMatchObject({ ok: false, reason: 'not_yet_valid' });
    expect(verifyTicketCode(after, bundle, Date.now() + 3600_000)).toMatchObject({ ok: false, reason: 'expired_code' }); // the rotating step, an hour later
    // The same key derivation a scanner cannot do (no platform key) agrees with what the API signs.
    const keys = eventKeys(env.infra.signer, other.eventId, 2);
    const claims = parseTicketCode(after)!.claims;
    const regenerated = rotatingCode(
      signTicketCode(claims, keys.privateKey),
      ticketSecret(Buffer.from(keys.rotationKey, 'base64url'), claims.ticketId, claims.version),
      Date.now(),
    ).code;
    expect(regenerated.split('.').slice(0, 2)).toEqual(after.split('.').slice(0, 2));
    await env.api.patch(
      `/v1/events/${other.eventId}/ticket-settings`,
      { checkinOpensAt: null },
      { token: other.organizer.token },
    );
  });
});
