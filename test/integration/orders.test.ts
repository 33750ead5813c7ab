import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { holds } from '../../src/sales/holds.table.js';
import { seats } from '../../src/sales/inventory.table.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { CARDS, commerceCounts, createSale, holdDirect, idem, order, type SaleFixture } from '../support/commerce.js';

let env: TestEnv;
let sale: SaleFixture;
beforeAll(async () => {
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '100000', IDEMPOTENCY_WAIT_MS: '10000' });
  sale = await createSale(env, { seats: 60, gaCapacity: 100 });
});
afterAll(() => env?.close());

let nextSeat = 0;
const freshSeats = (n: number) => sale.seatIds.slice(nextSeat, (nextSeat += n));

describe('POST /v1/orders', () => {
  it('buys a seated hold with a sandbox card: confirmed, captured, tickets issued, labelled sandbox', async () => {
    const fan = await signedIn(env);
    const seatIds = freshSeats(2);
    const holdId = await holdDirect(env, sale, fan.userId, { seatIds });
    const res = await order(env, fan.token, {
      holdId,
      payment: { card: CARDS.ok },
      attendees: [
        { name: 'Ada', email: 'ada@example.test' },
        { name: 'Bob', email: 'bob@example.test' },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: 'captured',
      guaranteed: true,
      sandbox: true,
      provider: 'sandbox',
      totalCents: 2 * sale.unitCents,
      cardCents: 2 * sale.unitCents,
    });
    expect(res.body.payments).toEqual([
      expect.objectContaining({
        method: 'card',
        provider: 'sandbox',
        sandbox: true,
        status: 'captured',
        cardLast4: '4242',
      }),
    ]);
    // The answer is built from the rows the request wrote: exactly what a read of the order shows.
    expect((await env.api.get(`/v1/orders/${res.body.id}`, { token: fan.token })).body).toEqual(res.body);
    expect(res.body.tickets.map((t: any) => [t.seatId, t.attendeeName, t.version, t.status]).sort()).toEqual(
      [
        [seatIds[0], 'Ada', 1, 'valid'],
        [seatIds[1], 'Bob', 1, 'valid'],
      ].sort(),
    );
    const sold = await env.infra.database.db.select().from(seats).where(eq(seats.holdId, holdId));
    expect(sold.map((s) => s.status)).toEqual(['sold', 'sold']);
    const [hold] = await env.infra.database.db.select().from(holds).where(eq(holds.id, holdId));
    expect(hold!.status).toBe('converted');
    const [intent] = await env.infra.database.sql`select status, amount_captured_cents from sandbox_payment_intents`;
    expect(intent).toMatchObject({ status: 'succeeded', amount_captured_cents: 2 * sale.unitCents });

    const timeline = await env.api.get(`/v1/orders/${res.body.id}/timeline`, { token: fan.token });
    expect(timeline.status).toBe(200);
    const kinds = timeline.body.receipts.map((r: any) => r.kind);
    expect(kinds).toEqual([
      'order.placed',
      'hold.converted',
      'payment.authorized',
      'order.confirmed',
      'tickets.issued',
      'payment.captured',
    ]);
    expect(timeline.body.receipts.find((r: any) => r.kind === 'order.confirmed').data.guaranteed).toBe(true);
  });

  it('buys general admission; GET is owner-only (others get 404) and /v1/me/orders lists it', async () => {
    const fan = await signedIn(env);
    const stranger = await signedIn(env);
    const holdId = await holdDirect(env, sale, fan.userId, { quantity: 3 });
    const res = await order(env, fan.token, { holdId, payment: { card: CARDS.ok } });
    expect(res.status).toBe(201);
    expect(res.body.tickets).toHaveLength(3);
    expect(res.body.tickets.every((t: any) => t.seatId === null)).toBe(true);
    expect((await env.api.get(`/v1/orders/${res.body.id}`, { token: fan.token })).body).toEqual(res.body);
    expect((await env.api.get(`/v1/orders/${res.body.id}`, { token: fan.token })).status).toBe(200);
    const other = await env.api.get(`/v1/orders/${res.body.id}`, { token: stranger.token });
    expect(other.status).toBe(404);
    expect(other.body.code).toBe('orders.not_found');
    expect((await env.api.get(`/v1/orders/${res.body.id}/timeline`, { token: stranger.token })).status).toBe(404);
    const mine = await env.api.get('/v1/me/orders', { token: fan.token });
    expect(mine.body.orders.map((o: any) => o.id)).toEqual([res.body.id]);
    const [ga] = await env.infra.database.sql`select held, sold from ga_inventory where tier_id = ${sale.gaTierId}`;
    expect(ga!.held + ga!.sold).toBeGreaterThanOrEqual(3);
  });

  it.each([
    ['declined', 'payments.card_declined', CARDS.declined],
    ['insufficient funds', 'payments.insufficient_funds', CARDS.insufficient],
    ['requires authentication', 'payments.authentication_required', CARDS.authentication],
  ] as const)('a %s card answers 402 %s, sells nothing and leaves the hold to retry', async (_label, code, card) => {
    const fan = await signedIn(env);
    const holdId = await holdDirect(env, sale, fan.userId, { seatIds: freshSeats(1) });
    const before = await commerceCounts(env);
    const res = await order(env, fan.token, { holdId, payment: { card } });
    expect(res.status).toBe(402);
    expect(res.body.code).toBe(code);
    const after = await commerceCounts(env);
    expect(after).toMatchObject({
      sold_seats: before.sold_seats,
      tickets: before.tickets,
      payments: before.payments,
      converted: before.converted,
    });
    const [hold] = await env.infra.database.db.select().from(holds).where(eq(holds.id, holdId));
    expect(hold!.status).toBe('active');
    const retry = await order(env, fan.token, { holdId, payment: { card: CARDS.ok } });
    expect(retry.status).toBe(201);
    expect(retry.body.status).toBe('captured');
  });

  it('the same Idempotency-Key 10 times in parallel: one order, one charge, the same answer', async () => {
    const fan = await signedIn(env);
    const holdId = await holdDirect(env, sale, fan.userId, { seatIds: freshSeats(2) });
    const before = await commerceCounts(env);
    const key = idem();
    const body = { holdId, payment: { card: CARDS.ok } };
    const results = await Promise.all(Array.from({ length: 10 }, () => order(env, fan.token, body, key)));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(201));
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    const after = await commerceCounts(env);
    expect(after.orders - before.orders).toBe(1);
    expect(after.intents - before.intents).toBe(1);
    expect(after.tickets - before.tickets).toBe(2);
    const [charge] = await env.infra.database
      .sql`select count(*)::int as n, sum(amount_captured_cents)::int as captured from sandbox_payment_intents where metadata->>'holdId' = ${holdId}`;
    expect(charge).toEqual({ n: 1, captured: 2 * sale.unitCents });
  });

  it('a second checkout of the same hold with another key is refused, not charged again', async () => {
    const fan = await signedIn(env);
    const holdId = await holdDirect(env, sale, fan.userId, { seatIds: freshSeats(1) });
    expect((await order(env, fan.token, { holdId, payment: { card: CARDS.ok } })).status).toBe(201);
    const before = await commerceCounts(env);
    const again = await order(env, fan.token, { holdId, payment: { card: CARDS.ok } });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('orders.hold_already_ordered');
    expect(await commerceCounts(env)).toEqual(before);
  });

  it('a retry whose key claim is gone (first process died, or failed on our side) answers the order the first attempt placed', async () => {
    const fan = await signedIn(env);
    const holdId = await holdDirect(env, sale, fan.userId, { seatIds: freshSeats(1) });
    const key = idem();
    const first = await order(env, fan.token, { holdId, payment: { card: CARDS.ok } }, key);
    expect(first.status).toBe(201);
    // What a takeover or a release leaves: the order exists, the stored answer does not.
    await env.infra.database.sql`delete from idempotency_keys where key = ${key}`;
    const before = await commerceCounts(env);
    const retry = await order(env, fan.token, { holdId, payment: { card: CARDS.ok } }, key);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(await commerceCounts(env)).toEqual(before);
    const [row] = await env.infra.database.sql`select count(*)::int as n from orders where hold_id = ${holdId}`;
    expect(row!.n).toBe(1);
    // Another account's key does not open somebody else's order.
    const stranger = await signedIn(env);
    expect((await order(env, stranger.token, { holdId, payment: { card: CARDS.ok } }, key)).status).toBe(404);
  });
});

