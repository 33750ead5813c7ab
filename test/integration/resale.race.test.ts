import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CARDS, createSale, type SaleFixture } from '../support/commerce.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { buy, listTicket, resaleState, withdraw } from '../support/resale.js';
import { buySeats } from '../support/tickets-fixtures.js';
import { auditEvent } from '../../tools/simulator/audit.js';

let env: TestEnv;
let sale: SaleFixture;
beforeAll(async () => {
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '100000' });
  sale = await createSale(env, { seats: 30 });
});
afterAll(() => env?.close());

const sql = () => env.infra.database.sql;

/** A fresh listing of one seat at face value (4500). */
async function listing() {
  const seller = await signedIn(env);
  const { orderId, ticketIds } = await buySeats(env, sale, seller, 1);
  const listed = await listTicket(env, seller.token, ticketIds[0]!, 4500);
  expect(listed.status).toBe(201);
  return { seller, orderId, ticketId: ticketIds[0]!, listingId: listed.body.id as string };
}

/** What must hold of any listing, whatever raced on it. */
async function consistent(listingId: string) {
  const s = await resaleState(env, listingId);
  const won = s.purchases.filter((p) => p.status === 'captured' || p.status === 'committed');
  if (s.listing.status === 'sold') {
    expect(won).toHaveLength(1);
    expect(s.ticket.holder_id).toBe(won[0]!.buyer_id);
    expect(s.payouts).toHaveLength(1);
  } else {
    expect(won).toHaveLength(0);
    expect(s.payouts).toHaveLength(0);
    expect(s.ticket.holder_id).toBe(s.listing.seller_id);
  }
  // Every other authorization was released: nothing left authorized, nothing captured twice.
  expect(s.purchases.filter((p) => p.status === 'authorized' || p.status === 'pending')).toHaveLength(0);
  const captured = s.intents.filter((i) => i.status === 'succeeded');
  expect(captured).toHaveLength(won.filter((p) => p.method === 'card').length);
  expect(s.intents.filter((i) => i.status === 'requires_capture')).toHaveLength(0);
  return s;
}

