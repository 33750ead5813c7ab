import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/auth/principal.js';
import { checkins } from '../../src/checkin/checkin.table.js';
import { createSale, type SaleFixture } from '../support/commerce.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { buySeats, codeOf, doorStaff } from '../support/tickets-fixtures.js';

/**
 * Issue #16 rows 10 and 14: a check-in nonce belongs to the event whose door made the scan, and
 * an offline scanner's claimed scan time is judged inside the window of the bundle it used.
 */

const WINDOW_MINUTES = 10;
let env: TestEnv;
let a: SaleFixture;
let b: SaleFixture;
let staffA: { token: string; userId: string };
let staffB: { token: string; userId: string };
let fan: { token: string; userId: string };
beforeAll(async () => {
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '100000', CHECKIN_BUNDLE_VALID_MINUTES: String(WINDOW_MINUTES) });
  a = await createSale(env, { seats: 30 });
  b = await createSale(env, { seats: 30 });
  staffA = await doorStaff(env, a);
  staffB = await doorStaff(env, b);
  fan = await signedIn(env);
});
afterAll(() => env?.close());

const principal = (userId: string): Principal => ({
  userId,
  roles: ['staff'],
  email: '',
  displayName: '',
  sessionId: '',
  emailVerified: true,
});
const scan = (token: string, body: { code: string; gate: string; nonce: string; eventId?: string }) =>
  env.api.post('/v1/checkin', body, { token });
const sync = (token: string, eventId: string, body: unknown) =>
  env.api.post(`/v1/events/${eventId}/checkin/sync`, body, { token });
const windowOf = async (token: string, eventId: string) =>
  (await env.api.get(`/v1/events/${eventId}/checkin/bundle`, { token })).body.window;
/** The code the fan's phone showed at `atMs` (what a screenshot taken then holds). */
const codeAt = async (ticketId: string, atMs: number) =>
  (await env.server.app.services.tickets.code(principal(fan.userId), ticketId, atMs)).code;
const rowsOf = (eventId: string) =>
  env.infra.database.sql`select * from checkins where event_id = ${eventId} order by id`;
const rowsWithNonce = (nonce: string) =>
  env.infra.database.sql`select event_id, ticket_id, result, gate from checkins where nonce = ${nonce} order by id`;
const admittedRows = async (ticketId: string) =>
  (await env.infra.database.sql`select id from checkins where ticket_id = ${ticketId} and result = 'admitted'`).length;

