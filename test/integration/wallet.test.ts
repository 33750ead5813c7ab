import { spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyTicketCode, type OfflineBundle } from '../../src/tickets/codes.js';
import { walletModule } from '../../src/wallet/wallet.jobs.js';
import { createSale, holdDirect, type SaleFixture } from '../support/commerce.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn, signedInVerified } from '../support/fixtures.js';
import { buySeats, doorStaff, emailOf, until } from '../support/tickets-fixtures.js';
import {
  appleKit,
  fakeApns,
  fakeGoogle,
  googleKit,
  unzip,
  verifyDetachedPkcs7,
  verifyJwt,
  type AppleKit,
} from '../support/wallet.js';

let env: TestEnv;
let sale: SaleFixture;
let staff: { token: string; userId: string };
let apple: AppleKit;
let google: ReturnType<typeof googleKit>;
let fake: Awaited<ReturnType<typeof fakeGoogle>>;
let apns: Awaited<ReturnType<typeof fakeApns>>;
let worker: { close(): Promise<void> };
/** The pass's signature is also checked by OpenSSL where it is installed (it is on Debian and in CI). */
const openssl = spawnSync('openssl', ['version']).status === 0;

beforeAll(async () => {
  apple = appleKit();
  google = googleKit();
  fake = await fakeGoogle(google.publicKeyPem);
  apns = await fakeApns();
  // The certificate by path, the rest as PEM values: both forms an operator may use.
  const dir = await mkdtemp(join(tmpdir(), 'fairdrop-wallet-'));
  await writeFile(join(dir, 'pass.pem'), apple.certPem);
  env = await createTestEnv({
    AUTH_LIMIT_PER_IP: '100000',
    APPLE_PASS_TYPE_ID: apple.passTypeId,
    APPLE_TEAM_ID: apple.teamId,
    APPLE_PASS_CERT: join(dir, 'pass.pem'),
    APPLE_PASS_KEY: apple.keyPem,
    APPLE_WWDR_CERT: apple.wwdrPem.replace(/\n/g, '\\n'),
    GOOGLE_WALLET_ISSUER_ID: google.issuerId,
    GOOGLE_WALLET_SERVICE_ACCOUNT_EMAIL: google.email,
    GOOGLE_WALLET_PRIVATE_KEY: google.privateKeyPem,
    GOOGLE_WALLET_API_BASE: fake.base,
    GOOGLE_OAUTH_TOKEN_URL: `${fake.base}/token`,
    APPLE_APNS_URL: apns.url,
    APPLE_APNS_CA: apns.caPem,
    WALLET_SYNC_POLL_MS: '100',
  });
  sale = await createSale(env, { seats: 20 });
  staff = await doorStaff(env, sale);
  worker = await walletModule.start(env.infra);
});
afterAll(async () => {
  await worker?.close();
  await env?.close();
  await fake?.close();
  await apns?.close();
});

/** The pass's bytes (ApiClient reads text, which a zip is not). */
async function download(path: string, headers: Record<string, string>) {
  const res = await fetch(`${env.api.baseUrl}${path}`, { headers });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}
const pkpass = (token: string, ticketId: string) =>
  download(`/v1/tickets/${ticketId}/pass.pkpass`, { authorization: `Bearer ${token}` });
const passJson = async (bytes: Buffer) => JSON.parse((await unzip(bytes))['pass.json']!.toString('utf8'));
const scan = (code: string) =>
  env.api.post('/v1/checkin', { code, gate: 'Wallet gate', nonce: randomUUID() }, { token: staff.token });
const bundle = async (): Promise<{ bundle: OfflineBundle; window: unknown }> =>
  (await env.api.get(`/v1/events/${sale.eventId}/checkin/bundle`, { token: staff.token })).body;

async function transfer(from: { token: string }, to: { token: string; userId: string }, ticketId: string) {
  const offered = await env.api.post(
    `/v1/tickets/${ticketId}/transfers`,
    { toEmail: await emailOf(env, to.userId) },
    { token: from.token },
  );
  expect(offered.status).toBe(201);
  const accepted = await env.api.post(`/v1/transfers/${offered.body.id}/accept`, {}, { token: to.token });
  expect(accepted.status).toBe(200);
}