describe('resale races', () => {
  it('two buyers at once on one listing: one ticket, one capture, the other authorization voided', async () => {
    let voided = 0;
    for (let round = 0; round < 5; round++) {
      const { listingId, seller } = await listing();
      const [a, b] = [await signedIn(env), await signedIn(env)];
      const answers = await Promise.all([
        buy(env, a.token, listingId, { card: CARDS.ok }),
        buy(env, b.token, listingId, { card: CARDS.ok }),
      ]);
      expect(answers.map((r) => r.status).sort()).toEqual([201, 409]);
      expect(answers.find((r) => r.status === 409)!.body.code).toBe('resale.unavailable');
      const s = await consistent(listingId);
      expect(s.listing.status).toBe('sold');
      expect(s.ticket.version).toBe(2);
      // The loser was authorized and then voided, not left holding money.
      const lost = s.purchases.find((p) => p.status !== 'captured');
      if (lost) {
        expect(lost.status).toBe('voided');
        voided++;
      }
      expect(s.intents.filter((i) => i.status === 'canceled')).toHaveLength(lost ? 1 : 0);
      const refunds = await sql()`select count(*)::int as n from payment_refunds r
        join payments p on p.id = r.payment_id where p.user_id = ${seller.userId}`;
      expect(refunds[0]!.n).toBe(1);
    }
    // At least one round raced past the first look: both authorized, one voided after the commit refused.
    expect(voided).toBeGreaterThan(0);
  });

  it('the seller withdrawing while a buyer pays: either the sale or the withdrawal, never both', async () => {
    const outcomes = new Set<string>();
    for (let round = 0; round < 6; round++) {
      const { listingId, seller } = await listing();
      const buyer = await signedIn(env);
      const [w, p] = await Promise.all([
        withdraw(env, seller.token, listingId),
        buy(env, buyer.token, listingId, { card: CARDS.ok }),
      ]);
      const s = await consistent(listingId);
      if (s.listing.status === 'sold') {
        expect([w.status, w.body.code]).toEqual([409, 'resale.not_listed']);
        expect(p.status).toBe(201);
        outcomes.add('sold');
      } else {
        expect(s.listing.status).toBe('withdrawn');
        expect(w.status).toBe(200);
        expect([p.status, p.body.code]).toEqual([409, 'resale.unavailable']);
        expect(s.ticket.resale_listing_id).toBeNull();
        outcomes.add('withdrawn');
      }
    }
    expect(outcomes.size).toBeGreaterThan(0);
  });

  it('a declined card moves nothing: the listing stays, the ticket stays the seller’s, no payout', async () => {
    const { listingId, ticketId, seller, orderId } = await listing();
    const buyer = await signedIn(env);
    const res = await buy(env, buyer.token, listingId, { card: CARDS.declined });
    expect(res.status).toBe(402);
    expect(res.body.code).toBe('payments.card_declined');
    const poor = await buy(env, buyer.token, listingId, { card: CARDS.insufficient });
    expect(poor.body.code).toBe('payments.insufficient_funds');
    const s = await consistent(listingId);
    expect(s.listing.status).toBe('listed');
    expect(s.purchases.map((p) => p.status)).toEqual(['declined', 'declined']);
    const [ticket] = await sql()`select holder_id, version, resale_listing_id from tickets where id = ${ticketId}`;
    expect(ticket).toMatchObject({ holder_id: seller.userId, version: 1, resale_listing_id: listingId });
    const [order] = await sql()`select refunded_cents from orders where id = ${orderId}`;
    expect(order!.refunded_cents).toBe(0);
    // A card that works afterwards buys it.
    expect((await buy(env, buyer.token, listingId, { card: CARDS.ok })).status).toBe(201);
  });

  it('a bad card number or a missing payment is refused naming the field; the listing stays on sale', async () => {
    const { listingId } = await listing();
    const buyer = await signedIn(env);
    const res = await buy(env, buyer.token, listingId, { card: { ...CARDS.ok, number: '4242 4242 4242 4241' } });
    expect(res.status).toBe(422);
    expect(res.body.errors[0]).toMatchObject({ field: 'payment.card.number' });
    const missing = await env.api.post(
      `/v1/resale/${listingId}/purchase`,
      { payment: {} },
      {
        token: buyer.token,
        headers: { 'idempotency-key': 'resale-missing-payment-1' },
      },
    );
    expect(missing.status).toBe(400);
    expect((await consistent(listingId)).listing.status).toBe('listed');
  });

  it('a sale committed but not captured (the process died between) is captured and paid by the sweep', async () => {
    const { listingId, orderId } = await listing();
    const buyer = await signedIn(env);
    expect((await buy(env, buyer.token, listingId, { card: CARDS.ok })).status).toBe(201);
    // Put the sale back where a crash after the commit would have left it: committed, uncaptured, unpaid.
    const [p] = await sql()`select id, intent_id from resale_purchases where listing_id = ${listingId}`;
    await sql()`delete from resale_payouts where listing_id = ${listingId}`;
    await sql()`delete from payment_refunds where order_id = ${orderId}`;
    await sql()`update payments set refunded_cents = 0, status = 'captured' where order_id = ${orderId}`;
    await sql()`update orders set refunded_cents = 0 where id = ${orderId}`;
    await sql()`update sandbox_payment_intents set status = 'requires_capture', amount_captured_cents = 0 where id = ${p!.intent_id}`;
    await sql()`update resale_purchases set status = 'committed', updated_at = now() - interval '2 minutes' where id = ${p!.id}`;
    const { createResale } = await import('../../src/resale/resale.jobs.js');
    const { purchases } = createResale(env.infra);
    expect(await purchases.settleCommitted()).toBe(1);
    expect(await purchases.settleCommitted()).toBe(0);
    const s = await consistent(listingId);
    expect(s.purchases.map((x) => x.status)).toEqual(['captured']);
    expect(s.payouts[0]).toMatchObject({ amount_cents: 4275 });
    const [order] = await sql()`select refunded_cents from orders where id = ${orderId}`;
    expect(order!.refunded_cents).toBe(4275);
  });

  it('a purchase abandoned before its commit (the process died after authorizing) is voided and released', async () => {
    const { listingId } = await listing();
    const buyer = await signedIn(env);
    const { createResale } = await import('../../src/resale/resale.jobs.js');
    const { createCommerce } = await import('../../src/orders/commerce.js');
    // What a crash right after the card's authorization leaves: the purchase pending, the intent authorized.
    const [p] =
      await sql()`insert into resale_purchases (listing_id, buyer_id, method, provider, amount_cents, currency, updated_at)
      values (${listingId}, ${buyer.userId}, 'card', 'sandbox', 4500, 'EUR', now() - interval '11 minutes') returning id`;
    const intent = await createCommerce(env.infra)
      .providers.get('sandbox')
      .authorize({
        amountCents: 4500,
        currency: 'EUR',
        source: { type: 'sandbox_card', card: { ...CARDS.ok } },
        idempotencyKey: `resale:${p!.id}:authorize`,
        metadata: {},
      });
    expect(intent.status).toBe('requires_capture');
    const { purchases } = createResale(env.infra);
    expect(await purchases.releaseAbandoned()).toBe(1);
    expect(await purchases.releaseAbandoned()).toBe(0);
    const [row] = await sql()`select status from resale_purchases where id = ${p!.id}`;
    expect(row!.status).toBe('voided');
    const [released] = await sql()`select status from sandbox_payment_intents where id = ${intent.intentId}`;
    expect(released!.status).toBe('canceled');
    // The listing is untouched and still sells.
    expect((await buy(env, buyer.token, listingId, { card: CARDS.ok })).status).toBe(201);
  });

  it('after every race above, the drop audit finds the event clean, resale invariants included', async () => {
    const audit = await auditEvent(sql(), sale.eventId);
    expect(audit.checks.filter((c) => !c.ok)).toEqual([]);
    expect(audit.checks.map((c) => c.name)).toEqual(
      expect.arrayContaining(['resale_ticket_one_holder', 'resale_sold_once_paid_once']),
    );
  });
});
