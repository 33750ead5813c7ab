import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { events } from '../../src/catalog/catalog.table.js';
import { outboxDispatcher } from '../../src/notifications/dispatcher.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn, signedInVerified } from '../support/fixtures.js';
import { mailText, transferToken } from '../support/mail.js';
import { createSale, type SaleFixture } from '../support/commerce.js';
import { buySeats, codeOf, doorStaff, emailOf, listenAs, until } from '../support/tickets-fixtures.js';

let env: TestEnv;
let sale: SaleFixture;
let staff: { token: string; userId: string };
let dispatcher: { close(): Promise<void> };
const sockets: Socket[] = [];
beforeAll(async () => {
  env = await createTestEnv({
    AUTH_LIMIT_PER_IP: '100000',
    DATA_DIR: await mkdtemp(join(tmpdir(), 'fairdrop-transfers-')),
    OUTBOX_POLL_MS: '100',
  });
  sale = await createSale(env, { seats: 40 });
  staff = await doorStaff(env, sale);
  dispatcher = await outboxDispatcher.start(env.infra);
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await dispatcher?.close();
  await env?.close();
});

const scan = (code: string) =>
  env.api.post('/v1/checkin', { code, gate: 'Main', nonce: randomUUID() }, { token: staff.token });
const offer = (token: string, ticketId: string, body: Record<string, unknown>) =>
  env.api.post(`/v1/tickets/${ticketId}/transfers`, body, { token });

/** The invitation token reaches the recipient only by mail; the test reads it where the mail was written. */
const invitation = (transferId: string): Promise<string> => transferToken(env, transferId);

