import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeys } from '../../queue/keys.js';
import * as schema from '../../src/db/schema.js';
import { outboxDispatcher } from '../../src/notifications/dispatcher.js';
import type { QueueServerToClient } from '../../src/realtime/events.js';
import { AppError } from '../../src/shared/errors.js';
import { createWaitingRoom } from '../../src/waitingroom/room.js';
import { WaitingRoomService } from '../../src/waitingroom/waitingroom.service.js';
import { createSale as createShopSale, type SaleFixture } from '../support/commerce.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn, signedInVerified, uniqueEmail, verifyEmail } from '../support/fixtures.js';
import { transferToken } from '../support/mail.js';
import { createSale, principalOf } from '../support/sales.js';
import { buySeats, emailOf, listenAs, until } from '../support/tickets-fixtures.js';
import { queueSale } from '../support/waitingroom.js';

/**
 * Issue #16 rows 4 and 11: receiving a ticket and joining a waiting room take a confirmed
 * email address. Registering with somebody's address proves nothing; the verification link
 * (or a transfer's mailed token, when the account is created from it) does.
 */

let env: TestEnv;
let shop: SaleFixture;
let organizer: { token: string; userId: string };
let dispatcher: { close(): Promise<void> } | undefined;
const sockets: Socket[] = [];

beforeAll(async () => {
  env = await createTestEnv({
    AUTH_LIMIT_PER_IP: '100000',
    QUEUE_JOIN_LIMIT_PER_IP: '100000',
    DATA_DIR: await mkdtemp(join(tmpdir(), 'fairdrop-verified-')),
    OUTBOX_POLL_MS: '100',
  });
  shop = await createShopSale(env, { seats: 20 });
  organizer = await signedIn(env, ['organizer']);
  // Pushes reach sockets through the outbox, as the worker delivers them in production.
  dispatcher = await outboxDispatcher.start(env.infra);
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await dispatcher?.close();
  await env?.close();
});

const sql = () => env.infra.database.sql;
const offer = (token: string, ticketId: string, toEmail: string) =>
  env.api.post(`/v1/tickets/${ticketId}/transfers`, { toEmail }, { token });
const accept = (transferId: string, token: string, body?: unknown) =>
  env.api.post(`/v1/transfers/${transferId}/accept`, body, { token });
const ticketRow = async (ticketId: string) =>
  (await sql()`select holder_id, version, status from tickets where id = ${ticketId}`)[0];
const transferStatus = async (transferId: string) =>
  (await sql()`select status, to_user_id from ticket_transfers where id = ${transferId}`)[0];