describe('check-in nonces belong to their event', () => {
  it("staff of one event replaying another event's nonce get a scan of their own event, never its ticket, seat or gate", async () => {
    const [ticketA1, ticketA2] = (await buySeats(env, a, fan, 2)).ticketIds;
    const [ticketB] = (await buySeats(env, b, fan, 1)).ticketIds;
    const [online, bare, offline] = [randomUUID(), randomUUID(), randomUUID()];
    // Event B's door admits its ticket under three nonces, online and offline.
    const codeB = await codeOf(env, fan.token, ticketB!);
    expect(
      (await scan(staffB.token, { code: codeB, gate: 'B-Main', nonce: online, eventId: b.eventId })).body.result,
    ).toBe('admitted');
    for (const nonce of [bare, offline])
      expect((await scan(staffB.token, { code: codeB, gate: 'B-Main', nonce, eventId: b.eventId })).body.result).toBe(
        'already_used',
      );
    const before = await rowsOf(b.eventId);

    // Staff of A send B's nonce with anything at all: before the fix this answered B's admission.
    const probe = await scan(staffA.token, {
      code: 'FD1.not-a-ticket',
      gate: 'A-North',
      nonce: online,
      eventId: a.eventId,
    });
    expect(probe.status).toBe(200);
    expect(probe.body).toEqual({ result: 'invalid', ticket: null, seat: null, firstUsedAt: null, firstGate: null });

    // With one of A's tickets (and the event taken from the code) it is a new scan at A, and a retry answers the same.
    const codeA = await codeOf(env, fan.token, ticketA1!);
    const first = await scan(staffA.token, { code: codeA, gate: 'A-North', nonce: bare });
    expect(first.body).toMatchObject({
      result: 'admitted',
      ticket: { id: ticketA1, eventId: a.eventId },
      firstGate: 'A-North',
    });
    const retry = await scan(staffA.token, { code: codeA, gate: 'A-North', nonce: bare });
    expect(retry.body).toEqual(first.body);

    // An offline batch at A carrying B's nonce is A's scan; its re-upload answers the same.
    const batch = {
      gate: 'A-North',
      window: await windowOf(staffA.token, a.eventId),
      scans: [{ code: await codeOf(env, fan.token, ticketA2!), nonce: offline, scannedAt: new Date().toISOString() }],
    };
    const uploaded = await sync(staffA.token, a.eventId, batch);
    expect(uploaded.status).toBe(200);
    expect(uploaded.body.results).toMatchObject([{ nonce: offline, result: 'admitted', ticket: { id: ticketA2 } }]);
    expect((await sync(staffA.token, a.eventId, batch)).body).toEqual(uploaded.body);

    for (const answer of [probe.body, first.body, retry.body, uploaded.body]) {
      expect(JSON.stringify(answer)).not.toContain(ticketB);
      expect(JSON.stringify(answer)).not.toContain('B-Main');
    }
    expect(await rowsOf(b.eventId)).toEqual(before);
    for (const nonce of [online, bare, offline]) {
      const rows = await rowsWithNonce(nonce);
      expect(rows.map((r) => r.event_id).sort()).toEqual([a.eventId, b.eventId].sort());
    }
    expect(await admittedRows(ticketB!)).toBe(1);
  });

  it('one nonce sent at two events at once records one scan at each, each answering its own ticket', async () => {
    const [ticketA] = (await buySeats(env, a, fan, 1)).ticketIds;
    const [ticketB] = (await buySeats(env, b, fan, 1)).ticketIds;
    const [codeA, codeB] = [await codeOf(env, fan.token, ticketA!), await codeOf(env, fan.token, ticketB!)];
    const nonce = randomUUID();
    const answers = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        i % 2
          ? scan(staffA.token, { code: codeA, gate: 'A-East', nonce, eventId: a.eventId })
          : scan(staffB.token, { code: codeB, gate: 'B-East', nonce, eventId: b.eventId }),
      ),
    );
    answers.forEach((res, i) =>
      expect(res.body).toMatchObject({
        result: 'admitted',
        ticket: { id: i % 2 ? ticketA : ticketB },
        firstGate: i % 2 ? 'A-East' : 'B-East',
      }),
    );
    const rows = await rowsWithNonce(nonce);
    expect(rows.map((r) => [r.event_id, r.ticket_id, r.result]).sort()).toEqual(
      [
        [a.eventId, ticketA, 'admitted'],
        [b.eventId, ticketB, 'admitted'],
      ].sort(),
    );
  });
});

