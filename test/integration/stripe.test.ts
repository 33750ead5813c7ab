import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStripeClient, StripeProvider } from '../../src/payments/stripe.provider.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { commerceCounts, createSale, holdDirect, idem, order, type SaleFixture } from '../support/commerce.js';
import { startFakeStripe, type FakeStripe } from '../support/fake-stripe.js';

const WEBHOOK_SECRET = 'whsec_test_fairdrop';
let env: TestEnv;
let fake: FakeStripe;
let sale: SaleFixture;

beforeAll(async () => {
  fake = await startFakeStripe();
  env = await createTestEnv({
    STRIPE_SECRET_KEY: 'sk_test_fairdrop',
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    STRIPE_API_BASE: fake.url,
    AUTH_LIMIT_PER_IP: '100000',
  });
  sale = await createSale(env, { seats: 40 });
});
afterAll(async () => {
  await env?.close();
  await fake?.close();
});

let nextSeat = 0;
const freshSeats = (n: number) => sale.seatIds.slice(nextSeat, (nextSeat += n));

function event(type: string, object: Record<string, unknown>) {
  return {
    id: `evt_${crypto.randomUUID().replace(/-/g, '')}`,
    object: 'event',
    api_version: '2026-10-28.endive',
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object },
  };
}

/** Delivers an event exactly as Stripe does: raw JSON body, signed with the endpoint secret. */
function deliver(payload: object, secret = WEBHOOK_SECRET) {
  const raw = JSON.stringify(payload);
  const header = Stripe.webhooks.generateTestHeaderString({ payload: raw, secret });
  return env.api.call('POST', '/v1/webhooks/stripe', undefined, {
    raw,
    headers: { 'content-type': 'application/json', 'stripe-signature': header },
  });
}

async function receipts(orderId: string, token: string): Promise<string[]> {
  const res = await env.api.get(`/v1/orders/${orderId}/timeline`, { token });
  return res.body.receipts.map((r: any) => r.kind);
}

describe('Stripe adapter (real SDK against a local fake)', () => {
  it('authorizes with manual capture, captures after commit, idempotency key on every call', async () => {
    const fan = await signedIn(env);
    const holdId = await holdDirect(env, sale, fan.userId, { seatIds: freshSeats(2) });
    const res = await order(env, fan.token, { holdId, payment: { card: { stripePaymentMethodId: 'pm_card_visa' } } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'captured', provider: 'stripe', sandbox: false });
    const create = fake.calls.filter((c) => c.path === '/v1/payment_intents' && c.method === 'POST');
    expect(create).toHaveLength(1);
    expect(create[0]!.body).toMatchObject({
      capture_method: 'manual',
      confirm: 'true',
      amount: String(2 * sale.unitCents),
      currency: 'eur',
      'metadata[orderId]': res.body.id,
    });
    expect(create[0]!.idempotencyKey).toBe(`order:${res.body.id}:authorize`);
    expect(fake.calls.filter((c) => c.method === 'POST').every((c) => c.idempotencyKey)).toBe(true);
    const intent = [...fake.intents.values()].find((i) => i.metadata.orderId === res.body.id)!;
    expect(intent.status).toBe('succeeded');
    expect(intent.amount_received).toBe(2 * sale.unitCents);
  });

  it.each([
    ['pm_card_chargeDeclined', 'payments.card_declined'],
    ['pm_card_chargeDeclinedInsufficientFunds', 'payments.insufficient_funds'],
  ])('%s → 402 %s, nothing sold, no authorization left standing', async (pm, code) => {
    const fan = await signedIn(env);
    const holdId = await holdDirect(env, sale, fan.userId, { seatIds: freshSeats(1) });
    const before = await commerceCounts(env);
    const res = await order(env, fan.token, { holdId, payment: { card: { stripePaymentMethodId: pm } } });
    expect(res.status).toBe(402);
    expect(res.body.code).toBe(code);
    const after = await commerceCounts(env);
    expect([after.sold_seats, after.tickets, after.payments]).toEqual([
      before.sold_seats,
      before.tickets,
      before.payments,
    ]);
    const [{ id }] = (await env.infra.database.sql`select id from orders where hold_id = ${holdId}`) as any[];
    const intent = [...fake.intents.values()].find((i) => i.metadata.orderId === id)!;
    expect(['requires_payment_method', 'canceled']).toContain(intent.status);
  });

  it('refunds part of a capture and reads amounts back with retrieve', async () => {
    const provider = new StripeProvider(createStripeClient({ secretKey: 'sk_test_x', apiBase: fake.url }));
    const auth = await provider.authorize({
      amountCents: 5000,
      currency: 'EUR',
      source: { type: 'payment_method', paymentMethodId: 'pm_card_visa' },
      idempotencyKey: idem(),
      metadata: {},
    });
    expect(auth).toMatchObject({
      provider: 'stripe',
      status: 'requires_capture',
      amountCents: 5000,
      currency: 'EUR',
      cardLast4: '4242',
    });
    const again = await provider.recover({
      amountCents: 5000,
      currency: 'EUR',
      source: { type: 'payment_method', paymentMethodId: 'pm_card_visa' },
      idempotencyKey: 'same-key-1',
      metadata: {},
    });
    expect(
      (await provider.recover({
        amountCents: 5000,
        currency: 'EUR',
        source: { type: 'payment_method', paymentMethodId: 'pm_card_visa' },
        idempotencyKey: 'same-key-1',
        metadata: {},
      }))!.intentId,
    ).toBe(again!.intentId);
    await provider.capture(auth.intentId, idem());
    const key = idem();
    const refund = await provider.refund(auth.intentId, 1500, key);
    expect(refund).toMatchObject({ amountCents: 1500, status: 'succeeded' });
    await provider.refund(auth.intentId, 1500, key); // a replay refunds once
    expect(await provider.retrieve(auth.intentId)).toMatchObject({
      status: 'succeeded',
      amountCapturedCents: 5000,
      amountRefundedCents: 1500,
    });
    const cancelled = await provider.authorize({
      amountCents: 700,
      currency: 'EUR',
      source: { type: 'payment_method', paymentMethodId: 'pm_card_visa' },
      idempotencyKey: idem(),
      metadata: {},
    });
    expect((await provider.cancel(cancelled.intentId, idem())).status).toBe('canceled');
    await expect(provider.capture(cancelled.intentId, idem())).rejects.toMatchObject({
      status: 409,
      code: 'payments.capture_refused',
    });
  });
});