describe('transfers go to a confirmed address', () => {
  it('an account that registered the recipient’s address unverified sees the offer without its token and cannot take it, token or not', async () => {
    const sender = await signedIn(env);
    const victim = uniqueEmail('victim');
    const attacker = await env.api.register(victim);
    const pushes = await listenAs(env, attacker.token, sockets);
    const { ticketIds } = await buySeats(env, shop, sender, 1);
    const ticketId = ticketIds[0]!;
    const sent = await offer(sender.token, ticketId, victim);
    expect(sent.status).toBe(201);
    const transferId = sent.body.id as string;
    const mailed = await transferToken(env, transferId);

    // What the squatting account can read: the offer, never the token that goes to the mailbox.
    const feed = await env.api.get('/v1/me/notifications', { token: attacker.token });
    const notice = feed.body.items.find((n: { kind: string }) => n.kind === 'transfer.received');
    // Ids and the event's start (for the words of its time), nothing secret.
    expect(notice.data).toEqual({
      transferId,
      ticketId,
      eventId: shop.eventId,
      startsAt: expect.any(String),
      timeZone: 'Europe/Paris',
    });
    expect(JSON.stringify(feed.body)).not.toContain(mailed);
    const listed = await env.api.get('/v1/me/transfers', { token: attacker.token });
    expect(listed.body.transfers.map((t: { id: string }) => t.id)).toEqual([transferId]);
    expect(JSON.stringify(listed.body)).not.toContain(mailed);
    await until(() => pushes.some((p) => p.kind === 'transfer.received'));
    expect(JSON.stringify(pushes)).not.toContain(mailed);
    // Nor at rest where the account reads: the feed row and its push carry no token (only the mail to the address does).
    const leaks = await sql()`
      select 'feed' as place from notifications where body like ${`%${mailed}%`} or data::text like ${`%${mailed}%`}
      union all
      select channel from notification_outbox
      where channel = 'push' and (body like ${`%${mailed}%`} or payload::text like ${`%${mailed}%`})`;
    expect(leaks).toEqual([]);

    const without = await accept(transferId, attacker.token);
    expect(without.status).toBe(403);
    expect(without.body.code).toBe('transfers.email_unverified');
    const guessed = await accept(transferId, attacker.token, { token: 'fdx_a-guessed-token-value' });
    expect(guessed.status).toBe(403);
    expect(guessed.body.code).toBe('transfers.invalid_token');
    // Even the mailed token does not let an unconfirmed account take the ticket.
    const withMailed = await accept(transferId, attacker.token, { token: mailed });
    expect(withMailed.status).toBe(403);
    expect(withMailed.body.code).toBe('transfers.email_unverified');

    expect(await ticketRow(ticketId)).toMatchObject({ holder_id: sender.userId, version: 1, status: 'valid' });
    expect(await transferStatus(transferId)).toMatchObject({ status: 'pending', to_user_id: null });
    const received =
      await sql()`select 1 from timeline_entries where kind = 'ticket.received' and subject_id = ${ticketId}`;
    expect(received).toHaveLength(0);
  });

  it('the recipient, once their address is confirmed, accepts without a token; a wrong token given is still refused', async () => {
    const sender = await signedIn(env);
    const recipient = await signedIn(env);
    const { ticketIds } = await buySeats(env, shop, sender, 1);
    const ticketId = ticketIds[0]!;
    const sent = await offer(sender.token, ticketId, await emailOf(env, recipient.userId));
    expect((await accept(sent.body.id, recipient.token)).body.code).toBe('transfers.email_unverified');

    await verifyEmail(env, recipient.userId);
    const wrong = await accept(sent.body.id, recipient.token, { token: 'fdx_not-this-transfers-token' });
    expect(wrong.status).toBe(403);
    expect(wrong.body.code).toBe('transfers.invalid_token');
    expect(await ticketRow(ticketId)).toMatchObject({ holder_id: sender.userId, version: 1 });

    const taken = await accept(sent.body.id, recipient.token);
    expect(taken.status).toBe(200);
    expect(taken.body).toMatchObject({ status: 'accepted', toUserId: recipient.userId });
    expect(await ticketRow(ticketId)).toMatchObject({ holder_id: recipient.userId, version: 2, status: 'valid' });
  });

  it('accepts raced without a token: one takes the ticket, the others are told it is taken; one change of holder', async () => {
    const sender = await signedIn(env);
    const recipient = await signedInVerified(env);
    const { ticketIds } = await buySeats(env, shop, sender, 1);
    const sent = await offer(sender.token, ticketIds[0]!, await emailOf(env, recipient.userId));
    const answers = await Promise.all(Array.from({ length: 6 }, () => accept(sent.body.id, recipient.token)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409, 409, 409, 409]);
    expect(new Set(answers.filter((a) => a.status === 409).map((a) => a.body.code))).toEqual(
      new Set(['transfers.not_pending']),
    );
    expect(await ticketRow(ticketIds[0]!)).toMatchObject({ holder_id: recipient.userId, version: 2 });
    const moves =
      await sql()`select count(*)::int as n from timeline_entries where kind = 'ticket.received' and subject_id = ${ticketIds[0]!}`;
    expect(moves[0]!.n).toBe(1);
  });

  it('the mailed token creates the recipient’s account already confirmed (no verification mail), and takes the ticket', async () => {
    const sender = await signedIn(env);
    const newcomer = uniqueEmail('newcomer');
    const { ticketIds } = await buySeats(env, shop, sender, 1);
    const sent = await offer(sender.token, ticketIds[0]!, newcomer);
    const claimed = await env.api.post(`/v1/transfers/${sent.body.id}/claim`, {
      token: await transferToken(env, sent.body.id),
      password: 'a long enough passphrase',
      displayName: 'New Fan',
    });
    expect(claimed.status).toBe(201);
    const me = await env.api.get('/v1/me', { token: claimed.body.token });
    expect(me.body).toMatchObject({ email: newcomer, emailVerified: true });
    const [user] = await sql()`select email_verified_at from users where id = ${claimed.body.userId}`;
    expect(user!.email_verified_at).not.toBeNull();
    expect(
      await sql()`select 1 from notification_outbox where kind = 'auth.verify_email' and user_id = ${claimed.body.userId}`,
    ).toHaveLength(0);
    expect(await ticketRow(ticketIds[0]!)).toMatchObject({ holder_id: claimed.body.userId, version: 2 });
  });
});

