import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announcePrequeueOpened, announceTicketsReleased } from '../../src/announcements/announcements.js';
import { cancellationModule } from '../../src/cancellations/cancellations.jobs.js';
import { outboxDispatcher } from '../../src/notifications/dispatcher.js';
import type { NotificationPush } from '../../src/realtime/events.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { CARDS, createSale, holdDirect, order, type SaleFixture } from '../support/commerce.js';
import { buySeats, codeOf, doorStaff, listenAs, until } from '../support/tickets-fixtures.js';

let env: TestEnv;
const running: { close(): Promise<void> }[] = [];
const sockets: Socket[] = [];
beforeAll(async () => {
  env = await createTestEnv({
    AUTH_LIMIT_PER_IP: '100000',
    DATA_DIR: await mkdtemp(join(tmpdir(), 'fairdrop-cancel-')),
    OUTBOX_POLL_MS: '100',
    CANCELLATION_SWEEP_MS: '500',
  });
  running.push(await outboxDispatcher.start(env.infra), await cancellationModule().start(env.infra));
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  for (const r of running) await r.close();
  await env?.close();
});

const sql = () => env.infra.database.sql;

/** Delivered twice over: the push reached the user's socket room, and the outbox rows (push + mail) were sent. */
async function delivered(pushes: NotificationPush[], userId: string, kind: string) {
  await until(() => pushes.some((p) => p.kind === kind));
  await until(
    async () =>
      (await sql()`select 1 from notification_outbox where user_id = ${userId} and kind = ${kind} and status <> 'sent'`)
        .length === 0,
  );
  const rows =
    await sql()`select channel from notification_outbox where user_id = ${userId} and kind = ${kind} order by channel`;
  return { pushes: pushes.filter((p) => p.kind === kind).length, outbox: rows.map((r) => r.channel as string) };
}

async function watcher(eventId: string) {
  const fan = await signedIn(env);
  expect((await env.api.post(`/v1/events/${eventId}/watch`, undefined, { token: fan.token })).status).toBe(204);
  return fan;
}

describe('cancelling an event', () => {
  let sale: SaleFixture;
  beforeAll(async () => {
    sale = await createSale(env, { seats: 20 });
  });

  it('revokes every ticket, refunds every order to its tenders once, and tells holders and watchers once', async () => {
    const staff = await doorStaff(env, sale);
    const buyers = await Promise.all([signedIn(env), signedIn(env), signedIn(env)]);
    const orders = [];
    for (const b of buyers) orders.push(await buySeats(env, sale, b, 2));
    // One order paid partly with a gift card: it goes back to the gift card, the rest to the card.
    const giftBuyer = await signedIn(env);
    const card = await env.api.post(
      '/v1/gift-cards',
      { amountCents: 2000, currency: sale.currency },
      { token: sale.organizer.token },
    );
    const holdId = await holdDirect(env, sale, giftBuyer.userId, { seatIds: sale.seatIds.slice(10, 11) });
    const mixed = await order(env, giftBuyer.token, {
      holdId,
      payment: { card: CARDS.ok, giftCards: [{ code: card.body.code }] },
    });
    expect(mixed.body).toMatchObject({ status: 'captured', giftCardCents: 2000, cardCents: sale.unitCents - 2000 });
    const watch = await watcher(sale.eventId);
    const holderPushes = await listenAs(env, buyers[0]!.token, sockets);
    const watcherPushes = await listenAs(env, watch.token, sockets);
    const oldCode = await codeOf(env, buyers[0]!.token, orders[0]!.ticketIds[0]!);

    expect(
      (
        await env.api.post(
          `/v1/events/${sale.eventId}/cancel`,
          { reason: 'The band is ill' },
          { token: buyers[0]!.token },
        )
      ).status,
    ).toBe(403);
    const res = await env.api.post(
      `/v1/events/${sale.eventId}/cancel`,
      { reason: 'The band is ill' },
      { token: sale.organizer.token },
    );
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ ordersTotal: 4, ticketsRevoked: 7, reason: 'The band is ill' });
    // At once: the event is cancelled and every code is dead, before any refund ran.
    expect(
      (await env.api.post('/v1/checkin', { code: oldCode, gate: 'A', nonce: randomUUID() }, { token: staff.token }))
        .body.result,
    ).toBe('revoked');

    await until(
      async () =>
        (await env.api.get(`/v1/events/${sale.eventId}/cancellation`, { token: sale.organizer.token })).body
          .completedAt !== null,
    );
    const progress = await env.api.get(`/v1/events/${sale.eventId}/cancellation`, { token: sale.organizer.token });
    expect(progress.body).toMatchObject({
      pending: 0,
      refunded: 4,
      voided: 0,
      skipped: 0,
      refundedCents: 7 * sale.unitCents,
    });
    expect((await env.api.get(`/v1/events/${sale.eventId}/cancellation`, { token: buyers[0]!.token })).status).toBe(
      403,
    );

    const ordersState =
      await sql()`select status, refunded_cents, total_cents from orders where event_id = ${sale.eventId}`;
    expect(ordersState.every((o) => o.status === 'cancelled' && o.refunded_cents === o.total_cents)).toBe(true);
    const intents =
      await sql()`select amount_captured_cents, amount_refunded_cents, (select count(*)::int from sandbox_refunds r where r.intent_id = i.id) as refunds from sandbox_payment_intents i where metadata->>'orderId' in (select id::text from orders where event_id = ${sale.eventId})`;
    expect(intents).toHaveLength(4);
    for (const i of intents) expect(i).toMatchObject({ refunds: 1, amount_refunded_cents: i.amount_captured_cents });
    const [gift] = await sql()`select balance_cents from gift_cards where id = ${card.body.id}`;
    expect(gift!.balance_cents).toBe(2000);
    const [tickets] =
      await sql()`select count(*) filter (where status = 'revoked')::int as revoked, count(*)::int as n from tickets where event_id = ${sale.eventId}`;
    expect(tickets).toEqual({ revoked: 7, n: 7 });

    expect(await delivered(holderPushes, buyers[0]!.userId, 'event.cancelled')).toEqual({
      pushes: 1,
      outbox: ['email', 'push'],
    });
    expect(await delivered(watcherPushes, watch.userId, 'event.cancelled')).toEqual({
      pushes: 1,
      outbox: ['email', 'push'],
    });
    const [notices] =
      await sql()`select count(*)::int as n, count(distinct user_id)::int as people from notifications where kind = 'event.cancelled' and data->>'eventId' = ${sale.eventId}`;
    expect(notices).toEqual({ n: 5, people: 5 });

    // Cancelling again answers the same progress and changes nothing.
    const again = await env.api.post(
      `/v1/events/${sale.eventId}/cancel`,
      { reason: 'again' },
      { token: sale.organizer.token },
    );
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ reason: 'The band is ill', refunded: 4 });
    await new Promise((r) => setTimeout(r, 1200)); // a sweep or two
    const [refundRows] = await sql()`select count(*)::int as n from sandbox_refunds`;
    expect(refundRows!.n).toBe(4);
    const receipts = (await env.api.get('/v1/me/timeline', { token: buyers[0]!.token })).body.receipts.map(
      (r: any) => r.kind,
    );
    expect(receipts).toEqual(
      expect.arrayContaining(['tickets.revoked', 'payment.refund_requested', 'order.cancelled']),
    );
  });
});

