import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../src/db/index.js';
import { SandboxProvider } from '../../src/payments/sandbox.provider.js';
import { sandboxCard } from '../../src/payments/payments.schemas.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { CARDS, createSale, holdDirect, idem, order, type SaleFixture } from '../support/commerce.js';

let env: TestEnv;
let sale: SaleFixture;
beforeAll(async () => {
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '100000' });
  sale = await createSale(env, { seats: 30 });
});
afterAll(() => env?.close());

let nextSeat = 0;
const freshSeats = (n: number) => sale.seatIds.slice(nextSeat, (nextSeat += n));
const card = (c: (typeof CARDS)[keyof typeof CARDS]) => ({ type: 'sandbox_card' as const, card: sandboxCard.parse(c) });
const commerce = () => env.server.app.services.commerce;

describe('sandbox provider', () => {
  it("answers Stripe's test cards as Stripe test mode does, and says it is a sandbox", async () => {
    const sandbox = new SandboxProvider(env.infra.database.db);
    const authorize = (c: (typeof CARDS)[keyof typeof CARDS]) =>
      sandbox.authorize({ amountCents: 1000, currency: 'EUR', source: card(c), idempotencyKey: idem(), metadata: {} });
    expect(await authorize(CARDS.ok)).toMatchObject({
      provider: 'sandbox',
      status: 'requires_capture',
      failureCode: null,
      cardLast4: '4242',
    });
    expect(await authorize(CARDS.declined)).toMatchObject({
      status: 'requires_payment_method',
      failureCode: 'card_declined',
    });
    expect(await authorize(CARDS.insufficient)).toMatchObject({
      status: 'requires_payment_method',
      failureCode: 'insufficient_funds',
    });
    expect(await authorize(CARDS.authentication)).toMatchObject({
      status: 'requires_action',
      failureCode: 'authentication_required',
    });
  });

  it('keeps real state across restarts: replayed keys, capture, partial refunds, cancel', async () => {
    const key = idem();
    const first = await new SandboxProvider(env.infra.database.db).authorize({
      amountCents: 3000,
      currency: 'EUR',
      source: card(CARDS.ok),
      idempotencyKey: key,
      metadata: {},
    });
    // A "restarted" provider (a new instance, nothing in memory) sees the same intent.
    const restarted = new SandboxProvider(env.infra.database.db);
    expect((await restarted.recover({ idempotencyKey: key }))!.intentId).toBe(first.intentId);
    expect(
      (
        await restarted.authorize({
          amountCents: 3000,
          currency: 'EUR',
          source: card(CARDS.ok),
          idempotencyKey: key,
          metadata: {},
        })
      ).intentId,
    ).toBe(first.intentId);
    await restarted.capture(first.intentId);
    expect((await restarted.capture(first.intentId)).amountCapturedCents).toBe(3000);
    const refundKey = idem();
    await restarted.refund(first.intentId, 1000, refundKey);
    await restarted.refund(first.intentId, 1000, refundKey);
    expect(await restarted.retrieve(first.intentId)).toMatchObject({
      status: 'succeeded',
      amountCapturedCents: 3000,
      amountRefundedCents: 1000,
    });
    await expect(restarted.refund(first.intentId, 2500, idem())).rejects.toMatchObject({
      code: 'payments.refund_exceeds_capture',
    });
    await expect(restarted.cancel(first.intentId)).rejects.toMatchObject({ code: 'payments.not_cancelable' });
    const other = await restarted.authorize({
      amountCents: 500,
      currency: 'EUR',
      source: card(CARDS.ok),
      idempotencyKey: idem(),
      metadata: {},
    });
    expect((await restarted.cancel(other.intentId)).status).toBe('canceled');
    await expect(restarted.capture(other.intentId)).rejects.toMatchObject({ code: 'payments.not_capturable' });
  });
  it('writes concurrent authorizations and captures together, each caller answered with its own intent', async () => {
    let statements = 0;
    const sql = postgres(env.db.url, { max: 10, onnotice: () => {}, debug: () => void statements++ });
    try {
      const sandbox = new SandboxProvider(drizzle(sql, { schema }));
      const keys = Array.from({ length: 40 }, () => idem());
      const authorize = (key: string, amountCents: number) =>
        sandbox.authorize({ amountCents, currency: 'EUR', source: card(CARDS.ok), idempotencyKey: key, metadata: {} });
      // 40 purchases at once, and a twin of the first 5 (the same key) among them.
      const intents = await Promise.all([
        ...keys.map((key, i) => authorize(key, 100 + i)),
        ...keys.slice(0, 5).map((key, i) => authorize(key, 100 + i)),
      ]);
      expect(statements).toBeLessThanOrEqual(4);
      expect(intents.slice(0, 40).map((i) => i.amountCents)).toEqual(keys.map((_, i) => 100 + i));
      expect(intents.slice(40).map((i) => i.intentId)).toEqual(intents.slice(0, 5).map((i) => i.intentId));
      const rows =
        await sql`select idempotency_key, amount_cents from sandbox_payment_intents where idempotency_key = any(${keys})`;
      expect(rows).toHaveLength(40);

      statements = 0;
      const ids = intents.slice(0, 40).map((i) => i.intentId);
      const captured = await Promise.all([...ids, ids[0]!].map((id) => sandbox.capture(id)));
      expect(statements).toBeLessThanOrEqual(4);
      expect(captured.every((c) => c.status === 'succeeded')).toBe(true);
      expect(captured.map((c) => c.intentId)).toEqual([...ids, ids[0]]);
      const [{ n }] = (await sql`select count(*)::int as n from sandbox_payment_intents
        where id = any(${ids}) and status = 'succeeded' and amount_captured_cents = amount_cents`) as unknown as [
        { n: number },
      ];
      expect(n).toBe(40);
      // A bad item in a batch fails only its own caller.
      const mixed = await Promise.allSettled([authorize(idem(), 700), authorize(idem(), 0), authorize(idem(), 800)]);
      expect(mixed.map((m) => m.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    } finally {
      await sql.end();
    }
  });
});

describe('reconciler, in process', () => {
  it('unwinds a committed order whose authorization was cancelled at the processor: seats back, tickets revoked', async () => {
    const fan = await signedIn(env);
    const seatIds = freshSeats(2);
    const holdId = await holdDirect(env, sale, fan.userId, { seatIds });
    const placed = await order(env, fan.token, { holdId, payment: { card: CARDS.ok } });
    // Pretend the capture never happened and the authorization was then voided at the processor.
    await env.infra.database
      .sql`update orders set status = 'confirmed', captured_at = null where id = ${placed.body.id}`;
    await env.infra.database.sql`update payments set status = 'authorized' where order_id = ${placed.body.id}`;
    await env.infra.database
      .sql`update sandbox_payment_intents set status = 'canceled', amount_captured_cents = 0 where metadata->>'orderId' = ${placed.body.id}`;
    expect(await commerce().orders.reconciler.reconcileOrder(placed.body.id)).toBe('voided');
    const [seats] = await env.infra.database
      .sql`select count(*)::int as n from seats where id = any(${seatIds}) and status = 'available'`;
    expect(seats!.n).toBe(2);
    const [tickets] = await env.infra.database
      .sql`select array_agg(status) as s from tickets where order_id = ${placed.body.id}`;
    expect(tickets!.s).toEqual(['revoked', 'revoked']);
    // Running it again changes nothing.
    expect(await commerce().orders.reconciler.reconcileOrder(placed.body.id)).toBe('voided');
  });

  it('the sweep leaves fresh orders alone and settles stale ones', async () => {
    const fan = await signedIn(env);
    const holdId = await holdDirect(env, sale, fan.userId, { seatIds: freshSeats(1) });
    const placed = await order(env, fan.token, { holdId, payment: { card: CARDS.ok } });
    await env.infra.database
      .sql`update orders set status = 'confirmed', captured_at = null where id = ${placed.body.id}`;
    await env.infra.database.sql`update payments set status = 'authorized' where order_id = ${placed.body.id}`;
    expect((await commerce().orders.reconciler.sweep()).examined).toBe(0);
    await env.infra.database.sql`update orders set updated_at = now() - interval '1 hour' where id = ${placed.body.id}`;
    const report = await commerce().orders.reconciler.sweep();
    expect(report).toMatchObject({ examined: 1, captured: 1, errors: 0 });
  });
});

describe('exchange seats within the event', () => {
  it('converts the new hold and frees the old seats in one transaction; the ticket version is bumped', async () => {
    const fan = await signedIn(env);
    const [oldSeat, newSeat] = freshSeats(2);
    const holdId = await holdDirect(env, sale, fan.userId, { seatIds: [oldSeat!] });
    const placed = await order(env, fan.token, { holdId, payment: { card: CARDS.ok } });
    const ticket = placed.body.tickets[0];
    const newHold = await holdDirect(env, sale, fan.userId, { seatIds: [newSeat!] });
    const res = await env.api.patch(
      `/v1/orders/${placed.body.id}`,
      { exchange: { ticketIds: [ticket.id], holdId: newHold } },
      { token: fan.token, headers: { 'idempotency-key': idem() } },
    );
    expect(res.status).toBe(200);
    expect(res.body.tickets[0]).toMatchObject({ id: ticket.id, seatId: newSeat, version: 2, status: 'valid' });
    const rows = await env.infra.database.sql`select id, status from seats where id = any(${[oldSeat!, newSeat!]})`;
    expect(Object.fromEntries(rows.map((r) => [r.id, r.status]))).toEqual({
      [oldSeat!]: 'available',
      [newSeat!]: 'sold',
    });
    const timeline = await env.api.get(`/v1/orders/${placed.body.id}/timeline`, { token: fan.token });
    expect(timeline.body.receipts.map((r: any) => r.kind)).toContain('tickets.exchanged');
  });

  it('refuses a change the event policy does not allow, and changes nothing', async () => {
    const strict = await createSale(env, { seats: 4, refundable: false });
    const fan = await signedIn(env);
    const holdId = await holdDirect(env, strict, fan.userId, { seatIds: strict.seatIds.slice(0, 1) });
    const placed = await order(env, fan.token, { holdId, payment: { card: CARDS.ok } });
    const res = await env.api.patch(
      `/v1/orders/${placed.body.id}`,
      { cancel: {} },
      { token: fan.token, headers: { 'idempotency-key': idem() } },
    );
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('orders.policy_forbids');
    const [row] = await env.infra.database.sql`select status, refunded_cents from orders where id = ${placed.body.id}`;
    expect(row).toEqual({ status: 'captured', refunded_cents: 0 });
  });
});
