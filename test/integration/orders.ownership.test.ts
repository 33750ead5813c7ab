import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn, signedInVerified } from '../support/fixtures.js';
import { transferToken } from '../support/mail.js';
import { CARDS, createSale, holdDirect, idem, order, type SaleFixture } from '../support/commerce.js';
import { buySeats, codeOf, emailOf } from '../support/tickets-fixtures.js';

/**
 * A ticket the buyer transferred belongs to its new holder, and a ticket used at the door is
 * spent: the buyer's PATCH /v1/orders/:id may cancel (refund) or exchange only the tickets they
 * still hold, unused and not on offer, and a transfer or a scan racing it never ends with a
 * refunded ticket in someone's hands or a used ticket refunded.
 */

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '100000', REQUEST_TIMEOUT_MS: '60000' });
});
afterAll(() => env?.close());

type Fan = { token: string; userId: string };
const sql = () => env.infra.database.sql;

const change = (fan: Fan, orderId: string, body: unknown) =>
  env.api.patch(`/v1/orders/${orderId}`, body, { token: fan.token, headers: { 'idempotency-key': idem() } });
const scan = (sale: SaleFixture, code: string) =>
  env.api.post('/v1/checkin', { code, gate: 'Main', nonce: randomUUID() }, { token: sale.organizer.token });