describe('a cancellation whose last card refund is still on its way', () => {
  it('stays open until the processor has the refund, then closes', async () => {
    const sale = await createSale(env, { seats: 5 });
    const fan = await signedIn(env);
    const { orderId } = await buySeats(env, sale, fan, 2);
    const [intent] = await sql()`select id from sandbox_payment_intents where metadata->>'orderId' = ${orderId}`;
    // A processor that is slow to answer: the refund job's send waits on this lock after its commit.
    let release!: () => void;
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holding = sql().begin(async (tx) => {
      await tx`select 1 from sandbox_payment_intents where id = ${intent!.id} for update`;
      locked();
      await new Promise<void>((r) => (release = r));
    });
    await isLocked;
    const progress = async () =>
      (await env.api.get(`/v1/events/${sale.eventId}/cancellation`, { token: sale.organizer.token })).body;

    expect(
      (await env.api.post(`/v1/events/${sale.eventId}/cancel`, { reason: 'Flooded' }, { token: sale.organizer.token }))
        .status,
    ).toBe(202);
    await until(async () => (await progress()).refunded === 1);
    const [unsent] = await sql()`select status from payment_refunds where order_id = ${orderId}`;
    expect(unsent!.status).toBe('pending');
    await new Promise((r) => setTimeout(r, 1200)); // two sweeps, each free to close it
    expect((await progress()).completedAt).toBeNull();

    release();
    await holding;
    await until(async () => (await progress()).completedAt !== null);
    const [sent] =
      await sql()`select r.status, i.amount_refunded_cents, i.amount_captured_cents from payment_refunds r, sandbox_payment_intents i where r.order_id = ${orderId} and i.id = ${intent!.id}`;
    expect(sent).toMatchObject({ status: 'succeeded', amount_refunded_cents: sent!.amount_captured_cents });
  });
});

describe('an event cancelled through the catalog', () => {
  it('is adopted by the sweeper: refunded, revoked and announced like a cancellation', async () => {
    const sale = await createSale(env, { seats: 5 });
    const fan = await signedIn(env);
    await buySeats(env, sale, fan, 2);
    const patched = await env.api.patch(
      `/v1/events/${sale.eventId}`,
      { status: 'cancelled' },
      { token: sale.organizer.token },
    );
    expect(patched.status).toBe(200);
    await until(
      async () =>
        (await env.api.get(`/v1/events/${sale.eventId}/cancellation`, { token: sale.organizer.token })).body
          .completedAt != null,
      15_000,
    );
    const progress = await env.api.get(`/v1/events/${sale.eventId}/cancellation`, { token: sale.organizer.token });
    expect(progress.body).toMatchObject({
      ordersTotal: 1,
      ticketsRevoked: 2,
      refunded: 1,
      pending: 0,
      reason: 'Cancelled by the organizer',
    });
    const [row] =
      await sql()`select o.status, (select count(*)::int from tickets t where t.event_id = o.event_id and t.status = 'revoked') as revoked,
      (select count(*)::int from notifications n where n.user_id = o.user_id and n.kind = 'event.cancelled') as told
      from orders o where o.event_id = ${sale.eventId}`;
    expect(row).toEqual({ status: 'cancelled', revoked: 2, told: 1 });
  });
});

