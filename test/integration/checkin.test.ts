import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROTATION_STEP_SECONDS } from '../../src/tickets/codes.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { createSale, type SaleFixture } from '../support/commerce.js';
import { buySeats, codeOf, doorStaff } from '../support/tickets-fixtures.js';

let env: TestEnv;
let sale: SaleFixture;
let other: SaleFixture;
let staff: { token: string; userId: string };
beforeAll(async () => {
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '100000' });
  sale = await createSale(env, { seats: 30 });
  other = await createSale(env, { seats: 5 });
  staff = await doorStaff(env, sale);
});
afterAll(() => env?.close());

const scan = (token: string, code: string, gate: string, nonce = randomUUID(), eventId?: string) =>
  env.api.post('/v1/checkin', { code, gate, nonce, ...(eventId ? { eventId } : {}) }, { token });

const admittedRows = async (ticketId: string) =>
  (await env.infra.database.sql`select gate, nonce from checkins where ticket_id = ${ticketId} and result = 'admitted'`)
    .length;

describe('POST /v1/checkin', () => {
  it('50 concurrent scans of one ticket across 5 gates admit it exactly once', async () => {
    const fan = await signedIn(env);
    const { ticketIds } = await buySeats(env, sale, fan, 1);
    const code = await codeOf(env, fan.token, ticketIds[0]!);
    const gates = ['G1', 'G2', 'G3', 'G4', 'G5'];
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => scan(staff.token, code, gates[i % 5]!)));
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
    const results = answers.map((a) => a.body.result);
    expect(results.filter((r) => r === 'admitted')).toHaveLength(1);
    expect(results.filter((r) => r === 'already_used')).toHaveLength(49);
    const winner = answers.find((a) => a.body.result === 'admitted')!.body;
    // Every refusal names the first admission: when and at which gate.
    for (const a of answers)
      expect(a.body).toMatchObject({
        firstGate: winner.firstGate,
        firstUsedAt: winner.firstUsedAt,
        ticket: { id: ticketIds[0] },
      });
    expect(await admittedRows(ticketIds[0]!)).toBe(1);
    const [counts] = await env.infra.database
      .sql`select count(*)::int as n from checkins where ticket_id = ${ticketIds[0]!}`;
    expect(counts!.n).toBe(50);
    // The holder sees the ticket as used, and the check-in is on their signed timeline.
    expect((await env.api.get(`/v1/tickets/${ticketIds[0]}`, { token: fan.token })).body).toMatchObject({
      status: 'used',
      firstGate: winner.firstGate,
      transferable: false,
    });
    const timeline = await env.api.get('/v1/me/timeline', { token: fan.token });
    expect(timeline.body.receipts.filter((r: any) => r.kind === 'ticket.checked_in')).toHaveLength(1);
  });

  it('a retried scan (same nonce) gets the same answer and records nothing new', async () => {
    const fan = await signedIn(env);
    const { ticketIds } = await buySeats(env, sale, fan, 1);
    const code = await codeOf(env, fan.token, ticketIds[0]!);
    const nonce = randomUUID();
    const answers = await Promise.all(Array.from({ length: 5 }, () => scan(staff.token, code, 'North', nonce)));
    expect(answers.map((a) => a.body.result)).toEqual(Array(5).fill('admitted'));
    const [row] = await env.infra.database.sql`select count(*)::int as n from checkins where nonce = ${nonce}`;
    expect(row!.n).toBe(1);
    const second = await scan(staff.token, code, 'South');
    expect(second.body).toMatchObject({
      result: 'already_used',
      firstGate: 'North',
      seat: expect.stringMatching(/Row/),
    });
  });

  it('answers invalid, wrong_event, expired_code and not_yet_valid with the reason', async () => {
    const fan = await signedIn(env);
    const { ticketIds } = await buySeats(env, sale, fan, 1);
    const foreign = await buySeats(env, other, fan, 1);
    const code = await codeOf(env, fan.token, ticketIds[0]!);
    expect((await scan(staff.token, 'FD1.not-a-ticket', 'G1', undefined, sale.eventId)).body.result).toBe('invalid');
    const forged = code.slice(0, 20) + (code[20] === 'A' ? 'B' : 'A') + code.slice(21);
    expect((await scan(staff.token, forged, 'G1', undefined, sale.eventId)).body.result).toBe('invalid');
    expect(
      (await scan(staff.token, await codeOf(env, fan.token, foreign.ticketIds[0]!), 'G1', undefined, sale.eventId)).body
        .result,
    ).toBe('wrong_event');
    // Without naming the event, a code of an event this account does not staff is still wrong_event, not a 403.
    expect((await scan(staff.token, await codeOf(env, fan.token, foreign.ticketIds[0]!), 'G1')).body.result).toBe(
      'wrong_event',
    );
    const staleStep = code.split('.');
    staleStep[2] = (Number.parseInt(staleStep[2]!, 36) - 3).toString(36);
    // A step moved back is too old before its MAC is even checked; a genuine code from three steps ago too.
    expect((await scan(staff.token, staleStep.join('.'), 'G1')).body.result).toBe('expired_code');
    const old = await env.server.app.services.tickets.code(
      { userId: fan.userId, roles: ['fan'], email: '', displayName: '', sessionId: '', emailVerified: true },
      ticketIds[0]!,
      Date.now() - 3 * ROTATION_STEP_SECONDS * 1000,
    );
    expect((await scan(staff.token, old.code, 'G1')).body.result).toBe('expired_code');
    await env.api.patch(
      `/v1/events/${sale.eventId}/ticket-settings`,
      { checkinOpensAt: new Date(Date.now() + 3600_000).toISOString() },
      { token: sale.organizer.token },
    );
    try {
      expect((await scan(staff.token, await codeOf(env, fan.token, ticketIds[0]!), 'G1')).body.result).toBe(
        'not_yet_valid',
      );
    } finally {
      await env.api.patch(
        `/v1/events/${sale.eventId}/ticket-settings`,
        { checkinOpensAt: null },
        { token: sale.organizer.token },
      );
    }
    expect((await scan(staff.token, await codeOf(env, fan.token, ticketIds[0]!), 'G1')).body.result).toBe('admitted');
  });

  it('only staff of the event (or its organizer) may scan or download the bundle', async () => {
    const fan = await signedIn(env);
    const outsider = await signedIn(env, ['staff'], 'staff');
    const { ticketIds } = await buySeats(env, sale, fan, 1);
    const code = await codeOf(env, fan.token, ticketIds[0]!);
    const refused = await scan(outsider.token, code, 'G1', undefined, sale.eventId);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('checkin.not_staff');
    expect((await env.api.get(`/v1/events/${sale.eventId}/checkin/bundle`, { token: fan.token })).status).toBe(403);
    expect(
      (await env.api.post(`/v1/events/${sale.eventId}/staff`, { email: 'x@example.test' }, { token: fan.token }))
        .status,
    ).toBe(403);
    expect(
      (
        await env.api.post(
          `/v1/events/${sale.eventId}/staff`,
          { email: 'nobody@example.test' },
          { token: sale.organizer.token },
        )
      ).body.code,
    ).toBe('checkin.unknown_account');
    expect(await admittedRows(ticketIds[0]!)).toBe(0);
    expect((await scan(sale.organizer.token, code, 'Office')).body.result).toBe('admitted');
  });
});

