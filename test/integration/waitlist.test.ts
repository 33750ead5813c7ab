import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepExpiredHolds } from '../../src/sales/expiry.jobs.js';
import { auditEvent } from '../../tools/simulator/audit.js';
import { CARDS, createSale, holdDirect, idem, order, type SaleFixture } from '../support/commerce.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';

/**
 * The ordered waitlist (issue #19, part 2) through its HTTP interface, on real Postgres and Redis:
 * join, position, leave; a returned place offered to the first fan in line as a hold they buy
 * through the ordinary checkout; an unused offer passing to the next; and many places returned
 * to many fans at once, none offered twice, none lost (asserted in the database and by the audit).
 */
let env: TestEnv;

beforeAll(async () => {
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '10000' });
}, 60_000);
afterAll(async () => {
  await env?.close();
});

type Fan = Awaited<ReturnType<typeof signedIn>>;
const as = (fan: Fan, key: string | null = idem()) => ({
  token: fan.token,
  headers: key ? { 'idempotency-key': key } : ({} as Record<string, string>),
});
const join = (sale: SaleFixture, fan: Fan, key: string | null = idem()) =>
  env.api.post(`/v1/events/${sale.eventId}/waitlist`, undefined, as(fan, key));
const mine = (sale: SaleFixture, fan: Fan) => env.api.get(`/v1/events/${sale.eventId}/waitlist/me`, as(fan, null));

/** Every seat and GA place of the sale held by one buyer, one hold per place; returns the hold ids. */
async function sellOut(sale: SaleFixture, buyer: Fan, gaCapacity: number): Promise<string[]> {
  const ids: string[] = [];
  for (const seatId of sale.seatIds) ids.push(await holdDirect(env, sale, buyer.userId, { seatIds: [seatId] }));
  for (let i = 0; i < gaCapacity; i++) ids.push(await holdDirect(env, sale, buyer.userId, { quantity: 1 }));
  return ids;
}

async function entries(eventId: string) {
  const rows = await env.infra.database.db.execute<{
    user_id: string;
    seq: number;
    state: string;
    hold_id: string | null;
    hold_status: string | null;
    hold_user: string | null;
  }>(sql`select w.user_id, w.seq::int as seq, w.state, w.hold_id, h.status as hold_status, h.user_id as hold_user
         from waitlist_entries w left join holds h on h.id = w.hold_id
         where w.event_id = ${eventId} order by w.seq`);
  return [...rows];
}

/** Lets a hold run out: its expiry moved to the past (time passing), then the worker's real sweep. */
async function lapse(holdId: string): Promise<void> {
  const db = env.infra.database.db;
  await db.execute(sql`update holds set expires_at = now() - interval '1 second' where id = ${holdId}`);
  expect(await sweepExpiredHolds(db, env.infra.signer)).toBeGreaterThanOrEqual(1);
}

