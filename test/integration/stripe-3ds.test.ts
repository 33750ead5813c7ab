import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orders } from '../../src/orders/orders.table.js';
import { holds } from '../../src/sales/holds.table.js';
import { commerceCounts, createSale, holdDirect, idem, order, type SaleFixture } from '../support/commerce.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { startFakeStripe, type FakeStripe } from '../support/fake-stripe.js';
import { signedIn } from '../support/fixtures.js';

let env: TestEnv;
let fake: FakeStripe;
let sale: SaleFixture;
beforeAll(async () => {
  fake = await startFakeStripe();
  env = await createTestEnv({
    STRIPE_SECRET_KEY: 'sk_test_fairdrop',
    STRIPE_PUBLISHABLE_KEY: 'pk_test_fairdrop',
    STRIPE_API_BASE: fake.url,
    AUTH_LIMIT_PER_IP: '100000',
  });
  sale = await createSale(env, { seats: 20 });
});
afterAll(async () => {
  await env?.close();
  await fake?.close();
});

const reconciler = () => env.server.app.services.commerce.orders.reconciler;
let nextSeat = 0;
const freshSeats = (n: number) => sale.seatIds.slice(nextSeat, (nextSeat += n));

/** What the bank's 3-D Secure page does, through the fake's browser endpoint (publishable key and client secret). */
async function authenticate(intentId: string, clientSecret: string, outcome: 'complete' | 'fail') {
  const res = await fetch(`${fake.url}/v1/payment_intents/${intentId}/authenticate`, {
    method: 'POST',
    body: new URLSearchParams({ key: 'pk_test_fairdrop', client_secret: clientSecret, outcome }),
  });
  expect(res.status).toBe(200);
}

const complete = (orderId: string, token: string) =>
  env.api.post(`/v1/orders/${orderId}/complete`, undefined, { token, headers: { 'idempotency-key': idem() } });

async function waitingFor3ds() {
  const fan = await signedIn(env);
  const holdId = await holdDirect(env, sale, fan.userId, { seatIds: freshSeats(1) });
  const before = await commerceCounts(env);
  const res = await order(env, fan.token, {
    holdId,
    payment: { card: { stripePaymentMethodId: 'pm_card_authenticationRequired' } },
  });
  expect(res.status).toBe(402);
  expect(res.body).toMatchObject({ code: 'payments.requires_action', provider: 'stripe' });
  const { orderId, clientSecret } = res.body as { orderId: string; clientSecret: string };
  const [row] = await env.infra.database.db.select().from(orders).where(eq(orders.id, orderId));
  expect(row).toMatchObject({ status: 'pending', holdId });
  expect(clientSecret.startsWith(`${row!.intentId}_secret_`)).toBe(true);
  const after = await commerceCounts(env);
  expect([after.sold_seats, after.tickets, after.payments]).toEqual([
    before.sold_seats,
    before.tickets,
    before.payments,
  ]);
  return { fan, holdId, orderId, clientSecret, intentId: row!.intentId! };
}

describe('3-D Secure through Stripe', () => {
  it('keeps the order pending with its hold, completes only once the bank says yes, and never twice', async () => {
    const w = await waitingFor3ds();
    const early = await complete(w.orderId, w.fan.token);
    expect(early.status).toBe(402);
    expect(early.body).toMatchObject({
      code: 'payments.requires_action',
      orderId: w.orderId,
      clientSecret: w.clientSecret,
    });
    // The sweep leaves a fan answering their bank alone while the hold stands.
    expect(await reconciler().reconcileOrder(w.orderId)).toBe('pending');
    expect(fake.intents.get(w.intentId)!.status).toBe('requires_action');

    const stranger = await signedIn(env);
    expect((await complete(w.orderId, stranger.token)).status).toBe(404);

    await authenticate(w.intentId, w.clientSecret, 'complete');
    const done = await complete(w.orderId, w.fan.token);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({
      id: w.orderId,
      status: 'captured',
      guaranteed: true,
      provider: 'stripe',
      sandbox: false,
    });
    expect(done.body.tickets).toHaveLength(1);
    const again = await complete(w.orderId, w.fan.token);
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('captured');
    const [{ n }] = (await env.infra.database
      .sql`select count(*)::int as n from timeline_entries where kind = 'order.confirmed' and subject_id = ${w.orderId}`) as any[];
    expect(n).toBe(1);
    expect(fake.intents.get(w.intentId)!.status).toBe('succeeded');
  });

  it('a failed authentication ends the order and cancels the intent; the hold stays the fan’s', async () => {
    const w = await waitingFor3ds();
    await authenticate(w.intentId, w.clientSecret, 'fail');
    const res = await complete(w.orderId, w.fan.token);
    expect(res.status).toBe(402);
    expect(res.body.code).toBe('payments.card_declined');
    const [row] = await env.infra.database.db.select().from(orders).where(eq(orders.id, w.orderId));
    expect(row!.status).toBe('failed');
    expect(fake.intents.get(w.intentId)!.status).toBe('canceled');
    const [hold] = await env.infra.database.db.select().from(holds).where(eq(holds.id, w.holdId));
    expect(hold!.status).toBe('active');
    expect((await complete(w.orderId, w.fan.token)).body.code).toBe('orders.not_completable');
  });

  it('the reconciler finishes an authenticated order whose page never came back, and ends one whose hold ran out', async () => {
    const gone = await waitingFor3ds();
    await authenticate(gone.intentId, gone.clientSecret, 'complete');
    expect(await reconciler().reconcileOrder(gone.orderId)).toBe('captured');

    const late = await waitingFor3ds();
    await env.infra.database.db
      .update(holds)
      .set({ expiresAt: sql`now() - interval '1 second'` })
      .where(eq(holds.id, late.holdId));
    expect(await reconciler().reconcileOrder(late.orderId)).toBe('failed');
    expect(fake.intents.get(late.intentId)!.status).toBe('canceled');
  });
});