describe('Apple Wallet', () => {
  it('serves a signed .pkpass: manifest hashes match, the PKCS#7 verifies with the pass certificate, its code admits', async () => {
    const fan = await signedIn(env);
    const { ticketIds } = await buySeats(env, sale, fan, 1);
    const res = await pkpass(fan.token, ticketIds[0]!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.apple.pkpass');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const files = await unzip(res.bytes);
    expect(Object.keys(files).sort()).toEqual(
      ['icon.png', 'icon@2x.png', 'logo.png', 'logo@2x.png', 'manifest.json', 'pass.json', 'signature'].sort(),
    );
    const manifest = JSON.parse(files['manifest.json']!.toString('utf8'));
    expect(Object.keys(manifest).sort()).toEqual(
      Object.keys(files)
        .filter((f) => f !== 'manifest.json' && f !== 'signature')
        .sort(),
    );
    for (const [name, hash] of Object.entries(manifest))
      expect(createHash('sha1').update(files[name]!).digest('hex'), name).toBe(hash);
    const check = verifyDetachedPkcs7(files.signature!, files['manifest.json']!, apple.certPem);
    expect(check).toMatchObject({ ok: true, digestMatches: true });
    // It carries the pass certificate and the WWDR intermediate, so a device can chain it to Apple.
    expect(check.certificates).toEqual([apple.certPem, apple.wwdrPem]);
    // OpenSSL, as a device would, verifies the signature and chains the signer to the WWDR certificate.
    if (openssl) {
      const dir = await mkdtemp(join(tmpdir(), 'fairdrop-pkpass-'));
      for (const [name, bytes] of Object.entries({ ...files, 'wwdr.pem': Buffer.from(apple.wwdrPem) }))
        await writeFile(join(dir, name), bytes);
      const cms = (content: string) =>
        spawnSync(
          'openssl',
          ['cms', '-verify', '-binary', '-inform', 'DER', '-in', 'signature', '-content', content].concat([
            '-CAfile',
            'wwdr.pem',
            '-purpose',
            'any',
            '-out',
            '/dev/null',
          ]),
          { cwd: dir, encoding: 'utf8' },
        );
      expect(cms('manifest.json').status, cms('manifest.json').stderr).toBe(0);
      expect(cms('pass.json').status).not.toBe(0);
    }
    // Tampering with any file breaks the manifest's hash; a changed manifest breaks the signature.
    const forged = Buffer.from(files['manifest.json']!.toString().replace(/"pass.json":"[0-9a-f]/, '"pass.json":"_'));
    expect(verifyDetachedPkcs7(files.signature!, forged, apple.certPem).ok).toBe(false);

    const pass = JSON.parse(files['pass.json']!.toString('utf8'));
    expect(pass).toMatchObject({
      formatVersion: 1,
      passTypeIdentifier: apple.passTypeId,
      teamIdentifier: apple.teamId,
      webServiceURL: `${env.server.url}/v1/passkit`,
      barcodes: [{ format: 'PKBarcodeFormatQR', messageEncoding: 'iso-8859-1' }],
    });
    expect(pass.authenticationToken.length).toBeGreaterThanOrEqual(16);
    const [row] = await env.infra.database
      .sql`select id, holder_id from wallet_passes where ticket_id = ${ticketIds[0]!} and kind = 'apple'`;
    expect(row).toMatchObject({ id: pass.serialNumber, holder_id: fan.userId });
    // A second download is the same pass (serial), not a second one.
    expect((await passJson((await pkpass(fan.token, ticketIds[0]!)).bytes)).serialNumber).toBe(pass.serialNumber);

    // The event does not allow printed codes, yet the pass's code admits, online and offline.
    const code: string = pass.barcodes[0].message;
    const offline = await bundle();
    expect(offline.bundle.printedAllowed).toBe(false);
    expect(verifyTicketCode(code, offline.bundle, Date.now())).toMatchObject({
      ok: true,
      claims: { ticketId: ticketIds[0], version: 1, pass: true },
    });
    expect((await scan(code)).body).toMatchObject({ result: 'admitted', ticket: { id: ticketIds[0], version: 1 } });
    expect((await scan(code)).body.result).toBe('already_used');
  });

  it('answers 404 to anyone but the holder, and 401 to a device without the pass’s token', async () => {
    const fan = await signedIn(env);
    const other = await signedIn(env);
    const admin = await signedIn(env, ['admin'], 'admin');
    const { ticketIds } = await buySeats(env, sale, fan, 1);
    for (const who of [other, admin]) {
      const res = await env.api.get(`/v1/tickets/${ticketIds[0]}/pass.pkpass`, { token: who.token });
      expect(res.status).toBe(404);
      expect(res.contentType).toMatch(/application\/problem\+json/);
      expect(res.body.code).toBe('tickets.not_found');
      expect((await env.api.get(`/v1/tickets/${ticketIds[0]}/google-wallet`, { token: who.token })).body.code).toBe(
        'tickets.not_found',
      );
    }
    expect((await env.api.get(`/v1/tickets/${ticketIds[0]}/pass.pkpass`)).status).toBe(401);
    const pass = await passJson((await pkpass(fan.token, ticketIds[0]!)).bytes);
    const path = `/v1/passkit/v1/passes/${apple.passTypeId}/${pass.serialNumber}`;
    expect((await env.api.get(path)).status).toBe(401);
    const wrong = await env.api.get(path, { headers: { authorization: 'ApplePass not-the-token-of-this-pass' } });
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('wallet.pass_unauthorized');
    const otherType = await env.api.get(`/v1/passkit/v1/passes/pass.other.type/${pass.serialNumber}`, {
      headers: { authorization: `ApplePass ${pass.authenticationToken}` },
    });
    expect(otherType.status).toBe(404);
    // No pass row was made for anyone but the holder.
    const rows = await env.infra.database.sql`select holder_id from wallet_passes where ticket_id = ${ticketIds[0]!}`;
    expect(rows.map((r) => r.holder_id)).toEqual([fan.userId]);
  });

  it('a transferred ticket: the old pass’s code answers revoked online and offline; its device fetches the voided pass; the new holder’s pass admits', async () => {
    const sender = await signedIn(env);
    const friend = await signedInVerified(env);
    const { ticketIds } = await buySeats(env, sale, sender, 1);
    const ticketId = ticketIds[0]!;
    const old = await passJson((await pkpass(sender.token, ticketId)).bytes);
    const auth = { authorization: `ApplePass ${old.authenticationToken}` };
    const device = `device-${randomUUID()}`;
    const registration = `/v1/passkit/v1/devices/${device}/registrations/${apple.passTypeId}/${old.serialNumber}`;
    expect((await env.api.post(registration, { pushToken: 'apns-token-1' }, { headers: auth })).status).toBe(201);
    expect((await env.api.post(registration, { pushToken: 'apns-token-2' }, { headers: auth })).status).toBe(200);
    const [reg] = await env.infra.database
      .sql`select push_token from wallet_registrations where device_id = ${device} and pass_id = ${old.serialNumber}`;
    expect(reg!.push_token).toBe('apns-token-2');

    const changes = `/v1/passkit/v1/devices/${device}/registrations/${apple.passTypeId}`;
    const first = await env.api.get(changes);
    expect(first.body.serialNumbers).toEqual([old.serialNumber]);
    const latest = `/v1/passkit/v1/passes/${apple.passTypeId}/${old.serialNumber}`;
    const before = await download(latest, auth);
    expect(before.status).toBe(200);
    const lastModified = before.headers.get('last-modified')!;
    expect((await download(latest, { ...auth, 'if-modified-since': lastModified })).status).toBe(304);

    await new Promise((r) => setTimeout(r, 1100)); // Last-Modified has whole seconds
    await transfer(sender, friend, ticketId);

    // At the door: online, and from a bundle downloaded after the transfer.
    const oldCode: string = old.barcodes[0].message;
    expect((await scan(oldCode)).body.result).toBe('revoked');
    const offline = await bundle();
    expect(verifyTicketCode(oldCode, offline.bundle, Date.now())).toMatchObject({ ok: false, reason: 'revoked' });
    const synced = await env.api.post(
      `/v1/events/${sale.eventId}/checkin/sync`,
      {
        gate: 'Offline gate',
        window: offline.window,
        scans: [{ code: oldCode, nonce: randomUUID(), scannedAt: new Date().toISOString(), localResult: 'revoked' }],
      },
      { token: staff.token },
    );
    expect(synced.body.results[0].result).toBe('revoked');

    // The device hears of it and gets the voided pass: no barcode, and why.
    const after = await env.api.get(`${changes}?passesUpdatedSince=${first.body.lastUpdated}`);
    expect(after.status).toBe(200);
    expect(after.body.serialNumbers).toEqual([old.serialNumber]);
    const refreshed = await download(latest, { ...auth, 'if-modified-since': lastModified });
    expect(refreshed.status).toBe(200);
    const voided = await passJson(refreshed.bytes);
    expect(voided).toMatchObject({ serialNumber: old.serialNumber, voided: true });
    expect(voided.barcodes).toBeUndefined();
    expect(JSON.stringify(voided.eventTicket)).toContain('moved to another account');

    // The former holder can no longer download it; the new holder gets a pass of their own that admits.
    expect((await env.api.get(`/v1/tickets/${ticketId}/pass.pkpass`, { token: sender.token })).status).toBe(404);
    const fresh = await passJson((await pkpass(friend.token, ticketId)).bytes);
    expect(fresh.serialNumber).not.toBe(old.serialNumber);
    expect((await scan(fresh.barcodes[0].message)).body).toMatchObject({ result: 'admitted', ticket: { version: 2 } });

    // A device that removes the pass stops being told.
    expect((await env.api.delete(registration, { headers: auth })).status).toBe(200);
    expect((await env.api.get(changes)).status).toBe(204);
  });
});

describe('Apple Wallet updates', () => {
  it('tells each device registered for a changed pass through APNs (its topic, the pass certificate); a token APNs calls gone is dropped', async () => {
    const sender = await signedIn(env);
    const friend = await signedInVerified(env);
    const { ticketIds } = await buySeats(env, sale, sender, 1);
    const pass = await passJson((await pkpass(sender.token, ticketIds[0]!)).bytes);
    const auth = { authorization: `ApplePass ${pass.authenticationToken}` };
    const [phone, old] = [`phone-${randomUUID()}`, `old-${randomUUID()}`];
    const register = (device: string, pushToken: string) =>
      env.api.post(
        `/v1/passkit/v1/devices/${device}/registrations/${apple.passTypeId}/${pass.serialNumber}`,
        { pushToken },
        { headers: auth },
      );
    expect((await register(phone, `tok-${phone}`)).status).toBe(201);
    expect((await register(old, `tok-${old}`)).status).toBe(201);
    apns.gone.add(`tok-${old}`);
    // Registering is not a change: nobody is told yet.
    await new Promise((r) => setTimeout(r, 500));
    expect(apns.pushes.filter((p) => p.path.includes(phone))).toEqual([]);

    await transfer(sender, friend, ticketIds[0]!);
    await until(() => apns.pushes.some((p) => p.path === `/3/device/tok-${phone}`));
    expect(apns.pushes.find((p) => p.path === `/3/device/tok-${phone}`)).toMatchObject({
      topic: apple.passTypeId,
      clientCertificate: 'Pass Type ID: pass.test.fairdrop.tickets',
      body: '{}',
    });
    await until(
      async () =>
        (await env.infra.database.sql`select 1 from wallet_registrations where device_id = ${old}`).length === 0,
    );
    // Told once per change, however many looks reach back over it.
    await new Promise((r) => setTimeout(r, 500));
    expect(apns.pushes.filter((p) => p.path === `/3/device/tok-${phone}`)).toHaveLength(1);
  });
});

describe('Google Wallet', () => {
  it('signs a save link (RS256, the service account) for the holder, with a code the door admits', async () => {
    const fan = await signedIn(env);
    const { ticketIds } = await buySeats(env, sale, fan, 1);
    const res = await env.api.get(`/v1/tickets/${ticketIds[0]}/google-wallet`, { token: fan.token });
    expect(res.status).toBe(200);
    expect(res.body.url).toMatch(/^https:\/\/pay\.google\.com\/gp\/v\/save\/[\w-]+\.[\w-]+\.[\w-]+$/);
    const jwt = res.body.url.slice('https://pay.google.com/gp/v/save/'.length);
    const { header, claims } = verifyJwt(jwt, google.publicKeyPem);
    expect(header).toEqual({ alg: 'RS256', typ: 'JWT' });
    expect(claims).toMatchObject({ iss: google.email, aud: 'google', typ: 'savetowallet' });
    expect(claims.origins).toEqual([new URL(env.server.url).origin]);
    const object = claims.payload.eventTicketObjects[0];
    expect(object).toMatchObject({
      id: res.body.objectId,
      classId: `${google.issuerId}.fairdrop-event-${sale.eventId}`,
      state: 'ACTIVE',
      ticketNumber: ticketIds[0],
      barcode: { type: 'QR_CODE' },
    });
    expect(claims.payload.eventTicketClasses[0].id).toBe(object.classId);
    // Another key's signature does not pass for the service account's.
    expect(() => verifyJwt(jwt, googleKit().publicKeyPem)).toThrow();
    const offline = await bundle();
    expect(verifyTicketCode(object.barcode.value, offline.bundle, Date.now()).ok).toBe(true);
    expect((await scan(object.barcode.value)).body.result).toBe('admitted');
  });

  it('a transfer queues the object’s update in the same transaction; the worker sends it INACTIVE, without its barcode', async () => {
    const sender = await signedIn(env);
    const friend = await signedInVerified(env);
    const { ticketIds } = await buySeats(env, sale, sender, 1);
    const link = await env.api.get(`/v1/tickets/${ticketIds[0]}/google-wallet`, { token: sender.token });
    const objectId: string = link.body.objectId;
    await transfer(sender, friend, ticketIds[0]!);
    await until(async () => {
      const rows = await env.infra.database.sql`select u.status from wallet_google_updates u
        join wallet_passes p on p.id = u.pass_id where p.ticket_id = ${ticketIds[0]!}`;
      return rows.length > 0 && rows.every((r) => r.status === 'sent');
    });
    const [row] = await env.infra.database.sql`select u.state, u.attempts from wallet_google_updates u
      join wallet_passes p on p.id = u.pass_id where p.ticket_id = ${ticketIds[0]!}`;
    expect(row).toMatchObject({ state: 'INACTIVE' });
    const sent = fake.calls.filter((c) => c.path.endsWith(encodeURIComponent(objectId)));
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      method: 'PATCH',
      path: `/walletobjects/v1/eventTicketObject/${encodeURIComponent(objectId)}`,
      authorization: 'Bearer fake-access-token',
      body: { id: objectId, state: 'INACTIVE', barcode: null },
    });
  });

  it('a refund expires the Google object and voids the Apple pass; its code answers revoked', async () => {
    const fan = await signedIn(env);
    const bought = await buySeats(env, sale, fan, 1);
    const ticketId = bought.ticketIds[0]!;
    const link = await env.api.get(`/v1/tickets/${ticketId}/google-wallet`, { token: fan.token });
    const pass = await passJson((await pkpass(fan.token, ticketId)).bytes);
    const refund = await env.api.patch(
      `/v1/orders/${bought.orderId}`,
      { cancel: {} },
      { token: fan.token, headers: { 'idempotency-key': randomUUID() } },
    );
    expect(refund.status).toBe(200);
    expect((await scan(pass.barcodes[0].message)).body.result).toBe('revoked');
    await until(() => fake.calls.some((c) => c.path.endsWith(encodeURIComponent(link.body.objectId))));
    expect(fake.calls.find((c) => c.path.endsWith(encodeURIComponent(link.body.objectId)))!.body).toMatchObject({
      state: 'EXPIRED',
      barcode: null,
    });
    const latest = await download(`/v1/passkit/v1/passes/${apple.passTypeId}/${pass.serialNumber}`, {
      authorization: `ApplePass ${pass.authenticationToken}`,
    });
    const voided = await passJson(latest.bytes);
    expect(voided).toMatchObject({ voided: true });
    expect(JSON.stringify(voided.eventTicket)).toContain('cancelled or refunded');
    // And the holder is told the ticket no longer admits, not handed a pass.
    expect((await env.api.get(`/v1/tickets/${ticketId}/pass.pkpass`, { token: fan.token })).body.code).toBe(
      'tickets.not_valid',
    );
  });

  it('an exchange keeps both passes with the holder: they update to the new seat and code, the old code answers revoked', async () => {
    const fan = await signedIn(env);
    const bought = await buySeats(env, sale, fan, 1);
    const ticketId = bought.ticketIds[0]!;
    const link = await env.api.get(`/v1/tickets/${ticketId}/google-wallet`, { token: fan.token });
    const pass = await passJson((await pkpass(fan.token, ticketId)).bytes);
    const holdId = await holdDirect(env, sale, fan.userId, { seatIds: [sale.seatIds[19]!] });
    const exchanged = await env.api.patch(
      `/v1/orders/${bought.orderId}`,
      { exchange: { ticketIds: [ticketId], holdId } },
      { token: fan.token, headers: { 'idempotency-key': randomUUID() } },
    );
    expect(exchanged.status).toBe(200);
    expect((await scan(pass.barcodes[0].message)).body.result).toBe('revoked');
    const latest = await passJson(
      (
        await download(`/v1/passkit/v1/passes/${apple.passTypeId}/${pass.serialNumber}`, {
          authorization: `ApplePass ${pass.authenticationToken}`,
        })
      ).bytes,
    );
    expect(latest.voided).toBeUndefined();
    expect(latest.barcodes[0].message).not.toBe(pass.barcodes[0].message);
    expect(latest.barcodes[0].altText).not.toBe(pass.barcodes[0].altText);
    const objectPath = (c: { path: string }) => c.path.endsWith(encodeURIComponent(link.body.objectId));
    await until(() => fake.calls.some(objectPath));
    const sent = fake.calls.find(objectPath)!.body;
    expect(sent).toMatchObject({ state: 'ACTIVE', barcode: { type: 'QR_CODE' } });
    expect(sent.barcode.value).toBe(latest.barcodes[0].message);
    expect((await scan(sent.barcode.value)).body).toMatchObject({ result: 'admitted', ticket: { version: 2 } });
  });

  it('an object the fan never saved (404 at Google) is settled, not retried', async () => {
    const sender = await signedIn(env);
    const friend = await signedInVerified(env);
    const { ticketIds } = await buySeats(env, sale, sender, 1);
    const link = await env.api.get(`/v1/tickets/${ticketIds[0]}/google-wallet`, { token: sender.token });
    fake.missing.add(link.body.objectId);
    await transfer(sender, friend, ticketIds[0]!);
    await until(async () => {
      const rows = await env.infra.database.sql`select u.status, u.state from wallet_google_updates u
        join wallet_passes p on p.id = u.pass_id where p.ticket_id = ${ticketIds[0]!}`;
      return rows.length === 1 && rows[0]!.status === 'sent' && rows[0]!.state === 'NOT_SAVED';
    });
  });
});

describe('without wallet credentials', () => {
  let bare: TestEnv;
  let bareSale: SaleFixture;
  beforeAll(async () => {
    bare = await createTestEnv({ AUTH_LIMIT_PER_IP: '100000' });
    bareSale = await createSale(bare, { seats: 2 });
  });
  afterAll(() => bare?.close());

  it('offers no wallet, and each route answers 503 naming what the operator must set', async () => {
    expect((await bare.api.get('/v1/wallet')).body).toEqual({ apple: false, google: false });
    const fan = await signedIn(bare);
    const { ticketIds } = await buySeats(bare, bareSale, fan, 1);
    const a = await bare.api.get(`/v1/tickets/${ticketIds[0]}/pass.pkpass`, { token: fan.token });
    expect(a.status).toBe(503);
    expect(a.contentType).toMatch(/application\/problem\+json/);
    expect(a.body).toMatchObject({
      code: 'wallet.apple_unavailable',
      missing: ['APPLE_PASS_TYPE_ID', 'APPLE_TEAM_ID', 'APPLE_PASS_CERT', 'APPLE_PASS_KEY', 'APPLE_WWDR_CERT'],
    });
    const g = await bare.api.get(`/v1/tickets/${ticketIds[0]}/google-wallet`, { token: fan.token });
    expect(g.status).toBe(503);
    expect(g.body).toMatchObject({
      code: 'wallet.google_unavailable',
      missing: ['GOOGLE_WALLET_ISSUER_ID', 'GOOGLE_WALLET_SERVICE_ACCOUNT_EMAIL', 'GOOGLE_WALLET_PRIVATE_KEY'],
    });
    expect((await env.api.get('/v1/wallet')).body).toEqual({ apple: true, google: true });
  });
});
