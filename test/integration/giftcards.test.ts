import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerSum } from '../../src/giftcards/giftcards.repository.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { CARDS, createSale, holdDirect, idem, order, type SaleFixture } from '../support/commerce.js';

let env: TestEnv;
let sale: SaleFixture;
let organizer: { token: string; userId: string };
beforeAll(async () => {
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '100000', GIFT_CARD_LOOKUPS_PER_MINUTE: '5' });
  sale = await createSale(env, { seats: 60, gaCapacity: 200, priceCents: 1000, feeCents: 0 });
  organizer = sale.organizer;
});
afterAll(() => env?.close());

const issue = (amountCents: number, currency = 'EUR', key = idem()) =>
  env.api.post(
    '/v1/gift-cards',
    { amountCents, currency },
    { token: organizer.token, headers: { 'idempotency-key': key } },
  );

let nextSeat = 0;
const freshSeats = (n: number) => sale.seatIds.slice(nextSeat, (nextSeat += n));

describe('gift cards', () => {
  it('organizers issue; fans may not; the code is shown once and only its hash is stored', async () => {
    const fan = await signedIn(env);
    const refused = await env.api.post('/v1/gift-cards', { amountCents: 1000, currency: 'EUR' }, { token: fan.token });
    expect(refused.status).toBe(403);
    const key = idem();
    const res = await issue(5000, 'eur', key);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ balanceCents: 5000, currency: 'EUR', source: 'issued' });
    expect(res.body.code).toMatch(/^FD(-[0-9A-Z]{4}){4}$/);
    const replay = await issue(5000, 'eur', key);
    expect(replay.body).toMatchObject({ id: res.body.id, code: null });
    const dump =
      JSON.stringify(await env.infra.database.sql`select * from gift_cards`) +
      JSON.stringify(await env.infra.database.sql`select * from idempotency_keys`);
    expect(dump).not.toContain(res.body.code.replace(/-/g, ''));
    expect(dump).not.toContain(res.body.code);
    const balance = await env.api.get(`/v1/gift-cards/balance?code=${encodeURIComponent(res.body.code.toLowerCase())}`);
    expect(balance.status).toBe(200);
    expect(balance.body).toMatchObject({ balanceCents: 5000, currency: 'EUR' });
  });

  it('balance lookups are rate limited per IP', async () => {
    const statuses = [];
    for (let i = 0; i < 8; i++)
      statuses.push((await env.api.get('/v1/gift-cards/balance?code=FD-AAAA-BBBB-CCCC-DDDD')).status);
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s === 404).length).toBeLessThanOrEqual(5);
  });

  it('fans buy a card with a card: authorized, issued, captured, labelled sandbox', async () => {
    const fan = await signedIn(env);
    const res = await env.api.post(
      '/v1/gift-cards/purchase',
      { amountCents: 2500, currency: 'EUR', payment: { card: CARDS.ok } },
      { token: fan.token, headers: { 'idempotency-key': idem() } },
    );
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      balanceCents: 2500,
      source: 'purchased',
      payment: { provider: 'sandbox', sandbox: true },
    });
    const [payment] = await env.infra.database
      .sql`select status, amount_cents from payments where intent_id = ${res.body.payment.intentId}`;
    expect(payment).toEqual({ status: 'captured', amount_cents: 2500 });
    const declined = await env.api.post(
      '/v1/gift-cards/purchase',
      { amountCents: 2500, currency: 'EUR', payment: { card: CARDS.declined } },
      { token: fan.token, headers: { 'idempotency-key': idem() } },
    );
    expect(declined.status).toBe(402);
    expect(declined.body.code).toBe('payments.card_declined');
    const noKey = await env.api.post(
      '/v1/gift-cards/purchase',
      { amountCents: 2500, currency: 'EUR', payment: { card: CARDS.ok } },
      { token: fan.token },
    );
    expect(noKey.body.code).toBe('idempotency.key_required');
  });

  it('split tender: the gift card first, the card for the rest; a refund goes back to the gift card first', async () => {
    const card = await issue(1500);
    const fan = await signedIn(env);
    const holdId = await holdDirect(env, sale, fan.userId, { seatIds: freshSeats(2) });
    const res = await order(env, fan.token, {
      holdId,
      payment: { card: CARDS.ok, giftCards: [{ code: card.body.code }] },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'captured', totalCents: 2000, giftCardCents: 1500, cardCents: 500 });
    expect(res.body.payments.map((p: any) => [p.method, p.amountCents, p.status]).sort()).toEqual([
      ['card', 500, 'captured'],
      ['gift_card', 1500, 'captured'],
    ]);
    // Built from the rows the request wrote, in the order a read gives them.
    expect((await env.api.get(`/v1/orders/${res.body.id}`, { token: fan.token })).body).toEqual(res.body);
    expect(await ledgerSum(env.infra.database.db, card.body.id)).toEqual({ ledger: 0, balance: 0 });
    // Cancel one of two tickets (1000): all of it goes back to the gift card.
    const one = res.body.tickets[0].id;
    const partial = await env.api.patch(
      `/v1/orders/${res.body.id}`,
      { cancel: { ticketIds: [one] } },
      { token: fan.token, headers: { 'idempotency-key': idem() } },
    );
    expect(partial.status).toBe(200);
    expect(partial.body).toMatchObject({ status: 'captured', refundedCents: 1000 });
    expect(await ledgerSum(env.infra.database.db, card.body.id)).toEqual({ ledger: 1000, balance: 1000 });
    // The rest (1000): 500 to the gift card, 500 to the card.
    const rest = await env.api.patch(
      `/v1/orders/${res.body.id}`,
      { cancel: {} },
      { token: fan.token, headers: { 'idempotency-key': idem() } },
    );
    expect(rest.body).toMatchObject({ status: 'cancelled', refundedCents: 2000 });
    expect(await ledgerSum(env.infra.database.db, card.body.id)).toEqual({ ledger: 1500, balance: 1500 });
    const [intent] = await env.infra.database
      .sql`select amount_refunded_cents from sandbox_payment_intents where metadata->>'orderId' = ${res.body.id}`;
    expect(intent!.amount_refunded_cents).toBe(500);
    const [seatsBack] = await env.infra.database
      .sql`select count(*)::int as n from seats where id = any(${res.body.tickets.map((t: any) => t.seatId)}) and status = 'available'`;
    expect(seatsBack!.n).toBe(2);
  });

  it('a gift card alone pays a whole order (no card involved)', async () => {
    const card = await issue(5000);
    const fan = await signedIn(env);
    const holdId = await holdDirect(env, sale, fan.userId, { quantity: 2 });
    const res = await order(env, fan.token, { holdId, payment: { giftCards: [{ code: card.body.code }] } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'captured', cardCents: 0, giftCardCents: 2000, provider: null });
    expect((await env.api.get(`/v1/orders/${res.body.id}`, { token: fan.token })).body).toEqual(res.body);
    expect(await ledgerSum(env.infra.database.db, card.body.id)).toEqual({ ledger: 3000, balance: 3000 });
  });

  it('a gift card in another currency is refused (422) and nothing changes', async () => {
    const card = await issue(5000, 'USD');
    const fan = await signedIn(env);
    const holdId = await holdDirect(env, sale, fan.userId, { quantity: 1 });
    const res = await order(env, fan.token, { holdId, payment: { giftCards: [{ code: card.body.code }] } });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('giftcards.currency_mismatch');
    expect(await ledgerSum(env.infra.database.db, card.body.id)).toEqual({ ledger: 5000, balance: 5000 });
  });

  it('20 concurrent orders spending one card never drive it negative; the ledger sums to the balance', async () => {
    // 7 orders of 1000 fit in 7500; the other 13 must fail cleanly (or pay by card when they say amountCents).
    const card = await issue(7500);
    const buyers = await Promise.all(Array.from({ length: 20 }, () => signedIn(env)));
    const holdIds = await Promise.all(buyers.map((b) => holdDirect(env, sale, b.userId, { quantity: 1 })));
    const results = await Promise.all(
      buyers.map((b, i) =>
        order(env, b.token, {
          holdId: holdIds[i],
          payment: { giftCards: [{ code: card.body.code, amountCents: 1000 }] },
        }),
      ),
    );
    const ok = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status !== 201);
    expect(ok).toHaveLength(7);
    expect(new Set(refused.map((r) => `${r.status} ${r.body.code}`))).toEqual(
      new Set(['409 giftcards.insufficient_balance']),
    );
    expect(await ledgerSum(env.infra.database.db, card.body.id)).toEqual({ ledger: 500, balance: 500 });
    const [{ n }] = (await env.infra.database
      .sql`select count(*)::int as n from gift_cards where balance_cents < 0`) as any[];
    expect(n).toBe(0);
    // The refused orders sold nothing: their holds are still active for another payment.
    const [{ sold }] = (await env.infra.database
      .sql`select count(*)::int as sold from tickets where order_id in (select id from orders where status in ('failed','voided'))`) as any[];
    expect(sold).toBe(0);
  });
});
