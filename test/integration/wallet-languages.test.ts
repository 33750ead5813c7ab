import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailTime } from '../../src/shared/zoned-time.js';
import { createSale, type SaleFixture } from '../support/commerce.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { buySeats } from '../support/tickets-fixtures.js';
import { appleKit, googleKit, unzip, verifyJwt, type AppleKit } from '../support/wallet.js';

/**
 * A pass speaks its holder's language: the one their download negotiated (`?lang=`, the fd_lang
 * cookie, Accept-Language), kept on the pass for the refreshes a device asks for without it.
 */

let env: TestEnv;
let sale: SaleFixture;
let apple: AppleKit;
let google: ReturnType<typeof googleKit>;

beforeAll(async () => {
  apple = appleKit();
  google = googleKit();
  env = await createTestEnv({
    AUTH_LIMIT_PER_IP: '100000',
    APPLE_PASS_TYPE_ID: apple.passTypeId,
    APPLE_TEAM_ID: apple.teamId,
    APPLE_PASS_CERT: apple.certPem.replace(/\n/g, '\\n'),
    APPLE_PASS_KEY: apple.keyPem,
    APPLE_WWDR_CERT: apple.wwdrPem.replace(/\n/g, '\\n'),
    GOOGLE_WALLET_ISSUER_ID: google.issuerId,
    GOOGLE_WALLET_SERVICE_ACCOUNT_EMAIL: google.email,
    GOOGLE_WALLET_PRIVATE_KEY: google.privateKeyPem,
  });
  sale = await createSale(env, { seats: 10 });
});
afterAll(() => env?.close());

async function pkpass(path: string, headers: Record<string, string>) {
  const res = await fetch(`${env.api.baseUrl}${path}`, { headers });
  expect(res.status).toBe(200);
  return JSON.parse((await unzip(Buffer.from(await res.arrayBuffer())))['pass.json']!.toString('utf8'));
}

type Field = { key: string; label: string; value: string };
const fields = (pass: { eventTicket: Record<string, Field[]> }) =>
  Object.fromEntries(Object.values(pass.eventTicket).flatMap((list) => list.map((f) => [f.key, f])));

async function whenAt(ticketId: string): Promise<{ startsAt: Date; zone: string }> {
  const [row] = await env.infra.database.sql`select e.starts_at, v.time_zone from tickets t
    join events e on e.id = t.event_id join venues v on v.id = e.venue_id where t.id = ${ticketId}`;
  return { startsAt: new Date(row!.starts_at), zone: row!.time_zone };
}

describe('wallet passes in the holder’s language', () => {
  it('labels a German holder’s Apple pass in German, dates the German way, and keeps it on refresh', async () => {
    const fan = await signedIn(env);
    const [ticketId] = (await buySeats(env, sale, fan, 1)).ticketIds;
    const pass = await pkpass(`/v1/tickets/${ticketId}/pass.pkpass`, {
      authorization: `Bearer ${fan.token}`,
      'accept-language': 'de-DE,de;q=0.9,en;q=0.5',
    });
    const f = fields(pass);
    expect(pass.description).toMatch(/^Ticket für /);
    expect(f.event!.label).toBe('VERANSTALTUNG');
    expect(f.seat).toMatchObject({ label: 'PLATZ', value: expect.stringMatching(/ · Reihe \d+ · Platz \d+$/) });
    expect(f.starts!.label).toBe('BEGINN');
    expect(f.venue!.label).toBe('ORT');
    expect(f.ticket).toMatchObject({ label: 'Ticketnummer', value: `${ticketId} (Version 1)` });
    expect(f.door!.label).toBe('Am Einlass');
    expect(f.door!.value).toMatch(/^Zeigen Sie diesen Code am Einlass/);
    const { startsAt, zone } = await whenAt(ticketId!);
    expect(f.when).toMatchObject({ label: 'Wann', value: mailTime(startsAt, zone, 'de') });
    // Intl's German: "Sa., 12. Dez. 2026, 20:00 …".
    expect(f.when!.value).toMatch(/^\p{L}{2}\., \d{1,2}\. \p{L}+\.? \d{4}, \d{2}:\d{2} /u);
    expect(JSON.stringify(pass.eventTicket)).not.toMatch(/\b(EVENT|SEAT|STARTS|VENUE|At the door|Row|Seat)\b/);
    const [row] = await env.infra.database.sql`select locale from wallet_passes where id = ${pass.serialNumber}`;
    expect(row).toEqual({ locale: 'de' });

    // The device's refresh carries no language of the holder's: the pass keeps German.
    const refreshed = await pkpass(`/v1/passkit/v1/passes/${apple.passTypeId}/${pass.serialNumber}`, {
      authorization: `ApplePass ${pass.authenticationToken}`,
    });
    expect(fields(refreshed).event!.label).toBe('VERANSTALTUNG');

    // Downloaded again in Spanish: the same pass (serial), now in Spanish.
    const spanish = await pkpass(`/v1/tickets/${ticketId}/pass.pkpass?lang=es`, {
      authorization: `Bearer ${fan.token}`,
      'accept-language': 'de-DE',
    });
    expect(spanish.serialNumber).toBe(pass.serialNumber);
    expect(spanish.description).toMatch(/^Entrada para /);
    expect(fields(spanish)).toMatchObject({
      event: { label: 'EVENTO' },
      seat: { label: 'ASIENTO', value: expect.stringMatching(/ · Fila \d+ · Asiento \d+$/) },
      when: { label: 'Cuándo', value: mailTime(startsAt, zone, 'es') },
    });
  });

  it('keeps English for an English holder', async () => {
    const fan = await signedIn(env);
    const [ticketId] = (await buySeats(env, sale, fan, 1)).ticketIds;
    const pass = await pkpass(`/v1/tickets/${ticketId}/pass.pkpass`, {
      authorization: `Bearer ${fan.token}`,
      'accept-language': 'en-US,en;q=0.9',
    });
    expect(pass.description).toMatch(/^Ticket for /);
    expect(fields(pass)).toMatchObject({
      event: { label: 'EVENT' },
      seat: { label: 'SEAT', value: expect.stringMatching(/ · Row \d+ · Seat \d+$/) },
      door: { label: 'At the door' },
    });
  });

  it('writes a Google pass’s texts in the holder’s language (fd_lang cookie)', async () => {
    const fan = await signedIn(env);
    const [ticketId] = (await buySeats(env, sale, fan, 1)).ticketIds;
    const res = await env.api.get(`/v1/tickets/${ticketId}/google-wallet`, {
      token: fan.token,
      headers: { cookie: 'fd_lang=de' },
    });
    expect(res.status).toBe(200);
    const { claims } = verifyJwt(res.body.url.slice('https://pay.google.com/gp/v/save/'.length), google.publicKeyPem);
    const object = claims.payload.eventTicketObjects[0];
    expect(object.ticketType.defaultValue.language).toBe('de-DE');
    expect(object.textModulesData).toEqual([
      { id: 'door', header: 'Am Einlass', body: expect.stringMatching(/^Zeigen Sie diesen Code/) },
    ]);
    expect(object.barcode.alternateText).toMatch(/ · Reihe \d+ · Platz \d+$/);
    expect(claims.payload.eventTicketClasses[0].eventName.defaultValue.language).toBe('de-DE');
  });
});