describe('queue-mode waiting rooms take confirmed addresses', () => {
  const keys = () => createKeys(env.config.REDIS_PREFIX);
  /** Every Redis key of the event's room that names this account, and its entry. */
  async function traces(eventId: string, userId: string) {
    const k = keys().queue(eventId);
    return {
      entry: await env.infra.redis.hget(k.accounts, userId),
      prequeue: await env.infra.redis.llen(k.prequeue),
      counters: await env.infra.redis.exists(
        keys().joinCounter(eventId, `account:${userId}`),
        keys().joinCounter(eventId, 'address:127.0.0.1'),
        keys().joinCounter(eventId, 'address:::ffff:127.0.0.1'),
      ),
    };
  }

  it('refuses an unverified fan’s join and challenge with queue.email_unverified, writing nothing to Redis; after the link the join works', async () => {
    const sale = await queueSale(env, organizer.userId);
    expect((await env.api.get(`/v1/events/${sale.eventId}/onsale`)).body.requireVerifiedEmail).toBe(true);
    const fan = await signedIn(env);

    const refused = await env.api.post(`/v1/events/${sale.eventId}/queue`, {}, { token: fan.token });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body.code).toBe('queue.email_unverified');
    const challenge = await env.api.get(`/v1/events/${sale.eventId}/queue/challenge`, { token: fan.token });
    expect(challenge.status).toBe(403);
    expect(challenge.body.code).toBe('queue.email_unverified');
    expect(await traces(sale.eventId, fan.userId)).toEqual({ entry: null, prequeue: 0, counters: 0 });
    expect((await env.api.get(`/v1/events/${sale.eventId}/queue/stats`)).body).toMatchObject({ entrants: 0 });

    await verifyEmail(env, fan.userId);
    const joined = await env.api.post(`/v1/events/${sale.eventId}/queue`, {}, { token: fan.token });
    expect(joined.status).toBe(201);
    expect((await traces(sale.eventId, fan.userId)).entry).toBe(joined.body.entryId);
  });

  it('an organizer may turn it off for a queue sale (requireVerifiedEmail: false): then the unverified join', async () => {
    const sale = await queueSale(env, organizer.userId, { onsale: { requireVerifiedEmail: false } });
    expect((await env.api.get(`/v1/events/${sale.eventId}/onsale`)).body.requireVerifiedEmail).toBe(false);
    const fan = await signedIn(env);
    const joined = await env.api.post(`/v1/events/${sale.eventId}/queue`, {}, { token: fan.token });
    expect(joined.status).toBe(201);
  });

  it('PUT …/onsale: on by default for a queue sale, off for an open one, where it cannot be turned on', async () => {
    const sale = await createSale(env, organizer.userId);
    const path = `/v1/events/${sale.eventId}/onsale`;
    const { body: open } = await env.api.get(path);
    expect(open).toMatchObject({ mode: 'open', requireVerifiedEmail: false });
    const base = { saleStartsAt: new Date(Date.now() + 3_600_000).toISOString() };
    const refused = await env.api.put(path, { ...base, mode: 'open', requireVerifiedEmail: true }, organizer);
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([expect.objectContaining({ in: 'body', field: 'requireVerifiedEmail' })]);
    expect((await env.api.get(path)).body).toMatchObject({ mode: 'open', requireVerifiedEmail: false });

    const queue = { ...base, mode: 'queue', prequeueOpensAt: new Date().toISOString(), admitPerMinute: 60 };
    const on = await env.api.put(path, queue, organizer);
    expect(on.status).toBe(200);
    expect(on.body.requireVerifiedEmail).toBe(true);
    const off = await env.api.put(path, { ...queue, requireVerifiedEmail: false }, organizer);
    expect(off.body.requireVerifiedEmail).toBe(false);
    const [row] = await sql()`select require_verified_email from onsale_settings where event_id = ${sale.eventId}`;
    expect(row!.require_verified_email).toBe(false);
  });

  it('checks the flag on the cached on-sale and the principal: no query of its own per join', async () => {
    const sale = await queueSale(env, organizer.userId);
    let statements = 0;
    const client = postgres(env.infra.config.DATABASE_URL!, {
      max: 2,
      onnotice: () => {},
      debug: () => void statements++,
    });
    try {
      await client`select 1`;
      const service = new WaitingRoomService({
        db: drizzle(client, { schema }),
        redis: env.infra.redis,
        keys: keys(),
        room: createWaitingRoom(env.infra.redis, keys(), env.infra.signer, env.infra.config),
        signer: env.infra.signer,
        sockets: env.infra.broadcaster.namespace<QueueServerToClient>('/queue'),
        logger: env.infra.logger,
      });
      const limits = { address: '192.0.2.1', perAddress: 100, perAccount: 10, windowMs: 60_000 };
      // Each join right after a read that fills the shared copy: any statement counted is the join's own.
      await service.sale(sale.eventId);
      statements = 0;
      const unverified = { ...principalOf(organizer.userId), emailVerified: false };
      const refused = await service.join(unverified, sale.eventId, undefined, limits).then(
        () => null,
        (err: unknown) => err,
      );
      expect(statements).toBe(0);
      expect(refused).toBeInstanceOf(AppError);
      expect((refused as AppError).code).toBe('queue.email_unverified');
      await service.sale(sale.eventId);
      statements = 0;
      const joined = await service.join(principalOf(organizer.userId), sale.eventId, undefined, limits);
      expect(statements).toBe(0);
      expect(joined.created).toBe(true);
    } finally {
      await client.end({ timeout: 5 });
    }
  });
});