describe('waitlist', () => {
  it('joins once per account after sell-out, shows the position, leaves; organizers see the line', async () => {
    const sale = await createSale(env, { seats: 1, gaCapacity: 1 });
    const [a, b, c, buyer] = [await signedIn(env), await signedIn(env), await signedIn(env), await signedIn(env)];

    const early = await join(sale, a);
    expect(early.status).toBe(409);
    expect(early.contentType).toContain('application/problem+json');
    expect(early.body.code).toBe('waitlist.not_sold_out');

    await sellOut(sale, buyer, 1);
    const noKey = await join(sale, a, null);
    expect(noKey.status).toBe(400);
    expect(noKey.body.errors[0].field).toBe('Idempotency-Key');
    const badId = await env.api.post('/v1/events/not-a-uuid/waitlist', undefined, as(a));
    expect(badId.status).toBe(400);
    expect(JSON.stringify(badId.body.errors)).toContain('id');

    const first = await join(sale, a);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ state: 'waiting', position: 1, waiting: 1, holdId: null });
    expect((await join(sale, b)).body.position).toBe(2);
    expect((await join(sale, c)).body.position).toBe(3);
    // Again, with another key: the same entry, not a second one.
    const again = await join(sale, a);
    expect(again.status).toBe(200);
    expect(again.body.position).toBe(1);
    expect((await mine(sale, b)).body).toMatchObject({ state: 'waiting', position: 2, waiting: 3 });

    const left = await env.api.delete(`/v1/events/${sale.eventId}/waitlist/me`, as(b));
    expect(left.status).toBe(200);
    expect(left.body).toMatchObject({ state: 'left', position: null, waiting: 2 });
    expect((await mine(sale, c)).body.position).toBe(2);
    expect((await env.api.get(`/v1/events/${sale.eventId}/waitlist/me`, as(buyer, null))).status).toBe(404);

    const rows = await entries(sale.eventId);
    expect(rows.map((r) => [r.user_id, r.seq, r.state])).toEqual([
      [a.userId, 1, 'waiting'],
      [b.userId, 2, 'left'],
      [c.userId, 3, 'waiting'],
    ]);

    const list = await env.api.get(`/v1/events/${sale.eventId}/waitlist`, { token: sale.organizer.token });
    expect(list.status).toBe(200);
    expect(list.body.counts).toMatchObject({ waiting: 2, left: 1, offered: 0 });
    expect(list.body.entries.map((e: any) => [e.seq, e.state, e.position])).toEqual([
      [1, 'waiting', 1],
      [2, 'left', null],
      [3, 'waiting', 2],
    ]);
    const otherOrganizer = await signedIn(env, ['organizer']);
    expect(
      (await env.api.get(`/v1/events/${sale.eventId}/waitlist`, { token: otherOrganizer.token })).status,
    ).toBeGreaterThanOrEqual(403);
    expect((await env.api.get(`/v1/events/${sale.eventId}/waitlist`, { token: a.token })).status).toBe(403);
  });

  it('offers a lapsed hold’s seat to the first fan, who buys it at checkout; an unused offer passes on', async () => {
    const sale = await createSale(env, { seats: 1, gaCapacity: 0 });
    const [a, b, buyer] = [await signedIn(env), await signedIn(env), await signedIn(env)];
    const [seatHold] = await sellOut(sale, buyer, 0);
    expect((await join(sale, a)).status).toBe(201);
    expect((await join(sale, b)).status).toBe(201);

    // The buyer's hold lapses: the expiry sweep returns the seat, to A.
    await lapse(seatHold!);
    const offered = await mine(sale, a);
    expect(offered.body).toMatchObject({ state: 'offered', position: null });
    const offerExpires = new Date(offered.body.offerExpiresAt).getTime() - Date.now();
    expect(offerExpires).toBeGreaterThan(9 * 60_000);
    expect(offerExpires).toBeLessThanOrEqual(10 * 60_000);
    expect((await mine(sale, b)).body).toMatchObject({ state: 'waiting', position: 1 });

    // The offer is A's hold on that very seat: nobody else can hold it.
    const hold = await env.api.get(`/v1/holds/${offered.body.holdId}`, { token: a.token });
    expect(hold.body).toMatchObject({ status: 'active', quantity: 1 });
    expect(hold.body.seats.map((s: any) => s.id)).toEqual(sale.seatIds);
    const other = await signedIn(env);
    const taken = await env.api.post(
      '/v1/holds',
      { eventId: sale.eventId, tierId: sale.seatedTierId, quantity: 1 },
      as(other),
    );
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe('sales.sold_out');

    // A was told: a feed notice and a mail.
    const mail = await env.infra.database.db.execute<{ channel: string; recipient: string }>(
      sql`select channel, recipient from notification_outbox where kind = 'waitlist.offer' and user_id = ${a.userId}`,
    );
    expect([...mail].map((m) => m.channel).sort()).toEqual(['email', 'push']);

    // A buys it through the ordinary checkout.
    const bought = await order(env, a.token, { holdId: offered.body.holdId, payment: { card: CARDS.ok } });
    expect(bought.status).toBe(201);
    expect(bought.body.tickets.map((t: any) => t.seatId)).toEqual(sale.seatIds);
    expect((await mine(sale, a)).body.state).toBe('bought');

    // A cancels that order: the seat comes back, to B, who lets the offer run out: it goes back on sale
    // (nobody else is waiting).
    const cancelled = await env.api.patch(`/v1/orders/${bought.body.id}`, { cancel: {} }, as(a));
    expect(cancelled.status).toBe(200);
    const bOffer = await mine(sale, b);
    expect(bOffer.body.state).toBe('offered');
    await lapse(bOffer.body.holdId);
    const lapsed = await mine(sale, b);
    expect(lapsed.body.state).toBe('lapsed');
    const [seat] = [
      ...(await env.infra.database.db.execute<{ status: string }>(
        sql`select status from seats where id = ${sale.seatIds[0]!}`,
      )),
    ];
    expect(seat!.status).toBe('available');
    expect((await auditEvent(env.infra.database.sql, sale.eventId)).clean).toBe(true);
  });

  it('passes an unused offer to the next fan in line', async () => {
    const sale = await createSale(env, { seats: 0, gaCapacity: 1 });
    const [a, b, buyer] = [await signedIn(env), await signedIn(env), await signedIn(env)];
    const [gaHold] = await sellOut(sale, buyer, 1);
    await join(sale, a);
    await join(sale, b);
    expect((await env.api.delete(`/v1/holds/${gaHold!}`, as(buyer))).status).toBe(200);
    const aOffer = await mine(sale, a);
    expect(aOffer.body.state).toBe('offered');
    await lapse(aOffer.body.holdId);
    const bOffer = await mine(sale, b);
    expect(bOffer.body.state).toBe('offered');
    expect((await mine(sale, a)).body.state).toBe('lapsed');
    const rows = await entries(sale.eventId);
    expect(rows.map((r) => [r.user_id, r.hold_user, r.hold_status])).toEqual([
      [a.userId, a.userId, 'expired'],
      [b.userId, b.userId, 'active'],
    ]);
    const [ga] = [
      ...(await env.infra.database.db.execute<{ held: number; sold: number }>(
        sql`select held, sold from ga_inventory where tier_id = ${sale.gaTierId}`,
      )),
    ];
    expect(ga).toEqual({ held: 1, sold: 0 });
  });

  it('returns many places to many fans at once: each place to one fan, no fan twice, none lost', async () => {
    const seats = 30;
    const ga = 30;
    const fans = 45;
    const sale = await createSale(env, { seats, gaCapacity: ga });
    const buyer = await signedIn(env);
    const holdIds = await sellOut(sale, buyer, ga);
    const line: Fan[] = [];
    for (let i = 0; i < fans; i++) line.push(await signedIn(env));
    // Fans join all at once: each gets one entry and a distinct place in line.
    const joined = await Promise.all(line.map((fan) => join(sale, fan)));
    expect(joined.map((r) => r.status)).toEqual(line.map(() => 201));
    expect(new Set(joined.map((r) => r.body.position)).size).toBe(fans);

    // Every place comes back at once: the buyer lets go of all 60 holds side by side.
    const released = await Promise.all(holdIds.map((id) => env.api.delete(`/v1/holds/${id}`, as(buyer))));
    expect(released.map((r) => r.status)).toEqual(holdIds.map(() => 200));

    const rows = await entries(sale.eventId);
    expect(rows).toHaveLength(fans);
    expect(rows.map((r) => r.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: fans }, (_, i) => i + 1));
    // 45 fans, 60 places: every fan has exactly one live offer, on their own hold.
    expect(rows.every((r) => r.state === 'offered' && r.hold_status === 'active' && r.hold_user === r.user_id)).toBe(
      true,
    );
    expect(new Set(rows.map((r) => r.hold_id)).size).toBe(fans);

    const [stock] = [
      ...(await env.infra.database.db.execute<{
        seats_held: number;
        seats_free: number;
        distinct_holders: number;
        ga_held: number;
        ga_free: number;
        offer_places: number;
      }>(sql`
        select (select count(*)::int from seats where event_id = ${sale.eventId} and status = 'held') as seats_held,
               (select count(*)::int from seats where event_id = ${sale.eventId} and status = 'available') as seats_free,
               (select count(distinct hold_id)::int from seats where event_id = ${sale.eventId} and status = 'held') as distinct_holders,
               (select held from ga_inventory where tier_id = ${sale.gaTierId}) as ga_held,
               (select capacity - held - sold from ga_inventory where tier_id = ${sale.gaTierId}) as ga_free,
               (select coalesce(sum(h.quantity), 0)::int from holds h join waitlist_entries w on w.hold_id = h.id
                 where w.event_id = ${sale.eventId} and h.status = 'active') as offer_places`)),
    ];
    // Each seat on offer is held by its own hold; every place is on offer or back in stock.
    expect(stock!.seats_held).toBe(stock!.distinct_holders);
    expect(stock!.offer_places).toBe(fans);
    expect(stock!.seats_held + stock!.ga_held).toBe(fans);
    expect(stock!.seats_held + stock!.seats_free + stock!.ga_held + stock!.ga_free).toBe(seats + ga);
    const audit = await auditEvent(env.infra.database.sql, sale.eventId);
    expect(audit.checks.find((c) => c.name === 'waitlist_offers_hold_their_places')).toMatchObject({ ok: true });
    expect(audit.clean).toBe(true);

    // The check can fail: an offer whose hold ended without giving its seat back (a lost place),
    // and a seat moved under a second fan's offer while the first still counts it (offered twice).
    const db = env.infra.database.db;
    const seatOffers = [
      ...(await db.execute<{ id: string }>(sql`
        select h.id from holds h join waitlist_entries w on w.hold_id = h.id
        where w.event_id = ${sale.eventId} and h.kind = 'seats' order by h.id limit 3`)),
    ].map((r) => r.id);
    expect(seatOffers).toHaveLength(3);
    const [lost, twice, other] = seatOffers;
    await db.execute(sql`update holds set status = 'expired', ended_at = now() where id = ${lost!}`);
    await db.execute(
      sql`update holds set seat_ids = (select seat_ids from holds where id = ${other!}) where id = ${twice!}`,
    );
    const broken = await auditEvent(env.infra.database.sql, sale.eventId);
    const check = broken.checks.find((c) => c.name === 'waitlist_offers_hold_their_places')!;
    expect(check.ok).toBe(false);
    expect(check.violations).toBeGreaterThanOrEqual(2);
  }, 60_000);
});