describe('postponing and changing an event', () => {
  it('postponing keeps tickets valid, opens a refund window, and tells holders and watchers', async () => {
    const sale = await createSale(env, { seats: 5, refundable: false });
    const fan = await signedIn(env);
    const bought = await buySeats(env, sale, fan, 1);
    const watch = await watcher(sale.eventId);
    const fanPushes = await listenAs(env, fan.token, sockets);
    const watcherPushes = await listenAs(env, watch.token, sockets);
    // Before: this event refunds nothing.
    expect(
      (
        await env.api.patch(
          `/v1/orders/${bought.orderId}`,
          { cancel: {} },
          { token: fan.token, headers: { 'idempotency-key': randomUUID() } },
        )
      ).body.code,
    ).toBe('orders.policy_forbids');

    const newStartsAt = new Date(Date.now() + 60 * 86_400_000).toISOString();
    const res = await env.api.post(
      `/v1/events/${sale.eventId}/postpone`,
      { newStartsAt, refundWindowDays: 14 },
      { token: sale.organizer.token },
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ kind: 'postponed', after: { startsAt: newStartsAt } });
    const [event] = await sql()`select status, starts_at, refundable_until from events where id = ${sale.eventId}`;
    expect(event!.status).toBe('postponed');
    expect(new Date(event!.refundable_until as string).getTime()).toBeGreaterThan(Date.now() + 13 * 86_400_000);
    expect((await env.api.get(`/v1/tickets/${bought.ticketIds[0]}`, { token: fan.token })).body.status).toBe('valid');
    expect(await delivered(fanPushes, fan.userId, 'event.postponed')).toEqual({ pushes: 1, outbox: ['email', 'push'] });
    expect(await delivered(watcherPushes, watch.userId, 'event.postponed')).toEqual({
      pushes: 1,
      outbox: ['email', 'push'],
    });

    // Within the window the holder cancels through the normal order change and is refunded.
    const refund = await env.api.patch(
      `/v1/orders/${bought.orderId}`,
      { cancel: {} },
      { token: fan.token, headers: { 'idempotency-key': randomUUID() } },
    );
    expect(refund.status).toBe(200);
    expect(refund.body).toMatchObject({ status: 'cancelled', refundedCents: sale.unitCents });

    const moved = await env.api.post(
      `/v1/events/${sale.eventId}/changes`,
      { doorsAt: new Date(Date.now() + 60 * 86_400_000 - 3600_000).toISOString(), note: 'Doors an hour early' },
      { token: sale.organizer.token },
    );
    expect(moved.status).toBe(200);
    expect(await delivered(watcherPushes, watch.userId, 'event.changed')).toEqual({
      pushes: 1,
      outbox: ['email', 'push'],
    });
    expect((await env.api.post(`/v1/events/${sale.eventId}/changes`, {}, { token: sale.organizer.token })).status).toBe(
      400,
    );
  });
});

describe('notifications produced by their causes', () => {
  it('order confirmed, pre-queue opened, tickets released: each pushed to the user room and written to the outbox once', async () => {
    const sale = await createSale(env, { seats: 5 });
    const fan = await signedIn(env);
    const fanPushes = await listenAs(env, fan.token, sockets);
    const bought = await buySeats(env, sale, fan, 1);
    expect(await delivered(fanPushes, fan.userId, 'order.confirmed')).toEqual({ pushes: 1, outbox: ['email', 'push'] });
    expect(fanPushes.find((p) => p.kind === 'order.confirmed')!.data).toMatchObject({ orderId: bought.orderId });

    const watch = await watcher(sale.eventId);
    const pushes = await listenAs(env, watch.token, sockets);
    const db = env.infra.database.db;
    expect(await announcePrequeueOpened(db, sale.eventId, new Date(Date.now() + 3600_000))).toBe(1);
    expect(await announcePrequeueOpened(db, sale.eventId, new Date(Date.now() + 3600_000))).toBe(0);
    expect(await delivered(pushes, watch.userId, 'event.prequeue_opened')).toEqual({
      pushes: 1,
      outbox: ['email', 'push'],
    });
    expect(await announceTicketsReleased(db, sale.eventId, 'release-1', 3)).toBe(1);
    expect(await announceTicketsReleased(db, sale.eventId, 'release-1', 3)).toBe(0);
    expect(await delivered(pushes, watch.userId, 'event.tickets_released')).toEqual({ pushes: 1, outbox: ['push'] });
    // The holder who does not watch is not told about the pre-queue.
    expect(fanPushes.some((p) => p.kind === 'event.prequeue_opened')).toBe(false);
  });
});
