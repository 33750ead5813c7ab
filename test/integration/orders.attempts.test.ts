import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { CARDS, commerceCounts, createSale, holdDirect, order, type SaleFixture } from '../support/commerce.js';

/**
 * My orders lists purchases, not payment attempts: a fan whose card was declined twice before
 * it went through reads one order, not two "Payment failed" rows beside it. Every attempt is
 * still an order row of its own (its receipts, its voided authorization), so nothing about the
 * money changes: the fold is in the list.
 */
let env: TestEnv;
let sale: SaleFixture;
beforeAll(async () => {
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '100000' });
  sale = await createSale(env, { seats: 10, gaCapacity: 20 });
});
afterAll(() => env?.close());

const mine = async (token: string) => (await env.api.get('/v1/me/orders', { token })).body.orders as any[];

describe('GET /v1/me/orders folds declined attempts into their purchase', () => {
  it('two declines then a success on one hold: one entry, the captured order, 3 attempts; nothing charged twice', async () => {
    const fan = await signedIn(env);
    const holdId = await holdDirect(env, sale, fan.userId, { seatIds: sale.seatIds.slice(0, 2) });
    const before = await commerceCounts(env);
    expect((await order(env, fan.token, { holdId, payment: { card: CARDS.declined } })).status).toBe(402);
    expect((await order(env, fan.token, { holdId, payment: { card: CARDS.insufficient } })).status).toBe(402);

    // While every attempt failed, the purchase is one entry: the latest attempt, saying how many there were.
    const failedSoFar = await mine(fan.token);
    expect(failedSoFar).toHaveLength(1);
    expect(failedSoFar[0]).toMatchObject({ holdId, status: 'failed', paymentAttempts: 2 });
    expect(failedSoFar[0].failureCode).toMatch(/insufficient_funds/);

    const paid = await order(env, fan.token, { holdId, payment: { card: CARDS.ok } });
    expect(paid.status).toBe(201);
    const listed = await mine(fan.token);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ id: paid.body.id, status: 'captured', guaranteed: true, paymentAttempts: 3 });

    // The attempts are still there, each ended; one order sold the seats and one card was captured.
    const rows = await env.infra.database.sql`
      select status from orders where hold_id = ${holdId} order by created_at`;
    expect(rows.map((r) => r.status)).toEqual(['failed', 'failed', 'captured']);
    const after = await commerceCounts(env);
    expect(after.sold_seats - before.sold_seats).toBe(2);
    expect(after.tickets - before.tickets).toBe(2);
    const [captured] = await env.infra.database.sql`
      select count(*)::int as n from sandbox_payment_intents
      where metadata->>'holdId' = ${holdId} and amount_captured_cents > 0`;
    expect(captured!.n).toBe(1);
    // Each failed attempt stays readable by its id (a receipt or a support mail may name it).
    const failedId = failedSoFar[0].id as string;
    expect((await env.api.get(`/v1/orders/${failedId}`, { token: fan.token })).body.status).toBe('failed');
  });

  it('separate purchases stay separate, newest first; the limit counts purchases', async () => {
    const fan = await signedIn(env);
    const first = await holdDirect(env, sale, fan.userId, { quantity: 1 });
    expect((await order(env, fan.token, { holdId: first, payment: { card: CARDS.declined } })).status).toBe(402);
    const firstPaid = await order(env, fan.token, { holdId: first, payment: { card: CARDS.ok } });
    const second = await holdDirect(env, sale, fan.userId, { quantity: 2 });
    const secondPaid = await order(env, fan.token, { holdId: second, payment: { card: CARDS.ok } });
    const third = await holdDirect(env, sale, fan.userId, { quantity: 1 });
    for (let i = 0; i < 3; i++)
      expect((await order(env, fan.token, { holdId: third, payment: { card: CARDS.declined } })).status).toBe(402);

    const listed = await mine(fan.token);
    expect(listed.map((o) => [o.holdId, o.status, o.paymentAttempts])).toEqual([
      [third, 'failed', 3],
      [second, 'captured', 1],
      [first, 'captured', 2],
    ]);
    expect(listed[1].id).toBe(secondPaid.body.id);
    expect(listed[2].id).toBe(firstPaid.body.id);
    const two = (await env.api.get('/v1/me/orders?limit=2', { token: fan.token })).body.orders as any[];
    expect(two.map((o) => o.holdId)).toEqual([third, second]);
  });
});
