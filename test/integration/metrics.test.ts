import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { holds } from '../../src/sales/holds.table.js';
import { sweepExpiredHolds } from '../../src/sales/expiry.jobs.js';
import { admissionModule } from '../../src/waitingroom/scheduler.jobs.js';
import { CARDS, createSale, idem, type SaleFixture } from '../support/commerce.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { bulkAccounts } from '../support/sales.js';
import { queueSale, waitUntil } from '../support/waitingroom.js';

/**
 * /metrics carries what the business did, not only request latencies: holds, orders, tickets,
 * payment failures, refunds, queue joins and admissions as counters incremented where each
 * happens, and each open waiting room's depth and purchase tokens read from Redis at scrape
 * time. Each figure is checked as the difference a real request through the API made.
 */

let env: TestEnv;
let running: { close(): Promise<void> } | undefined;
beforeAll(async () => {
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '100000', QUEUE_JOIN_LIMIT_PER_IP: '100000', QUEUE_TICK_MS: '200' });
  running = await admissionModule().start(env.infra);
});
afterAll(async () => {
  await running?.close();
  await env?.close();
});

/** The scrape as `name{labels}` → value (samples without labels as the bare name). */
async function scrape(): Promise<Map<string, number>> {
  const res = await env.api.get('/metrics');
  expect(res.status).toBe(200);
  const samples = new Map<string, number>();
  for (const line of String(res.body).split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

/** What changed between two scrapes, for the names asked (absent counts as 0). */
function changes(before: Map<string, number>, after: Map<string, number>, names: string[]): Record<string, number> {
  return Object.fromEntries(names.map((n) => [n, (after.get(n) ?? 0) - (before.get(n) ?? 0)]));
}

const hold = (token: string, body: Record<string, unknown>) =>
  env.api.post('/v1/holds', body, { token, headers: { 'idempotency-key': idem() } });
const pay = (token: string, holdId: string, card: (typeof CARDS)[keyof typeof CARDS]) =>
  env.api.post('/v1/orders', { holdId, payment: { card } }, { token, headers: { 'idempotency-key': idem() } });

describe('/metrics: business figures', () => {
  let sale: SaleFixture;
  beforeAll(async () => {
    sale = await createSale(env, { seats: 10, gaCapacity: 10 });
  });

  it('counts holds, orders, tickets, a declined card, a released and an expired hold, and a refund', async () => {
    const names = [
      'fairdrop_holds_created_total',
      'fairdrop_holds_released_total',
      'fairdrop_holds_expired_total',
      'fairdrop_orders_placed_total',
      'fairdrop_orders_paid_total',
      'fairdrop_orders_failed_total',
      'fairdrop_tickets_issued_total',
      'fairdrop_payment_failures_total{reason="payments.card_declined"}',
      'fairdrop_refunds_total{reason="fan_cancelled"}',
    ];
    const before = await scrape();
    const fan = await signedIn(env);

    // Two seats, paid.
    const seats = await hold(fan.token, {
      eventId: sale.eventId,
      tierId: sale.seatedTierId,
      seats: sale.seatIds.slice(0, 2),
    });
    expect(seats.status).toBe(201);
    const paid = await pay(fan.token, seats.body.id, CARDS.ok);
    expect(paid.status).toBe(201);
    // A place whose card is declined, then let go of.
    const ga = await hold(fan.token, { eventId: sale.eventId, tierId: sale.gaTierId, quantity: 1 });
    expect((await pay(fan.token, ga.body.id, CARDS.declined)).body.code).toBe('payments.card_declined');
    expect((await env.api.delete(`/v1/holds/${ga.body.id}`, { token: fan.token })).status).toBe(200);
    // A place held and left to lapse: the sweep job expires it.
    const lapsing = await hold(fan.token, { eventId: sale.eventId, tierId: sale.gaTierId, quantity: 1 });
    expect(lapsing.status).toBe(201);
    const db = env.infra.database.db;
    await db
      .update(holds)
      .set({ expiresAt: sql`now() - interval '1 second'` })
      .where(eq(holds.id, lapsing.body.id));
    expect(await sweepExpiredHolds(db, env.infra.signer)).toBeGreaterThanOrEqual(1);
    // One of the two tickets cancelled by the fan: refunded.
    const cancelled = await env.api.patch(
      `/v1/orders/${paid.body.id}`,
      { cancel: { ticketIds: [paid.body.tickets[0].id] } },
      { token: fan.token, headers: { 'idempotency-key': idem() } },
    );
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);

    expect(changes(before, await scrape(), names)).toEqual({
      fairdrop_holds_created_total: 3,
      fairdrop_holds_released_total: 1,
      fairdrop_holds_expired_total: 1,
      fairdrop_orders_placed_total: 2,
      fairdrop_orders_paid_total: 1,
      fairdrop_orders_failed_total: 1,
      fairdrop_tickets_issued_total: 2,
      'fairdrop_payment_failures_total{reason="payments.card_declined"}': 1,
      'fairdrop_refunds_total{reason="fan_cancelled"}': 1,
    });
  });

  it('a replayed request counts once: the same hold and the same order asked twice', async () => {
    const names = ['fairdrop_holds_created_total', 'fairdrop_orders_placed_total', 'fairdrop_orders_paid_total'];
    const before = await scrape();
    const fan = await signedIn(env);
    const holdKey = idem();
    const body = { eventId: sale.eventId, tierId: sale.gaTierId, quantity: 1 };
    const first = await env.api.post('/v1/holds', body, { token: fan.token, headers: { 'idempotency-key': holdKey } });
    const again = await env.api.post('/v1/holds', body, { token: fan.token, headers: { 'idempotency-key': holdKey } });
    expect(again.body.id).toBe(first.body.id);
    const orderKey = idem();
    const orderBody = { holdId: first.body.id, payment: { card: CARDS.ok } };
    const headers = { 'idempotency-key': orderKey };
    expect((await env.api.post('/v1/orders', orderBody, { token: fan.token, headers })).status).toBe(201);
    expect((await env.api.post('/v1/orders', orderBody, { token: fan.token, headers })).status).toBe(201);
    expect(changes(before, await scrape(), names)).toEqual({
      fairdrop_holds_created_total: 1,
      fairdrop_orders_placed_total: 1,
      fairdrop_orders_paid_total: 1,
    });
  });
});

describe('/metrics: waiting rooms', () => {
  it('counts joins and admissions, and gives each open room its depth and purchase tokens by state', async () => {
    const organizer = await signedIn(env, ['organizer']);
    const sale = await queueSale(env, organizer.userId, { startsInMs: 1_000, admitPerMinute: 6_000 });
    const fans = await bulkAccounts(env.infra.database.db, 4);
    const before = await scrape();
    for (const fan of fans)
      expect((await env.api.post(`/v1/events/${sale.eventId}/queue`, {}, { token: fan.token })).status).toBe(201);
    // A second join of the same account is the same entry: not counted again.
    expect((await env.api.post(`/v1/events/${sale.eventId}/queue`, {}, { token: fans[0]!.token })).status).toBe(200);
    const label = `{event_id="${sale.eventId}"}`;
    const waiting = await scrape();
    expect(waiting.get(`fairdrop_queue_waiting${label}`)).toBe(4);

    // The draw at sale start, then admission: every fan gets a purchase token.
    await waitUntil(async () => (await scrape()).get(`fairdrop_queue_admitted${label}`) === 4, 20_000, 'admission');
    const token = (await env.api.get(`/v1/events/${sale.eventId}/queue/me`, { token: fans[0]!.token })).body.token;
    const held = await hold(fans[0]!.token, {
      eventId: sale.eventId,
      tierId: sale.gaTierId,
      quantity: 1,
      purchaseToken: token,
    });
    expect(held.status, JSON.stringify(held.body)).toBe(201);

    const after = await scrape();
    expect(
      changes(before, after, [
        'fairdrop_queue_joins_total',
        'fairdrop_queue_admissions_total',
        'fairdrop_purchase_tokens_used_total',
      ]),
    ).toEqual({
      fairdrop_queue_joins_total: 4,
      fairdrop_queue_admissions_total: 4,
      fairdrop_purchase_tokens_used_total: 1,
    });
    expect(after.get(`fairdrop_queue_waiting${label}`)).toBe(0);
    expect(after.get(`fairdrop_queue_admitted${label}`)).toBe(4);
    const tokens = (state: string) =>
      after.get(`fairdrop_queue_purchase_tokens{event_id="${sale.eventId}",state="${state}"}`);
    expect({ outstanding: tokens('outstanding'), used: tokens('used'), expired: tokens('expired') }).toEqual({
      outstanding: 3,
      used: 1,
      expired: 0,
    });
  });
});