describe('offline scanners', () => {
  it('uploads offline scans idempotently and reports a ticket admitted at two gates while offline', async () => {
    const fan = await signedIn(env);
    const { ticketIds } = await buySeats(env, sale, fan, 2);
    const [a, b] = [await codeOf(env, fan.token, ticketIds[0]!), await codeOf(env, fan.token, ticketIds[1]!)];
    // Each upload names the bundle its scans were made with; scans inside its window keep their times.
    const { window } = (await env.api.get(`/v1/events/${sale.eventId}/checkin/bundle`, { token: staff.token })).body;
    const t0 = Date.parse(window.issuedAt);
    const east = [
      { code: a, nonce: randomUUID(), scannedAt: new Date(t0).toISOString(), localResult: 'admitted' },
      { code: b, nonce: randomUUID(), scannedAt: new Date(t0 + 1).toISOString(), localResult: 'admitted' },
    ];
    const west = [{ code: a, nonce: randomUUID(), scannedAt: new Date(t0 + 2).toISOString(), localResult: 'admitted' }];
    const first = await env.api.post(
      `/v1/events/${sale.eventId}/checkin/sync`,
      { gate: 'East', window, scans: east },
      { token: staff.token },
    );
    expect(first.status).toBe(200);
    expect(first.body.results.map((r: any) => r.result)).toEqual(['admitted', 'admitted']);
    expect(first.body.conflicts).toEqual([]);
    const second = await env.api.post(
      `/v1/events/${sale.eventId}/checkin/sync`,
      { gate: 'West', window, scans: west },
      { token: staff.token },
    );
    expect(second.body.results[0]).toMatchObject({
      result: 'already_used',
      firstGate: 'East',
      clock: 'in_window',
      scannedAt: west[0]!.scannedAt,
      claimedAt: west[0]!.scannedAt,
    });
    expect(second.body.conflicts).toEqual([
      {
        ticketId: ticketIds[0],
        nonce: west[0]!.nonce,
        gate: 'West',
        scannedAt: west[0]!.scannedAt,
        firstGate: 'East',
        firstUsedAt: east[0]!.scannedAt,
      },
    ]);
    // A re-upload (the scanner did not get the answer) changes nothing and answers the same.
    const again = await env.api.post(
      `/v1/events/${sale.eventId}/checkin/sync`,
      { gate: 'West', window, scans: west },
      { token: staff.token },
    );
    expect(again.body).toEqual(second.body);
    const [rows] = await env.infra.database
      .sql`select count(*)::int as n from checkins where ticket_id in ${env.infra.database.sql(ticketIds)}`;
    expect(rows!.n).toBe(3);
    // The next bundle tells every offline gate these two are inside.
    const bundle = await env.api.get(`/v1/events/${sale.eventId}/checkin/bundle`, { token: staff.token });
    expect(bundle.body.admitted).toEqual(
      expect.arrayContaining([{ ticketId: ticketIds[0], firstUsedAt: east[0]!.scannedAt, firstGate: 'East' }]),
    );
  });
});