/** The buyer offers a ticket to `to`; returns the offer's id and the invitation token from its mail. */
async function offer(from: Fan, to: Fan, ticketId: string): Promise<{ id: string; token: string }> {
  const res = await env.api.post(
    `/v1/tickets/${ticketId}/transfers`,
    { toEmail: await emailOf(env, to.userId) },
    { token: from.token },
  );
  if (res.status !== 201) throw new Error(`offer failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.id, token: await transferToken(env, res.body.id) };
}
const accept = (to: Fan, transfer: { id: string; token: string }) =>
  env.api.post(`/v1/transfers/${transfer.id}/accept`, { token: transfer.token }, { token: to.token });

async function give(from: Fan, to: Fan, ticketId: string): Promise<void> {
  const res = await accept(to, await offer(from, to, ticketId));
  if (res.status !== 200) throw new Error(`accept failed: ${res.status} ${JSON.stringify(res.body)}`);
}

/** Everything a refused change must leave as it was: the order, its tickets, tenders, seats, gift-card ledger, receipts. */
async function orderState(orderId: string) {
  const db = sql();
  const [o] = await db`select status, refunded_cents from orders where id = ${orderId}`;
  return {
    order: o,
    tickets:
      await db`select id, holder_id, status, version, seat_id from tickets where order_id = ${orderId} order by id`,
    payments: await db`select id, status, refunded_cents from payments where order_id = ${orderId} order by id`,
    refunds: await db`select id from payment_refunds where order_id = ${orderId}`,
    seats:
      await db`select s.id, s.status from seats s join order_items i on i.seat_id = s.id where i.order_id = ${orderId} order by s.id`,
    items: await db`select id, status from order_items where order_id = ${orderId} order by id`,
    ledger: await db`select count(*)::int as n from gift_card_ledger`,
    receipts: await db`select count(*)::int as n from timeline_entries`,
  };
}

describe('a transferred ticket belongs to its new holder', () => {
  it("the buyer's cancel refunds only their own ticket; the new holder's stays valid and admits; naming it is refused", async () => {
    const sale = await createSale(env, { seats: 4 });
    const a = await signedIn(env);
    const b = await signedInVerified(env);
    // Split tender: a gift card of the organizer's for part, the card for the rest.
    const card = await env.api.post(
      '/v1/gift-cards',
      { amountCents: 5000, currency: 'EUR' },
      { token: sale.organizer.token, headers: { 'idempotency-key': idem() } },
    );
    expect(card.status).toBe(201);
    const holdId = await holdDirect(env, sale, a.userId, { seatIds: sale.seatIds.slice(0, 2) });
    const bought = await order(env, a.token, {
      holdId,
      payment: { card: CARDS.ok, giftCards: [{ code: card.body.code }] },
    });
    expect(bought.status).toBe(201);
    expect(bought.body).toMatchObject({ totalCents: 2 * sale.unitCents, giftCardCents: 5000 });
    const [mine, theirs] = bought.body.tickets.map((t: { id: string }) => t.id) as [string, string];
    await give(a, b, theirs);

    // Naming B's ticket, alone or with A's own: refused, nothing changes.
    for (const ticketIds of [[theirs], [mine, theirs]]) {
      const before = await orderState(bought.body.id);
      const refused = await change(a, bought.body.id, { cancel: { ticketIds } });
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({
        code: 'orders.ticket_transferred',
        errors: [{ in: 'body', field: 'cancel.ticketIds', code: 'ticket_transferred' }],
        ticketIds: [theirs],
      });
      expect(await orderState(bought.body.id)).toEqual(before);
    }

    // Cancelling the order takes only the ticket A still holds.
    const cancelled = await change(a, bought.body.id, { cancel: {} });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({
      status: 'captured',
      refundedCents: sale.unitCents,
      ticketCounts: { changeable: 0, offered: 0, used: 0, transferred: 1, ended: 1 },
    });
    const shown = Object.fromEntries(cancelled.body.tickets.map((t: any) => [t.id, t]));
    expect(shown[mine]).toMatchObject({ status: 'cancelled', standing: 'ended', holderId: a.userId });
    // B's ticket as A may see it: where A's own offer sent it, not B's account, name or door scans.
    expect(shown[theirs]).toMatchObject({
      status: 'valid',
      standing: 'transferred',
      holderId: null,
      attendeeName: null,
      attendeeEmail: null,
      usedAt: null,
      transfer: { status: 'accepted', toEmail: await emailOf(env, b.userId) },
    });
    expect(JSON.stringify(cancelled.body)).not.toContain(b.userId);

    const [ticket] = await sql()`select holder_id, status, version from tickets where id = ${theirs}`;
    expect(ticket).toEqual({ holder_id: b.userId, status: 'valid', version: 2 });
    expect((await scan(sale, await codeOf(env, b.token, theirs))).body.result).toBe('admitted');

    // The money adds up: one ticket's price back, to the gift card first; the card's ledger equals its balance.
    const tenders =
      await sql()`select method, amount_cents, refunded_cents from payments where order_id = ${bought.body.id} order by method`;
    expect(tenders).toEqual([
      { method: 'card', amount_cents: 2 * sale.unitCents - 5000, refunded_cents: 0 },
      { method: 'gift_card', amount_cents: 5000, refunded_cents: sale.unitCents },
    ]);
    const [ledger] = await sql()`
      select (select sum(amount_cents)::int from gift_card_ledger where gift_card_id = ${card.body.id}) as ledger,
             (select balance_cents from gift_cards where id = ${card.body.id}) as balance`;
    expect(ledger).toEqual({ ledger: sale.unitCents, balance: sale.unitCents });
    const [seatsBack] = await sql()`select status from seats where id = ${shown[mine].seatId}`;
    expect(seatsBack!.status).toBe('available');

    // Nothing left for A: a second cancel is refused with the reason, and A's reads say the same.
    const again = await change(a, bought.body.id, { cancel: {} });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'orders.ticket_transferred', errors: [{ field: 'cancel' }] });
    const read = await env.api.get(`/v1/orders/${bought.body.id}`, { token: a.token });
    expect(read.body).toEqual(cancelled.body);
    const listed = await env.api.get('/v1/me/orders', { token: a.token });
    expect(listed.body.orders.find((o: any) => o.id === bought.body.id).ticketCounts).toEqual(
      cancelled.body.ticketCounts,
    );
  });

  it("the buyer cannot move the new holder's seat: 409, seat, version and the buyer's hold unchanged", async () => {
    const sale = await createSale(env, { seats: 4 });
    const a = await signedIn(env);
    const b = await signedInVerified(env);
    const { orderId, ticketIds } = await buySeats(env, sale, a, 1);
    await give(a, b, ticketIds[0]!);
    const newSeat = sale.seatIds[3]!;
    const holdId = await holdDirect(env, sale, a.userId, { seatIds: [newSeat] });
    const before = await orderState(orderId);

    const res = await change(a, orderId, { exchange: { ticketIds, holdId } });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({
      code: 'orders.ticket_transferred',
      errors: [{ in: 'body', field: 'exchange.ticketIds', code: 'ticket_transferred' }],
    });
    expect(await orderState(orderId)).toEqual(before);
    const [hold] = await sql()`select status from holds where id = ${holdId}`;
    expect(hold!.status).toBe('active');
    const [seat] = await sql()`select status, hold_id from seats where id = ${newSeat}`;
    expect(seat).toEqual({ status: 'held', hold_id: holdId });
  });
});

describe('a ticket used at the door is spent', () => {
  it('is neither refunded nor exchanged; a cancel of the order takes only the unused tickets', async () => {
    const sale = await createSale(env, { seats: 4 });
    const a = await signedIn(env);
    const { orderId, ticketIds } = await buySeats(env, sale, a, 2);
    const [used, unused] = ticketIds as [string, string];
    expect((await scan(sale, await codeOf(env, a.token, used))).body.result).toBe('admitted');
    const holdId = await holdDirect(env, sale, a.userId, { seatIds: [sale.seatIds[3]!] });

    for (const body of [{ cancel: { ticketIds: [used] } }, { exchange: { ticketIds: [used], holdId } }]) {
      const before = await orderState(orderId);
      const res = await change(a, orderId, body);
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ code: 'orders.ticket_used', errors: [{ code: 'ticket_used' }] });
      expect(await orderState(orderId)).toEqual(before);
    }
    expect((await sql()`select status from holds where id = ${holdId}`)[0]!.status).toBe('active');
    expect(
      (await env.api.get(`/v1/orders/${orderId}`, { token: a.token })).body.tickets.find((t: any) => t.id === used),
    ).toMatchObject({ standing: 'used', usedAt: expect.any(String) });

    const rest = await change(a, orderId, { cancel: {} });
    expect(rest.status).toBe(200);
    expect(rest.body).toMatchObject({ status: 'captured', refundedCents: sale.unitCents });
    const rows = await sql()`select id, status from tickets where order_id = ${orderId}`;
    expect(Object.fromEntries(rows.map((r) => [r.id, r.status]))).toEqual({ [used]: 'valid', [unused]: 'cancelled' });
    const again = await change(a, orderId, { cancel: {} });
    expect([again.status, again.body.code]).toEqual([409, 'orders.ticket_used']);
  });

  it('stays spent after a postponement opens the refund window', async () => {
    const sale = await createSale(env, { seats: 2, refundable: false });
    const a = await signedIn(env);
    const { orderId, ticketIds } = await buySeats(env, sale, a, 1);
    expect((await scan(sale, await codeOf(env, a.token, ticketIds[0]!))).body.result).toBe('admitted');
    const postponed = await env.api.post(
      `/v1/events/${sale.eventId}/postpone`,
      { newStartsAt: new Date(Date.now() + 60 * 86_400_000).toISOString(), refundWindowDays: 14 },
      { token: sale.organizer.token },
    );
    expect(postponed.status).toBe(200);
    const holdId = await holdDirect(env, sale, a.userId, { seatIds: [sale.seatIds[1]!] });
    const before = await orderState(orderId);
    for (const body of [{ cancel: {} }, { cancel: { ticketIds } }, { exchange: { ticketIds, holdId } }]) {
      const res = await change(a, orderId, body);
      expect([res.status, res.body.code]).toEqual([409, 'orders.ticket_used']);
    }
    expect(await orderState(orderId)).toEqual(before);
  });
});

describe('a ticket on offer', () => {
  it('is not cancelled until the buyer withdraws the offer; the other tickets can be', async () => {
    const sale = await createSale(env, { seats: 4 });
    const a = await signedIn(env);
    const b = await signedInVerified(env);
    const { orderId, ticketIds } = await buySeats(env, sale, a, 2);
    const [offered, kept] = ticketIds as [string, string];
    const sent = await offer(a, b, offered);

    for (const body of [{ cancel: {} }, { cancel: { ticketIds: [offered] } }]) {
      const before = await orderState(orderId);
      const res = await change(a, orderId, body);
      expect([res.status, res.body.code]).toEqual([409, 'orders.ticket_transfer_pending']);
      expect(res.body.ticketIds).toEqual([offered]);
      expect(await orderState(orderId)).toEqual(before);
    }
    const view = await env.api.get(`/v1/orders/${orderId}`, { token: a.token });
    expect(view.body.ticketCounts).toMatchObject({ changeable: 1, offered: 1 });
    expect(view.body.tickets.find((t: any) => t.id === offered)).toMatchObject({
      standing: 'offered',
      transfer: { id: sent.id, status: 'pending', toEmail: await emailOf(env, b.userId) },
    });

    expect((await change(a, orderId, { cancel: { ticketIds: [kept] } })).status).toBe(200);
    expect((await env.api.delete(`/v1/transfers/${sent.id}`, { token: a.token })).status).toBe(200);
    const rest = await change(a, orderId, { cancel: {} });
    expect(rest.body).toMatchObject({ status: 'cancelled', refundedCents: 2 * sale.unitCents });
    expect((await accept(b, sent)).status).toBe(409);
    const [row] = await sql()`select holder_id, status from tickets where id = ${offered}`;
    expect(row).toEqual({ holder_id: a.userId, status: 'cancelled' });
  });
});

describe('races', () => {
  const PAIRS = 20;

  it("a transfer's accept and the buyer's cancel fired together: the ticket is B's and unrefunded, or A's and refunded, never both", async () => {
    const sale = await createSale(env, { seats: 2 * PAIRS });
    const a = await signedIn(env);
    const b = await signedInVerified(env);
    const outcomes = { bHolds: 0, aRefunded: 0 };
    for (let i = 0; i < PAIRS; i++) {
      const { orderId, ticketIds } = await buySeats(env, sale, a, 2);
      const [given, own] = ticketIds as [string, string];
      const sent = await offer(a, b, given);
      // Half the pairs cancel the whole order, half name the ticket on offer.
      const body = i % 2 === 0 ? { cancel: {} } : { cancel: { ticketIds: [given] } };
      // The accept is the quicker request: held back by 0-12 ms, it lands on either side of the cancel's locks.
      const delay = (i % 5) * 3;
      const [accepted, cancelled] = await Promise.all([
        new Promise((r) => setTimeout(r, delay)).then(() => accept(b, sent)),
        change(a, orderId, body),
      ]);

      const [t] = await sql()`select holder_id, status from tickets where id = ${given}`;
      const [o] = await sql()`select refunded_cents from orders where id = ${orderId}`;
      const [ownRow] = await sql()`select status from tickets where id = ${own}`;
      const refundedOwn = ownRow!.status === 'cancelled' ? sale.unitCents : 0;
      const bHolds = t!.holder_id === b.userId && t!.status === 'valid' && o!.refunded_cents === refundedOwn;
      const aRefunded =
        t!.holder_id === a.userId && t!.status === 'cancelled' && o!.refunded_cents === refundedOwn + sale.unitCents;
      expect([i, bHolds !== aRefunded]).toEqual([i, true]);
      // Every answer agrees with the state: the accept succeeded exactly when B holds the ticket.
      expect([i, accepted.status === 200]).toEqual([i, bHolds]);
      if (cancelled.status !== 200)
        expect([i, cancelled.body.code]).toEqual([
          i,
          expect.stringMatching(/^orders\.(ticket_transferred|ticket_transfer_pending)$/),
        ]);
      // The buyer's own ticket is refunded only by a whole-order cancel that found the offer accepted.
      expect([i, refundedOwn > 0]).toEqual([i, i % 2 === 0 && cancelled.status === 200]);
      outcomes[bHolds ? 'bHolds' : 'aRefunded'] += 1;
    }
    // The rule refuses a cancel while the offer is open, so the recipient always ends with it.
    expect(outcomes).toEqual({ bHolds: PAIRS, aRefunded: 0 });
  });

  it('a scan and the buyer’s cancel fired together: the ticket is used and unrefunded, or refunded and refused at the door', async () => {
    const sale = await createSale(env, { seats: PAIRS });
    const a = await signedIn(env);
    const outcomes = { used: 0, refunded: 0 };
    for (let i = 0; i < PAIRS; i++) {
      const { orderId, ticketIds } = await buySeats(env, sale, a, 1);
      const code = await codeOf(env, a.token, ticketIds[0]!);
      const [scanned, cancelled] = await Promise.all([scan(sale, code), change(a, orderId, { cancel: {} })]);

      const [t] = await sql()`select status from tickets where id = ${ticketIds[0]!}`;
      const [o] = await sql()`select status, refunded_cents from orders where id = ${orderId}`;
      const [admitted] =
        await sql()`select count(*)::int as n from checkins where ticket_id = ${ticketIds[0]!} and result = 'admitted'`;
      const used = admitted!.n === 1 && t!.status === 'valid' && o!.refunded_cents === 0;
      const refunded = admitted!.n === 0 && t!.status === 'cancelled' && o!.refunded_cents === sale.unitCents;
      expect([i, used !== refunded]).toEqual([i, true]);
      expect([i, scanned.body.result, cancelled.status, cancelled.body.code]).toEqual(
        used ? [i, 'admitted', 409, 'orders.ticket_used'] : [i, 'revoked', 200, undefined],
      );
      outcomes[used ? 'used' : 'refunded'] += 1;
    }
    expect(outcomes.used + outcomes.refunded).toBe(PAIRS);
  });
});