describe('offline scans are judged inside their bundle window', () => {
  it('a scan dated before its bundle was issued is judged at the issue time, so an old screenshot is refused', async () => {
    const [ticket, honest] = (await buySeats(env, a, fan, 2)).ticketIds;
    const shotAt = Date.now() - 5 * 60_000;
    const screenshot = await codeAt(ticket!, shotAt);
    const window = await windowOf(staffA.token, a.eventId);
    const batch = {
      gate: 'A-Side',
      window,
      scans: [
        { code: screenshot, nonce: randomUUID(), scannedAt: new Date(shotAt).toISOString(), localResult: 'admitted' },
        { code: await codeOf(env, fan.token, honest!), nonce: randomUUID(), scannedAt: new Date().toISOString() },
      ],
    };
    const res = await sync(staffA.token, a.eventId, batch);
    expect(res.status).toBe(200);
    expect(res.body.results).toMatchObject([
      {
        result: 'expired_code',
        clock: 'before_window',
        scannedAt: window.issuedAt,
        claimedAt: batch.scans[0]!.scannedAt,
      },
      { result: 'admitted', clock: 'in_window', scannedAt: batch.scans[1]!.scannedAt, ticket: { id: honest } },
    ]);
    expect(await admittedRows(ticket!)).toBe(0);
    const [row] = await env.infra.database.db
      .select({
        result: checkins.result,
        scannedAt: checkins.scannedAt,
        claimedAt: checkins.claimedAt,
        offline: checkins.offline,
      })
      .from(checkins)
      .where(eq(checkins.nonce, batch.scans[0]!.nonce));
    expect(row).toEqual({
      result: 'expired_code',
      scannedAt: new Date(window.issuedAt),
      claimedAt: new Date(shotAt),
      offline: true,
    });
    // The same batch again (the answer was lost): the same report, nothing new recorded.
    expect((await sync(staffA.token, a.eventId, batch)).body).toEqual(res.body);
    expect((await env.api.get(`/v1/tickets/${ticket}`, { token: fan.token })).body.status).toBe('valid');
  });

  it('a scan dated after its bundle expired, or after the upload, is judged at that bound', async () => {
    const [late, future, inside] = (await buySeats(env, a, fan, 3)).ticketIds;
    const now = Date.now();
    // A bundle downloaded 20 minutes ago: its window closed 10 minutes ago.
    const old = await env.server.app.services.checkin.bundle(principal(staffA.userId), a.eventId, now - 20 * 60_000);
    const shotAt = now - 2 * 60_000;
    const insideAt = now - 15 * 60_000;
    const batch = {
      gate: 'A-Side',
      window: old.window,
      scans: [
        { code: await codeAt(inside!, insideAt), nonce: randomUUID(), scannedAt: new Date(insideAt).toISOString() },
        { code: await codeAt(late!, shotAt), nonce: randomUUID(), scannedAt: new Date(shotAt).toISOString() },
      ],
    };
    const res = await sync(staffA.token, a.eventId, batch);
    expect(res.status).toBe(200);
    expect(res.body.results).toMatchObject([
      // Inside the window a claim is taken as is: this is the bound a dishonest scanner keeps (the window's length).
      { result: 'admitted', clock: 'in_window', ticket: { id: inside } },
      { result: 'expired_code', clock: 'after_window', scannedAt: old.window.expiresAt },
    ]);
    expect(await admittedRows(late!)).toBe(0);

    // A fresh bundle, a code of ten minutes ahead claimed for then: judged at the upload, it is not yet its step.
    const aheadAt = now + WINDOW_MINUTES * 60_000;
    const ahead = await sync(staffA.token, a.eventId, {
      gate: 'A-Side',
      window: await windowOf(staffA.token, a.eventId),
      scans: [
        { code: await codeAt(future!, aheadAt), nonce: randomUUID(), scannedAt: new Date(aheadAt).toISOString() },
      ],
    });
    expect(ahead.body.results).toMatchObject([{ result: 'expired_code', clock: 'after_window' }]);
    expect(Date.parse(ahead.body.results[0].scannedAt)).toBeLessThan(aheadAt - 9 * 60_000);
    expect(await admittedRows(future!)).toBe(0);
  });

  it('a tampered, foreign or missing bundle window is refused with a 4xx and records nothing', async () => {
    const [ticket] = (await buySeats(env, a, fan, 1)).ticketIds;
    const code = await codeOf(env, fan.token, ticket!);
    const window = await windowOf(staffA.token, a.eventId);
    const bundleB = (await env.api.get(`/v1/events/${b.eventId}/checkin/bundle`, { token: staffB.token })).body;
    const nonce = randomUUID();
    const upload = (w: unknown) =>
      sync(staffA.token, a.eventId, {
        gate: 'A-Side',
        ...(w === undefined ? {} : { window: w }),
        scans: [{ code, nonce, scannedAt: new Date(Date.now() - 60 * 60_000).toISOString() }],
      });
    const bad = [
      { ...window, issuedAt: new Date(Date.parse(window.issuedAt) - 60 * 60_000).toISOString() },
      { ...window, expiresAt: new Date(Date.parse(window.expiresAt) + 24 * 60 * 60_000).toISOString() },
      bundleB.window,
      { ...window, signature: bundleB.signature },
      { ...window, signature: 'A'.repeat(86) },
    ];
    for (const w of bad) {
      const res = await upload(w);
      expect(res.status).toBe(422);
      expect(res.contentType).toMatch(/application\/problem\+json/);
      expect(res.body).toMatchObject({
        code: 'checkin.bundle_window_invalid',
        errors: [{ in: 'body', field: 'window' }],
      });
    }
    const missing = await upload(undefined);
    expect(missing.status).toBe(400);
    expect(missing.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'window' })]));
    expect(await rowsWithNonce(nonce)).toEqual([]);
  });

  it('scans uploaded out of time order are refused whole, naming the first out of order', async () => {
    const [one, two] = (await buySeats(env, a, fan, 2)).ticketIds;
    const now = Date.now();
    const scans = [
      { code: await codeOf(env, fan.token, one!), nonce: randomUUID(), scannedAt: new Date(now).toISOString() },
      { code: await codeOf(env, fan.token, two!), nonce: randomUUID(), scannedAt: new Date(now - 1000).toISOString() },
    ];
    const res = await sync(staffA.token, a.eventId, {
      gate: 'A-Side',
      window: await windowOf(staffA.token, a.eventId),
      scans,
    });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({
      code: 'checkin.scans_out_of_order',
      errors: [{ in: 'body', field: 'scans.1.scannedAt', code: 'out_of_order' }],
    });
    expect(await env.infra.database.sql`select id from checkins where ticket_id in (${one!}, ${two!})`).toEqual([]);
  });
});