describe('Stripe webhooks', () => {
  it('refuses a bad signature and stores nothing', async () => {
    const payload = event('payment_intent.succeeded', { id: 'pi_x', object: 'payment_intent' });
    const res = await deliver(payload, 'whsec_wrong');
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('webhooks.invalid_signature');
    const [{ n }] = (await env.infra.database.sql`select count(*)::int as n from stripe_events`) as any[];
    expect(n).toBe(0);
  });

  it('a capture whose answer was lost is settled by webhooks: 3 deliveries each, out of order → one confirmation, one capture', async () => {
    const fan = await signedIn(env);
    const holdId = await holdDirect(env, sale, fan.userId, { seatIds: freshSeats(1) });
    fake.loseNextCaptureAnswer();
    const res = await order(env, fan.token, { holdId, payment: { card: { stripePaymentMethodId: 'pm_card_visa' } } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'confirmed', guaranteed: true });
    const intent = [...fake.intents.values()].find((i) => i.metadata.orderId === res.body.id)!;
    // The payload claims nothing we trust: only its intent id is used, the state is re-fetched.
    const succeeded = event('payment_intent.succeeded', {
      id: intent.id,
      object: 'payment_intent',
      status: 'canceled',
    });
    const capturable = event('payment_intent.amount_capturable_updated', {
      id: intent.id,
      object: 'payment_intent',
      status: 'requires_capture',
    });
    const charge = event('charge.captured', { id: 'ch_x', object: 'charge', payment_intent: intent.id });
    const deliveries = [succeeded, capturable, charge, succeeded, charge, capturable, succeeded, capturable, charge];
    const answers = [];
    for (const d of deliveries) answers.push(await deliver(d));
    expect(answers.map((a) => a.status)).toEqual(Array(9).fill(200));
    expect(answers.filter((a) => a.body.duplicate === false)).toHaveLength(3);
    const after = await env.api.get(`/v1/orders/${res.body.id}`, { token: fan.token });
    expect(after.body.status).toBe('captured');
    const kinds = await receipts(res.body.id, fan.token);
    expect(kinds.filter((k) => k === 'order.confirmed')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'payment.captured')).toHaveLength(1);
    const [{ n }] = (await env.infra.database
      .sql`select count(*)::int as n from stripe_events where intent_id = ${intent.id}`) as any[];
    expect(n).toBe(3);
  });

  it('a webhook for an already refunded intent changes nothing', async () => {
    const fan = await signedIn(env);
    const holdId = await holdDirect(env, sale, fan.userId, { seatIds: freshSeats(2) });
    const placed = await order(env, fan.token, {
      holdId,
      payment: { card: { stripePaymentMethodId: 'pm_card_visa' } },
    });
    expect(placed.body.status).toBe('captured');
    const cancelled = await env.api.patch(
      `/v1/orders/${placed.body.id}`,
      { cancel: {} },
      { token: fan.token, headers: { 'idempotency-key': idem() } },
    );
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', refundedCents: 2 * sale.unitCents });
    const intent = [...fake.intents.values()].find((i) => i.metadata.orderId === placed.body.id)!;
    const snapshot = async () => ({
      order: (await env.api.get(`/v1/orders/${placed.body.id}`, { token: fan.token })).body,
      kinds: await receipts(placed.body.id, fan.token),
      counts: await commerceCounts(env),
    });
    const before = await snapshot();
    for (const type of ['charge.refunded', 'payment_intent.succeeded', 'payment_intent.amount_capturable_updated']) {
      const res = await deliver(
        event(
          type,
          type.startsWith('charge')
            ? { id: 'ch_y', object: 'charge', payment_intent: intent.id }
            : { id: intent.id, object: 'payment_intent' },
        ),
      );
      expect(res.status).toBe(200);
    }
    expect(await snapshot()).toEqual(before);
    const refunds = fake.calls.filter((c) => c.path === '/v1/refunds');
    expect(refunds.filter((c) => c.body.payment_intent === intent.id)).toHaveLength(1);
  });
});
