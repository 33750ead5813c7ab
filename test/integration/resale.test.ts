import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResale, resaleModule } from '../../src/resale/resale.jobs.js';
import { auditEvent } from '../../tools/simulator/audit.js';
import { CARDS, createSale, type SaleFixture } from '../support/commerce.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn, signedInVerified } from '../support/fixtures.js';
import { buy, listTicket, pass, quote, resaleState, withdraw } from '../support/resale.js';
import { buySeats, codeOf, doorStaff, emailOf, until } from '../support/tickets-fixtures.js';

let env: TestEnv;
let sale: SaleFixture;
let staff: { token: string; userId: string };
beforeAll(async () => {
  env = await createTestEnv({
    AUTH_LIMIT_PER_IP: '100000',
    DATA_DIR: await mkdtemp(join(tmpdir(), 'fairdrop-resale-')),
  });
  // Face value of a seat: 4000 + 500 fee = 4500; the resale fee (5 %) of 4500 is 225.
  sale = await createSale(env, { seats: 40 });
  staff = await doorStaff(env, sale);
});
afterAll(() => env?.close());

const sql = () => env.infra.database.sql;
const scan = (code: string) =>
  env.api.post('/v1/checkin', { code, gate: 'Main', nonce: randomUUID() }, { token: staff.token });
const kinds = async (token: string) =>
  (await env.api.get('/v1/me/timeline', { token })).body.receipts.map((r: { kind: string }) => r.kind);