describe('bad input leaves the database unchanged', () => {
  it('answers the exact problem for each bad request', async () => {
    const fan = await signedIn(env);
    const stranger = await signedIn(env);
    const holdId = await holdDirect(env, sale, fan.userId, { seatIds: freshSeats(1) });
    const strangersHold = await holdDirect(env, sale, stranger.userId, { seatIds: freshSeats(1) });
    const expiredHold = await holdDirect(env, sale, fan.userId, { seatIds: freshSeats(1) }, 1);
    await new Promise((r) => setTimeout(r, 1100));
    const card = CARDS.ok;
    const cases: [string, { body?: unknown; raw?: string; token?: string; key?: string | null }, number, string][] = [
      ['malformed JSON', { raw: '{"holdId": ' }, 400, 'request.malformed_json'],
      ['holdId of the wrong type', { body: { holdId: 42, payment: { card } } }, 400, 'request.invalid'],
      ['unknown field', { body: { holdId, payment: { card }, price: 1 } }, 400, 'request.invalid'],
      [
        'card expiry month out of range',
        { body: { holdId, payment: { card: { ...card, expMonth: 13 } } } },
        400,
        'request.invalid',
      ],
      [
        'negative gift-card amount',
        { body: { holdId, payment: { card, giftCards: [{ code: 'FD-0000-0000-0000-0000', amountCents: -5 }] } } },
        400,
        'request.invalid',
      ],
      [
        'huge gift-card amount',
        { body: { holdId, payment: { card, giftCards: [{ code: 'FD-0000-0000-0000-0000', amountCents: 1e12 }] } } },
        400,
        'request.invalid',
      ],
      ['no Idempotency-Key', { body: { holdId, payment: { card } }, key: null }, 400, 'idempotency.key_required'],
      ['not signed in', { body: { holdId, payment: { card } }, token: '' }, 401, 'auth.required'],
      ['unknown hold', { body: { holdId: crypto.randomUUID(), payment: { card } } }, 404, 'sales.hold_not_found'],
      ["another account's hold", { body: { holdId: strangersHold, payment: { card } } }, 404, 'sales.hold_not_found'],
      ['expired hold', { body: { holdId: expiredHold, payment: { card } } }, 409, 'sales.hold_expired'],
      ['wrong currency', { body: { holdId, currency: 'USD', payment: { card } } }, 422, 'orders.currency_mismatch'],
      ['no card for the rest', { body: { holdId, payment: {} } }, 422, 'orders.payment_required'],
      [
        'unknown gift card',
        { body: { holdId, payment: { card, giftCards: [{ code: 'FD-0000-0000-0000-0000' }] } } },
        422,
        'giftcards.invalid_code',
      ],
      [
        'too many attendees',
        {
          body: {
            holdId,
            payment: { card },
            attendees: [
              { name: 'A', email: 'a@x.test' },
              { name: 'B', email: 'b@x.test' },
            ],
          },
        },
        422,
        'orders.attendees_mismatch',
      ],
      [
        'a real-looking card in the sandbox',
        { body: { holdId, payment: { card: { ...card, number: '4111 1111 1111 1111' } } } },
        422,
        'payments.sandbox_card_unknown',
      ],
      [
        'an invalid card number',
        { body: { holdId, payment: { card: { ...card, number: '4242 4242 4242 4241' } } } },
        422,
        'payments.card_invalid',
      ],
      [
        'an expired card',
        { body: { holdId, payment: { card: { ...card, expYear: 2020 } } } },
        422,
        'payments.card_expired',
      ],
      [
        'Stripe when it is not configured',
        { body: { holdId, payment: { card: { stripePaymentMethodId: 'pm_card_visa' } } } },
        422,
        'payments.provider_unavailable',
      ],
    ];
    for (const [label, c, status, code] of cases) {
      const before = await commerceCounts(env);
      const headers: Record<string, string> = c.key === null ? {} : { 'idempotency-key': c.key ?? idem() };
      const res = await env.api.call('POST', '/v1/orders', c.body, {
        raw: c.raw,
        token: c.token ?? fan.token,
        headers,
      });
      expect([label, res.status, res.body.code]).toEqual([label, status, code]);
      const after = await commerceCounts(env);
      // A refused card may leave a failed order row behind (its receipt says why), never a sale or a payment.
      expect([label, after.sold_seats, after.tickets, after.payments, after.converted, after.ledger]).toEqual([
        label,
        before.sold_seats,
        before.tickets,
        before.payments,
        before.converted,
        before.ledger,
      ]);
    }
    // Another account's order: 404, no existence leak.
    const bought = await order(env, fan.token, { holdId, payment: { card } });
    expect(bought.status).toBe(201);
    const peek = await env.api.patch(
      `/v1/orders/${bought.body.id}`,
      { cancel: {} },
      { token: stranger.token, headers: { 'idempotency-key': idem() } },
    );
    expect(peek.status).toBe(404);
    expect(peek.body.code).toBe('orders.not_found');
  });

  it('PATCH /v1/orders/:id and the gift-card endpoints refuse bad input the same way', async () => {
    const fan = await signedIn(env);
    const stranger = await signedIn(env);
    const holdId = await holdDirect(env, sale, fan.userId, { seatIds: freshSeats(1) });
    const bought = await order(env, fan.token, { holdId, payment: { card: CARDS.ok } });
    const strangersHold = await holdDirect(env, sale, stranger.userId, { seatIds: freshSeats(1) });
    const id = bought.body.id;
    const organizer = sale.organizer.token;
    const cases: [
      string,
      string,
      string,
      { body?: unknown; raw?: string; token?: string; key?: string | null },
      number,
      string,
    ][] = [
      ['malformed JSON', 'PATCH', `/v1/orders/${id}`, { raw: '{"cancel":' }, 400, 'request.malformed_json'],
      [
        'cancel and exchange at once',
        'PATCH',
        `/v1/orders/${id}`,
        { body: { cancel: {}, exchange: { ticketIds: [crypto.randomUUID()], holdId } } },
        400,
        'request.invalid',
      ],
      [
        'ticket ids of the wrong type',
        'PATCH',
        `/v1/orders/${id}`,
        { body: { cancel: { ticketIds: [7] } } },
        400,
        'request.invalid',
      ],
      ['an order id that is not a uuid', 'PATCH', '/v1/orders/42', { body: { cancel: {} } }, 400, 'request.invalid'],
      [
        'no Idempotency-Key',
        'PATCH',
        `/v1/orders/${id}`,
        { body: { cancel: {} }, key: null },
        400,
        'idempotency.key_required',
      ],
      [
        'an unknown order',
        'PATCH',
        `/v1/orders/${crypto.randomUUID()}`,
        { body: { cancel: {} } },
        404,
        'orders.not_found',
      ],
      [
        "another account's order",
        'PATCH',
        `/v1/orders/${id}`,
        { body: { cancel: {} }, token: stranger.token },
        404,
        'orders.not_found',
      ],
      [
        'a ticket of another order',
        'PATCH',
        `/v1/orders/${id}`,
        { body: { cancel: { ticketIds: [crypto.randomUUID()] } } },
        422,
        'orders.unknown_ticket',
      ],
      [
        "exchange into another account's hold",
        'PATCH',
        `/v1/orders/${id}`,
        { body: { exchange: { ticketIds: [bought.body.tickets[0].id], holdId: strangersHold } } },
        404,
        'sales.hold_not_found',
      ],
      [
        'gift card: negative amount',
        'POST',
        '/v1/gift-cards',
        { body: { amountCents: -100, currency: 'EUR' }, token: organizer },
        400,
        'request.invalid',
      ],
      [
        'gift card: huge amount',
        'POST',
        '/v1/gift-cards',
        { body: { amountCents: 1e9, currency: 'EUR' }, token: organizer },
        400,
        'request.invalid',
      ],
      [
        'gift card: not a currency',
        'POST',
        '/v1/gift-cards',
        { body: { amountCents: 1000, currency: 'EURO' }, token: organizer },
        400,
        'request.invalid',
      ],
      [
        'gift card: malformed JSON',
        'POST',
        '/v1/gift-cards',
        { raw: '{"amountCents"', token: organizer },
        400,
        'request.malformed_json',
      ],
      [
        'gift card: a fan may not issue',
        'POST',
        '/v1/gift-cards',
        { body: { amountCents: 1000, currency: 'EUR' } },
        403,
        'auth.forbidden',
      ],
      [
        'gift card purchase: wrong types',
        'POST',
        '/v1/gift-cards/purchase',
        { body: { amountCents: '10', currency: 'EUR', payment: { card: CARDS.ok } } },
        400,
        'request.invalid',
      ],
      [
        'gift card purchase: declined card',
        'POST',
        '/v1/gift-cards/purchase',
        { body: { amountCents: 1000, currency: 'EUR', payment: { card: CARDS.declined } } },
        402,
        'payments.card_declined',
      ],
      ['gift card balance: no code', 'GET', '/v1/gift-cards/balance', {}, 400, 'request.invalid'],
    ];
    const snapshot = async () => ({
      counts: await commerceCounts(env),
      order: (await env.infra.database.sql`select status, refunded_cents from orders where id = ${id}`)[0],
      cards: (await env.infra.database.sql`select count(*)::int as n from gift_cards`)[0],
    });
    for (const [label, method, path, c, status, code] of cases) {
      const before = await snapshot();
      const headers: Record<string, string> =
        c.key === null || method === 'GET' ? {} : { 'idempotency-key': c.key ?? idem() };
      const res = await env.api.call(method, path, c.body, { raw: c.raw, token: c.token ?? fan.token, headers });
      expect([label, res.status, res.body.code]).toEqual([label, status, code]);
      const after = await snapshot();
      // A declined card leaves its sandbox intent (that is the processor's record), nothing of ours.
      expect([label, { ...after.counts, intents: 0 }, after.order, after.cards]).toEqual([
        label,
        { ...before.counts, intents: 0 },
        before.order,
        before.cards,
      ]);
    }
  });
});