describe('transfers', () => {
  it('after a transfer the old code scans as revoked and the new holder’s code admits; both sides notified and on their timelines', async () => {
    const sender = await signedIn(env);
    const friend = await signedInVerified(env);
    const senderPushes = await listenAs(env, sender.token, sockets);
    const friendPushes = await listenAs(env, friend.token, sockets);
    const { ticketIds } = await buySeats(env, sale, sender, 1);
    const ticketId = ticketIds[0]!;
    const oldCode = await codeOf(env, sender.token, ticketId);

    const sent = await offer(sender.token, ticketId, {
      toEmail: (await emailOf(env, friend.userId)).toUpperCase(),
      message: 'Happy birthday',
    });
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({
      status: 'pending',
      toEmail: await emailOf(env, friend.userId),
      message: 'Happy birthday',
    });
    expect((await env.api.get(`/v1/tickets/${ticketId}`, { token: sender.token })).body).toMatchObject({
      pendingTransferId: sent.body.id,
      transferable: false,
    });
    await until(() => friendPushes.some((p) => p.kind === 'transfer.received'));

    const accepted = await env.api.post(
      `/v1/transfers/${sent.body.id}/accept`,
      { token: await invitation(sent.body.id) },
      { token: friend.token },
    );
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ status: 'accepted', toUserId: friend.userId });
    await until(() => senderPushes.some((p) => p.kind === 'transfer.accepted'));

    const [row] = await env.infra.database.sql`select holder_id, version, status from tickets where id = ${ticketId}`;
    expect(row).toMatchObject({ holder_id: friend.userId, version: 2, status: 'valid' });
    expect((await env.api.get(`/v1/tickets/${ticketId}`, { token: sender.token })).status).toBe(404);
    expect((await scan(oldCode)).body.result).toBe('revoked');
    const newCode = await codeOf(env, friend.token, ticketId);
    expect((await scan(newCode)).body).toMatchObject({ result: 'admitted', ticket: { id: ticketId, version: 2 } });

    const senderKinds = (await env.api.get('/v1/me/timeline', { token: sender.token })).body.receipts.map(
      (r: any) => r.kind,
    );
    const friendKinds = (await env.api.get('/v1/me/timeline', { token: friend.token })).body.receipts.map(
      (r: any) => r.kind,
    );
    expect(senderKinds).toEqual(expect.arrayContaining(['ticket.transfer_offered', 'ticket.transferred']));
    expect(friendKinds).toEqual(['ticket.received', 'ticket.checked_in']);
    // Each notice went to the socket room and through the outbox (push and mail), once; the
    // offer's mail (the one row with the token) is addressed on its own, outside the feed's data.
    const ofTransfer = env.infra.database
      .sql`coalesce(payload->'data'->>'transferId', payload->>'transferId') = ${sent.body.id}`;
    const outbox = await env.infra.database
      .sql`select kind, channel, status from notification_outbox where ${ofTransfer} order by kind, channel`;
    expect(outbox.map((r) => [r.kind, r.channel])).toEqual([
      ['transfer.accepted', 'email'],
      ['transfer.accepted', 'push'],
      ['transfer.received', 'email'],
      ['transfer.received', 'push'],
    ]);
    await until(
      async () =>
        (await env.infra.database.sql`select 1 from notification_outbox where ${ofTransfer} and status <> 'sent'`)
          .length === 0,
    );
    expect(friendPushes.filter((p) => p.kind === 'transfer.received')).toHaveLength(1);
  });

  it('the sender can cancel before acceptance; a cancelled offer cannot be accepted', async () => {
    const sender = await signedIn(env);
    const friend = await signedInVerified(env);
    const { ticketIds } = await buySeats(env, sale, sender, 1);
    const sent = await offer(sender.token, ticketIds[0]!, { toEmail: await emailOf(env, friend.userId) });
    expect((await offer(sender.token, ticketIds[0]!, { toEmail: await emailOf(env, friend.userId) })).body.code).toBe(
      'transfers.pending_exists',
    );
    expect((await env.api.delete(`/v1/transfers/${sent.body.id}`, { token: friend.token })).status).toBe(404);
    const cancelled = await env.api.delete(`/v1/transfers/${sent.body.id}`, { token: sender.token });
    expect(cancelled.body.status).toBe('cancelled');
    const late = await env.api.post(
      `/v1/transfers/${sent.body.id}/accept`,
      { token: await invitation(sent.body.id) },
      { token: friend.token },
    );
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('transfers.not_pending');
    const [row] = await env.infra.database.sql`select holder_id, version from tickets where id = ${ticketIds[0]!}`;
    expect(row).toMatchObject({ holder_id: sender.userId, version: 1 });
  });

  it('refuses a price, another recipient, a checked-in ticket, a forbidding event and a recipient at the limit', async () => {
    const sender = await signedIn(env);
    const friend = await signedInVerified(env);
    const stranger = await signedIn(env);
    const { ticketIds } = await buySeats(env, sale, sender, 3);
    const friendEmail = await emailOf(env, friend.userId);
    const priced = await offer(sender.token, ticketIds[0]!, { toEmail: friendEmail, priceCents: 9000 });
    expect(priced.status).toBe(400);
    expect(priced.body.errors[0]).toMatchObject({ field: 'priceCents', code: 'unknown_field' });
    expect((await offer(sender.token, ticketIds[0]!, { toEmail: await emailOf(env, sender.userId) })).body.code).toBe(
      'transfers.to_self',
    );

    const sent = await offer(sender.token, ticketIds[0]!, { toEmail: friendEmail });
    const token = await invitation(sent.body.id);
    const wrong = await env.api.post(`/v1/transfers/${sent.body.id}/accept`, { token }, { token: stranger.token });
    expect(wrong.body.code).toBe('transfers.wrong_recipient');
    expect(
      (
        await env.api.post(
          `/v1/transfers/${sent.body.id}/accept`,
          { token: 'fdx_not-the-token' },
          { token: friend.token },
        )
      ).body.code,
    ).toBe('transfers.invalid_token');

    expect((await scan(await codeOf(env, sender.token, ticketIds[1]!))).body.result).toBe('admitted');
    expect((await offer(sender.token, ticketIds[1]!, { toEmail: friendEmail })).body.code).toBe(
      'transfers.already_used',
    );

    // The recipient already holds the event's limit: the gift would take them past it.
    await env.infra.database.db.update(events).set({ perAccountLimit: 2 }).where(eq(events.id, sale.eventId));
    try {
      await buySeats(env, sale, friend, 2);
      const over = await env.api.post(`/v1/transfers/${sent.body.id}/accept`, { token }, { token: friend.token });
      expect(over.status).toBe(409);
      expect(over.body.code).toBe('sales.limit_exceeded');
    } finally {
      await env.infra.database.db.update(events).set({ perAccountLimit: null }).where(eq(events.id, sale.eventId));
    }

    await env.infra.database.db.update(events).set({ transfersAllowed: false }).where(eq(events.id, sale.eventId));
    try {
      expect((await offer(sender.token, ticketIds[2]!, { toEmail: friendEmail })).body.code).toBe(
        'transfers.not_allowed',
      );
      expect(
        (await env.api.post(`/v1/transfers/${sent.body.id}/accept`, { token }, { token: friend.token })).body.code,
      ).toBe('transfers.not_allowed');
    } finally {
      await env.infra.database.db.update(events).set({ transfersAllowed: true }).where(eq(events.id, sale.eventId));
    }
    const [row] = await env.infra.database.sql`select holder_id, version from tickets where id = ${ticketIds[0]!}`;
    expect(row).toMatchObject({ holder_id: sender.userId, version: 1 });
  });

  it('a group buyer sends each ticket to its attendee in one call; an attendee without an account creates one from the invitation', async () => {
    const buyer = await signedIn(env);
    const known = await signedInVerified(env);
    const buyerEmail = await emailOf(env, buyer.userId);
    const newcomer = `newcomer.${randomUUID()}@example.test`;
    const bought = await buySeats(env, sale, buyer, 3, [
      { name: 'Me', email: buyerEmail },
      { name: 'Known', email: await emailOf(env, known.userId) },
      { name: 'New', email: newcomer },
    ]);
    const res = await env.api.post(
      `/v1/orders/${bought.orderId}/transfers`,
      { message: 'See you there' },
      { token: buyer.token },
    );
    expect(res.status).toBe(201);
    expect(res.body.transfers.map((t: any) => t.toEmail).sort()).toEqual(
      [await emailOf(env, known.userId), newcomer].sort(),
    );
    expect((await env.api.post(`/v1/orders/${bought.orderId}/transfers`, {}, { token: buyer.token })).body.code).toBe(
      'transfers.no_attendees',
    );

    const toNew = res.body.transfers.find((t: any) => t.toEmail === newcomer);
    const [mail] = await env.infra.database
      .sql`select recipient, channel from notification_outbox where kind = 'transfer.received' and payload->>'transferId' = ${toNew.id}`;
    expect(mail).toMatchObject({ recipient: newcomer, channel: 'email' });
    expect(await mailText(env, 'transfer.received', newcomer)).toContain(toNew.id);
    const claimed = await env.api.post(`/v1/transfers/${toNew.id}/claim`, {
      token: await invitation(toNew.id),
      password: 'a long enough passphrase',
      displayName: 'New Fan',
    });
    expect(claimed.status).toBe(201);
    const mine = await env.api.get('/v1/me/tickets', { token: claimed.body.token });
    expect(mine.body.tickets).toEqual([
      expect.objectContaining({ id: toNew.ticketId, version: 2, attendeeName: 'New Fan' }),
    ]);
    // The invitation works once.
    expect(
      (
        await env.api.post(`/v1/transfers/${toNew.id}/claim`, {
          token: await invitation(toNew.id),
          password: 'a long enough passphrase',
          displayName: 'Again',
        })
      ).status,
    ).toBe(409);

    const toKnown = res.body.transfers.find((t: any) => t.toEmail !== newcomer);
    expect(
      (await env.api.get('/v1/me/transfers', { token: known.token })).body.transfers.map((t: any) => t.id),
    ).toContain(toKnown.id);
    expect(
      (
        await env.api.post(
          `/v1/transfers/${toKnown.id}/accept`,
          { token: await invitation(toKnown.id) },
          { token: known.token },
        )
      ).status,
    ).toBe(200);
    expect(
      (await env.api.get('/v1/me/tickets', { token: buyer.token })).body.tickets.map((t: any) => t.attendeeName),
    ).toEqual(['Me']);
  });
});