describe('resale at face value', () => {
  it('list → buy by card: the ticket is re-issued, the old code revoked, the seller refunded face − fee', async () => {
    const seller = await signedIn(env);
    const buyer = await signedIn(env);
    const { orderId, ticketIds } = await buySeats(env, sale, seller, 1);
    const ticketId = ticketIds[0]!;
    const oldCode = await codeOf(env, seller.token, ticketId);

    const q = await quote(env, seller.token, ticketId);
    expect(q.status).toBe(200);
    expect(q.body).toMatchObject({
      listable: true,
      faceValueCents: 4500,
      maxPriceCents: 4500,
      feePercent: 5,
      feeAtMaxCents: 225,
      payoutAtMaxCents: 4275,
      currency: 'EUR',
    });
    const listed = await listTicket(env, seller.token, ticketId, 4500);
    expect(listed.status).toBe(201);
    expect(listed.body).toMatchObject({
      status: 'listed',
      openToAll: true,
      feeCents: 225,
      payoutCents: 4275,
      mine: true,
    });
    const onPage = await env.api.get(`/v1/events/${sale.eventId}/resale`);
    expect(onPage.body.listings.map((l: { id: string }) => l.id)).toContain(listed.body.id);
    // A buyer sees no ticket id, fee or payout.
    expect(onPage.body.listings.find((l: { id: string }) => l.id === listed.body.id)).toMatchObject({
      ticketId: null,
      feeCents: null,
      payoutCents: null,
      seat: { section: 'A' },
    });

    const bought = await buy(env, buyer.token, listed.body.id, { card: CARDS.ok });
    expect(bought.status).toBe(201);
    expect(bought.body).toMatchObject({ ticketId, status: 'captured', amountCents: 4500, method: 'card' });

    const state = await resaleState(env, listed.body.id);
    expect(state.listing).toMatchObject({ status: 'sold', buyer_id: buyer.userId });
    expect(state.ticket).toMatchObject({
      holder_id: buyer.userId,
      version: 2,
      status: 'valid',
      resale_listing_id: null,
    });
    expect(state.purchases.map((p) => p.status)).toEqual(['captured']);
    expect(state.intents.map((i) => i.status)).toEqual(['succeeded']);
    expect(state.payouts).toHaveLength(1);
    expect(state.payouts[0]).toMatchObject({ amount_cents: 4275, seller_id: seller.userId, order_id: orderId });
    // The seller's money went back to the card they paid with, as a cancellation refund does.
    const refunds = await sql()`select r.amount_cents, r.status from payment_refunds r where r.order_id = ${orderId}`;
    expect(refunds).toEqual([{ amount_cents: 4275, status: 'succeeded' }]);
    const [order] = await sql()`select status, refunded_cents from orders where id = ${orderId}`;
    expect(order).toMatchObject({ status: 'captured', refunded_cents: 4275 });
    const [payment] = await sql()`select refunded_cents, status from payments where order_id = ${orderId}`;
    expect(payment).toMatchObject({ refunded_cents: 4275, status: 'partially_refunded' });

    // The seller's code answers revoked at the door; the buyer's admits.
    expect((await scan(oldCode)).body.result).toBe('revoked');
    expect((await env.api.get(`/v1/tickets/${ticketId}`, { token: seller.token })).status).toBe(404);
    const newCode = await codeOf(env, buyer.token, ticketId);
    expect((await scan(newCode)).body).toMatchObject({ result: 'admitted', ticket: { id: ticketId, version: 2 } });

    expect(await kinds(seller.token)).toEqual(
      expect.arrayContaining(['ticket.listed', 'ticket.resold', 'payment.refund_requested']),
    );
    expect(await kinds(buyer.token)).toEqual(expect.arrayContaining(['ticket.bought_resale', 'payment.captured']));
    const notices =
      await sql()`select user_id, kind from notifications where data->>'listingId' = ${listed.body.id} order by kind`;
    expect(notices.map((n) => [n.kind, n.user_id])).toEqual([
      ['resale.bought', buyer.userId],
      ['resale.paid', seller.userId],
      ['resale.sold', seller.userId],
    ]);
    // Sold once: a second buyer is refused and nothing is authorized for them.
    const late = await signedIn(env);
    const again = await buy(env, late.token, listed.body.id, { card: CARDS.ok });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('resale.unavailable');
  });

  it('a gift-card buyer pays from the card balance in the sale’s own transaction', async () => {
    const seller = await signedIn(env);
    const buyer = await signedIn(env);
    const { ticketIds } = await buySeats(env, sale, seller, 1);
    const card = await env.api.post(
      '/v1/gift-cards/purchase',
      { amountCents: 5000, currency: 'EUR', payment: { card: CARDS.ok } },
      { token: buyer.token, headers: { 'idempotency-key': randomUUID() } },
    );
    expect(card.status).toBe(201);
    const listed = await listTicket(env, seller.token, ticketIds[0]!, 4000);
    const bought = await buy(env, buyer.token, listed.body.id, { giftCard: { code: card.body.code } });
    expect(bought.status).toBe(201);
    expect(bought.body).toMatchObject({ method: 'gift_card', status: 'captured', amountCents: 4000 });
    const [balance] = await sql()`select balance_cents from gift_cards where id = ${card.body.id}`;
    expect(balance!.balance_cents).toBe(1000);
    const state = await resaleState(env, listed.body.id);
    expect(state.ticket).toMatchObject({ holder_id: buyer.userId, version: 2 });
    expect(state.purchases.map((p) => [p.method, p.status])).toEqual([['gift_card', 'captured']]);
    expect(state.payouts[0]).toMatchObject({ amount_cents: 3800 });
  });

  it('the seller withdraws until sold; a withdrawn listing cannot be bought and the ticket is theirs again', async () => {
    const seller = await signedIn(env);
    const buyer = await signedIn(env);
    const { ticketIds } = await buySeats(env, sale, seller, 1);
    const listed = await listTicket(env, seller.token, ticketIds[0]!, 4500);
    expect((await listTicket(env, seller.token, ticketIds[0]!, 4500)).body.code).toBe('resale.already_listed');
    const stranger = await withdraw(env, buyer.token, listed.body.id);
    expect(stranger.status).toBe(404);
    const done = await withdraw(env, seller.token, listed.body.id);
    expect(done.status).toBe(200);
    expect(done.body.status).toBe('withdrawn');
    expect((await withdraw(env, seller.token, listed.body.id)).body.code).toBe('resale.not_listed');
    const refused = await buy(env, buyer.token, listed.body.id, { card: CARDS.ok });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('resale.unavailable');
    const state = await resaleState(env, listed.body.id);
    expect(state.ticket).toMatchObject({ holder_id: seller.userId, version: 1, resale_listing_id: null });
    expect(state.purchases).toHaveLength(0);
    expect(await kinds(seller.token)).toEqual(expect.arrayContaining(['ticket.listing_withdrawn']));
  });

  it('the price is capped at face value and the organizer’s percentage; an organizer can turn resale off', async () => {
    const own = await createSale(env, { seats: 4 });
    const seller = await signedIn(env);
    const { ticketIds } = await buySeats(env, own, seller, 2);
    const above = await listTicket(env, seller.token, ticketIds[0]!, 4501);
    expect(above.status).toBe(422);
    expect(above.body).toMatchObject({ code: 'resale.price_above_cap', maxPriceCents: 4500 });
    expect(above.body.errors[0]).toMatchObject({ in: 'body', field: 'priceCents' });
    const bad = await listTicket(env, seller.token, ticketIds[0]!, 0);
    expect(bad.status).toBe(400);

    const capped = await env.api.patch(
      `/v1/events/${own.eventId}/ticket-settings`,
      { resaleCapPercent: 80 },
      { token: own.organizer.token },
    );
    expect(capped.status).toBe(200);
    expect(capped.body).toMatchObject({ resaleEnabled: true, resaleCapPercent: 80 });
    expect((await quote(env, seller.token, ticketIds[0]!)).body).toMatchObject({ maxPriceCents: 3600 });
    expect((await listTicket(env, seller.token, ticketIds[0]!, 3601)).body.code).toBe('resale.price_above_cap');
    expect((await listTicket(env, seller.token, ticketIds[0]!, 3600)).status).toBe(201);

    await env.api.patch(
      `/v1/events/${own.eventId}/ticket-settings`,
      { resaleEnabled: false },
      { token: own.organizer.token },
    );
    expect((await quote(env, seller.token, ticketIds[1]!)).body).toMatchObject({
      listable: false,
      refusal: 'resale.not_allowed',
    });
    const off = await listTicket(env, seller.token, ticketIds[1]!, 1000);
    expect(off.status).toBe(409);
    expect(off.body.code).toBe('resale.not_allowed');
    const [count] = await sql()`select count(*)::int as n from resale_listings where ticket_id = ${ticketIds[1]!}`;
    expect(count!.n).toBe(0);
  });

  it('a checked-in ticket cannot be listed; a listed ticket cannot be transferred or gifted until withdrawn', async () => {
    const seller = await signedIn(env);
    const friend = await signedInVerified(env);
    const { ticketIds } = await buySeats(env, sale, seller, 2);
    expect((await scan(await codeOf(env, seller.token, ticketIds[0]!))).body.result).toBe('admitted');
    const used = await listTicket(env, seller.token, ticketIds[0]!, 4000);
    expect(used.status).toBe(409);
    expect(used.body.code).toBe('resale.ticket_used');

    const listed = await listTicket(env, seller.token, ticketIds[1]!, 4000);
    expect(listed.status).toBe(201);
    const offer = await env.api.post(
      `/v1/tickets/${ticketIds[1]!}/transfers`,
      { toEmail: await emailOf(env, friend.userId) },
      { token: seller.token },
    );
    expect(offer.status).toBe(409);
    expect(offer.body.code).toBe('transfers.listed_for_resale');
    await withdraw(env, seller.token, listed.body.id);
    const after = await env.api.post(
      `/v1/tickets/${ticketIds[1]!}/transfers`,
      { toEmail: await emailOf(env, friend.userId) },
      { token: seller.token },
    );
    expect(after.status).toBe(201);
    // And the other way round: a ticket on offer to someone cannot be listed.
    expect((await listTicket(env, seller.token, ticketIds[1]!, 4000)).body.code).toBe('resale.transfer_pending');
  });

  it('the waitlist’s next fan is offered the listing first; an unused offer passes on, then anyone may buy', async () => {
    const soldOut = await createSale(env, { seats: 2, gaCapacity: 0 });
    const seller = await signedIn(env);
    await buySeats(env, soldOut, await signedIn(env), 1);
    const { ticketIds } = await buySeats(env, soldOut, seller, 1);
    const first = await signedIn(env);
    const second = await signedIn(env);
    const anyone = await signedIn(env);
    for (const fan of [first, second]) {
      const joined = await env.api.post(`/v1/events/${soldOut.eventId}/waitlist`, undefined, {
        token: fan.token,
        headers: { 'idempotency-key': randomUUID() },
      });
      expect(joined.status).toBe(201);
    }
    // The first fan has a device subscribed to Web Push: the offer goes there too.
    await sql()`insert into push_subscriptions (user_id, endpoint, p256dh, auth)
      values (${first.userId}, ${`https://push.example.test/${first.userId}`}, 'key', 'secret')`;
    const listed = await listTicket(env, seller.token, ticketIds[0]!, 4500);
    expect(listed.body).toMatchObject({ openToAll: false });
    const sent = await sql()`select channel, payload->>'url' as url from notification_outbox
      where user_id = ${first.userId} and kind = 'resale.offered' order by channel`;
    expect(sent.map((r) => r.channel)).toEqual(expect.arrayContaining(['email', 'webpush']));
    expect(sent.find((r) => r.channel === 'webpush')!.url).toBe(`/resale.html#listing=${listed.body.id}`);
    const offers = async () =>
      sql()`select user_id, status from resale_offers where listing_id = ${listed.body.id} order by created_at`;
    expect(await offers()).toEqual([{ user_id: first.userId, status: 'open' }]);
    const [notice] =
      await sql()`select kind from notifications where user_id = ${first.userId} and kind = 'resale.offered'`;
    expect(notice).toBeDefined();
    expect((await env.api.get(`/v1/resale/${listed.body.id}`, { token: first.token })).body).toMatchObject({
      offeredToYou: true,
    });

    const early = await buy(env, anyone.token, listed.body.id, { card: CARDS.ok });
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('resale.offered_to_waitlist');

    // The first fan's time runs out: the resale sweep passes the offer to the next fan in line.
    await sql()`update resale_offers set expires_at = now() - interval '1 second' where listing_id = ${listed.body.id}`;
    // The resale job, as a worker runs it (a sweep every 5 s).
    const job = await resaleModule().start(env.infra);
    try {
      await until(async () => (await offers()).length === 2, 20_000);
    } finally {
      await job.close();
    }
    expect(await offers()).toEqual([
      { user_id: first.userId, status: 'lapsed' },
      { user_id: second.userId, status: 'open' },
    ]);
    // The second fan lets it go: nobody else waits, so it opens to everyone.
    expect((await pass(env, first.token, listed.body.id)).body.code).toBe('resale.no_offer');
    expect((await pass(env, second.token, listed.body.id)).status).toBe(200);
    expect((await offers()).map((o) => o.status)).toEqual(['lapsed', 'passed']);
    const bought = await buy(env, anyone.token, listed.body.id, { card: CARDS.ok });
    expect(bought.status).toBe(201);
    expect((await resaleState(env, listed.body.id)).ticket).toMatchObject({ holder_id: anyone.userId });
  });

  it('a waitlisted fan buys the listing offered to them', async () => {
    const soldOut = await createSale(env, { seats: 1, gaCapacity: 0 });
    const seller = await signedIn(env);
    const fan = await signedIn(env);
    const { ticketIds } = await buySeats(env, soldOut, seller, 1);
    await env.api.post(`/v1/events/${soldOut.eventId}/waitlist`, undefined, {
      token: fan.token,
      headers: { 'idempotency-key': randomUUID() },
    });
    const listed = await listTicket(env, seller.token, ticketIds[0]!, 4200);
    const bought = await buy(env, fan.token, listed.body.id, { card: CARDS.ok });
    expect(bought.status).toBe(201);
    const [offer] = await sql()`select status from resale_offers where listing_id = ${listed.body.id}`;
    expect(offer!.status).toBe('bought');
  });

  it('the drop audit checks resale: one holder per ticket, each sold listing paid once and its seller once', async () => {
    const [seller, buyer] = [await signedIn(env), await signedIn(env)];
    const { ticketIds } = await buySeats(env, sale, seller, 2);
    const kept = await listTicket(env, seller.token, ticketIds[0]!, 4000);
    expect(kept.status).toBe(201);
    const sold = (await listTicket(env, seller.token, ticketIds[1]!, 4100)).body;
    expect((await buy(env, buyer.token, sold.id, { card: CARDS.ok })).status).toBe(201);
    const audit = await auditEvent(sql(), sale.eventId);
    const resale = audit.checks.filter((c) => c.name.startsWith('resale_'));
    expect(resale.map((c) => [c.name, c.ok])).toEqual([
      ['resale_ticket_one_holder', true],
      ['resale_sold_once_paid_once', true],
    ]);
    expect(audit.clean).toBe(true);
    // A payout lost, then a ticket handed back to its seller behind the sale's back: each is reported.
    const [payout] = await sql()`delete from resale_payouts where listing_id = ${sold.id} returning *`;
    const broken = await auditEvent(sql(), sale.eventId);
    expect(broken.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['resale_sold_once_paid_once']);
    await sql()`insert into resale_payouts ${sql()(payout!)}`;
    const [ticket] = await sql()`select holder_id, version from tickets where id = ${ticketIds[1]!}`;
    await sql()`update tickets set version = version - 1 where id = ${ticketIds[1]!}`;
    const moved = await auditEvent(sql(), sale.eventId);
    expect(moved.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['resale_ticket_one_holder']);
    await sql()`update tickets set version = ${ticket!.version} where id = ${ticketIds[1]!}`;
    expect((await auditEvent(sql(), sale.eventId)).clean).toBe(true);
  });

  it('an event cancelled after resales gives each buyer their money back and ends the live listings', async () => {
    const own = await createSale(env, { seats: 6 });
    const [seller, cardBuyer, giftBuyer, lister] = [
      await signedIn(env),
      await signedIn(env),
      await signedIn(env),
      await signedIn(env),
    ];
    const { orderId, ticketIds } = await buySeats(env, own, seller, 2);
    const { ticketIds: listed } = await buySeats(env, own, lister, 1);
    const byCard = (await listTicket(env, seller.token, ticketIds[0]!, 4500)).body;
    const byGift = (await listTicket(env, seller.token, ticketIds[1]!, 3000)).body;
    const live = (await listTicket(env, lister.token, listed[0]!, 4500)).body;
    const card = await env.api.post(
      '/v1/gift-cards/purchase',
      { amountCents: 3000, currency: 'EUR', payment: { card: CARDS.ok } },
      { token: giftBuyer.token, headers: { 'idempotency-key': randomUUID() } },
    );
    expect((await buy(env, cardBuyer.token, byCard.id, { card: CARDS.ok })).status).toBe(201);
    expect((await buy(env, giftBuyer.token, byGift.id, { giftCard: { code: card.body.code } })).status).toBe(201);

    const cancelled = await env.api.post(
      `/v1/events/${own.eventId}/cancel`,
      { reason: 'The venue flooded' },
      { token: own.organizer.token },
    );
    expect(cancelled.status).toBe(202);
    const { purchases } = createResale(env.infra);
    expect(await purchases.refundCancelled()).toBe(2);
    expect(await purchases.refundCancelled()).toBe(0);

    const cardSale = await resaleState(env, byCard.id);
    expect(cardSale.purchases.map((p) => p.status)).toEqual(['refunded']);
    const [intent] =
      await sql()`select amount_refunded_cents from sandbox_payment_intents where id = ${cardSale.purchases[0]!.intent_id}`;
    expect(intent!.amount_refunded_cents).toBe(4500);
    expect((await resaleState(env, byGift.id)).purchases.map((p) => p.status)).toEqual(['refunded']);
    const [balance] = await sql()`select balance_cents from gift_cards where id = ${card.body.id}`;
    expect(balance!.balance_cents).toBe(3000);
    const stillListed = await resaleState(env, live.id);
    expect(stillListed.listing.status).toBe('withdrawn');
    expect(stillListed.ticket.resale_listing_id).toBeNull();
    const notices = await sql()`select user_id from notifications where kind = 'resale.refunded' order by user_id`;
    expect(notices.map((n) => n.user_id).sort()).toEqual([cardBuyer.userId, giftBuyer.userId].sort());
    // The seller's order: the payouts went out at the sales; the cancellation's own refund job (not
    // run here) refunds only what is left of it.
    const [order] = await sql()`select refunded_cents, total_cents from orders where id = ${orderId}`;
    expect(order!.refunded_cents).toBe(4275 + 2850);
    const audit = await auditEvent(sql(), own.eventId);
    expect(audit.checks.filter((c) => c.name.startsWith('resale_') && !c.ok)).toEqual([]);
  });

  it('a listed ticket its buyer cancels for a refund is not sold: the listing ends', async () => {
    const seller = await signedIn(env);
    const buyer = await signedIn(env);
    const { orderId, ticketIds } = await buySeats(env, sale, seller, 1);
    const listed = (await listTicket(env, seller.token, ticketIds[0]!, 4500)).body;
    const cancelled = await env.api.patch(
      `/v1/orders/${orderId}`,
      { cancel: {} },
      { token: seller.token, headers: { 'idempotency-key': randomUUID() } },
    );
    expect(cancelled.status).toBe(200);
    // Off the event page at once; the resale sweep ends it.
    const page = await env.api.get(`/v1/events/${sale.eventId}/resale`);
    expect(page.body.listings.map((l: { id: string }) => l.id)).not.toContain(listed.id);
    await createResale(env.infra).purchases.refundCancelled();
    const state = await resaleState(env, listed.id);
    expect(state.listing.status).toBe('withdrawn');
    expect(state.ticket).toMatchObject({ status: 'cancelled', resale_listing_id: null });
    const refused = await buy(env, buyer.token, listed.id, { card: CARDS.ok });
    expect(refused.body.code).toBe('resale.unavailable');
    expect((await auditEvent(sql(), sale.eventId)).clean).toBe(true);
  });
});
