import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { CARDS, createSale, idem, order } from '../support/commerce.js';

/**
 * The sales race, end to end: many fans on separate connections hold AND buy through the API.
 * Whatever the interleaving, exactly the capacity is sold, no seat twice, every loser gets a
 * specific 409, and every charge has its seats.
 */

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '100000', IDEMPOTENCY_WAIT_MS: '10000', REQUEST_TIMEOUT_MS: '60000' });
});
afterAll(() => env?.close());

const LOSER_CODES = new Set([
  'sales.seat_unavailable',
  'sales.sold_out',
  'sales.not_enough_seats',
  'sales.not_enough_together',
]);

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

describe('500 buyers, 100 places: hold and buy', () => {
  it('sells exactly the capacity, each seat once, with a charge for every ticket and none without', async () => {
    const sale = await createSale(env, { seats: 60, gaCapacity: 40, priceCents: 2000, feeCents: 250 });
    const fans = [];
    for (let i = 0; i < 500; i += 50)
      fans.push(...(await Promise.all(Array.from({ length: 50 }, () => signedIn(env)))));
    const holdRequest = (i: number) => {
      const kind = i % 3;
      if (kind === 0)
        return {
          eventId: sale.eventId,
          tierId: sale.seatedTierId,
          seats: shuffle([...sale.seatIds]).slice(0, 1 + (i % 2)),
        };
      if (kind === 1)
        return {
          eventId: sale.eventId,
          tierId: sale.seatedTierId,
          quantity: 1 + (i % 2),
          ...(i % 4 === 1 ? { together: true } : {}),
        };
      return { eventId: sale.eventId, tierId: sale.gaTierId, quantity: 1 + (i % 2) };
    };
    const buy = async (token: string, holdId: string, i: number) => {
      // One in ten first tries a declined card, then pays: a decline must not lose the seats.
      if (i % 10 === 0) {
        const declined = await order(env, token, { holdId, payment: { card: CARDS.declined } });
        expect(declined.status).toBe(402);
      }
      return order(env, token, { holdId, payment: { card: CARDS.ok } });
    };
    const attempt = async (fan: { token: string }, i: number) => {
      const held = await env.api.post('/v1/holds', holdRequest(i), {
        token: fan.token,
        headers: { 'idempotency-key': idem() },
      });
      if (held.status !== 201) return { held: held.status, code: held.body.code as string };
      const bought = await buy(fan.token, held.body.id, i);
      return {
        held: 201,
        bought: bought.status,
        code: bought.body.code as string,
        quantity: held.body.quantity as number,
      };
    };
    const results = await Promise.all(shuffle(fans.map((f, i) => [f, i] as const)).map(([f, i]) => attempt(f, i)));
    for (const r of results.filter((x) => x.held !== 201)) {
      expect(r.held).toBe(409);
      expect(LOSER_CODES).toContain(r.code);
    }
    expect(results.filter((r) => r.held === 201).every((r) => r.bought === 201)).toBe(true);

    // Mop up what the first wave's all-or-nothing requests left: one place at a time until each tier says sold out.
    for (const tierId of [sale.seatedTierId, sale.gaTierId]) {
      for (let i = 0; ; i++) {
        const fan = fans[i % fans.length]!;
        const held = await env.api.post(
          '/v1/holds',
          { eventId: sale.eventId, tierId, quantity: 1 },
          { token: fan.token, headers: { 'idempotency-key': idem() } },
        );
        if (held.status !== 201) {
          expect(held.body.code).toMatch(/^sales\.(sold_out|not_enough_seats)$/);
          break;
        }
        expect((await order(env, fan.token, { holdId: held.body.id, payment: { card: CARDS.ok } })).status).toBe(201);
      }
    }

    const sql = env.infra.database.sql;
    const [seats] =
      await sql`select count(*) filter (where status = 'sold')::int as sold, count(*) filter (where status <> 'sold')::int as other from seats where event_id = ${sale.eventId}`;
    expect(seats).toEqual({ sold: 60, other: 0 });
    const [ga] = await sql`select held, sold, capacity from ga_inventory where tier_id = ${sale.gaTierId}`;
    expect(ga).toEqual({ held: 0, sold: 40, capacity: 40 });
    const [tickets] =
      await sql`select count(*)::int as n, count(distinct seat_id)::int as seats, count(*) filter (where seat_id is null)::int as ga from tickets where event_id = ${sale.eventId} and status = 'valid'`;
    expect(tickets).toEqual({ n: 100, seats: 60, ga: 40 });
    // Every ticket is paid for exactly once, and every charge has its tickets.
    const [money] = await sql`
      select (select coalesce(sum(amount_captured_cents), 0)::int from sandbox_payment_intents where status = 'succeeded' and metadata->>'orderId' in (select id::text from orders where event_id = ${sale.eventId})) as captured,
             (select count(*)::int from sandbox_payment_intents where status = 'requires_capture') as dangling,
             (select coalesce(sum(total_cents), 0)::int from orders where event_id = ${sale.eventId} and status = 'captured') as ordered`;
    expect(money).toEqual({ captured: 100 * 2250, dangling: 0, ordered: 100 * 2250 });
  });
});

describe('per-account limit under concurrent holds and orders from one account', () => {
  it('never lets one account hold or own more than the limit', async () => {
    const sale = await createSale(env, { seats: 20, gaCapacity: 50, perAccountLimit: 4 });
    const fan = await signedIn(env);
    const holds = await Promise.all(
      Array.from({ length: 8 }, () =>
        env.api.post(
          '/v1/holds',
          { eventId: sale.eventId, tierId: sale.gaTierId, quantity: 1 },
          { token: fan.token, headers: { 'idempotency-key': idem() } },
        ),
      ),
    );
    const won = holds.filter((h) => h.status === 201);
    expect(won).toHaveLength(4);
    expect(new Set(holds.filter((h) => h.status !== 201).map((h) => h.body.code))).toEqual(
      new Set(['sales.limit_exceeded']),
    );
    const orders = await Promise.all(
      won.map((h) => order(env, fan.token, { holdId: h.body.id, payment: { card: CARDS.ok } })),
    );
    expect(orders.map((o) => o.status)).toEqual([201, 201, 201, 201]);
    const more = await env.api.post(
      '/v1/holds',
      { eventId: sale.eventId, tierId: sale.seatedTierId, quantity: 1 },
      { token: fan.token, headers: { 'idempotency-key': idem() } },
    );
    expect(more.status).toBe(409);
    expect(more.body.code).toBe('sales.limit_exceeded');
    const [{ n }] = (await env.infra.database
      .sql`select count(*)::int as n from tickets where holder_id = ${fan.userId} and event_id = ${sale.eventId} and status = 'valid'`) as any[];
    expect(n).toBe(4);
  });
});
