import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import webpush from 'web-push';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverOutbox } from '../../src/notifications/dispatcher.js';
import { createMailer } from '../../src/notifications/mailer.js';
import { createSale, holdDirect, idem } from '../support/commerce.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { DeviceKeys, startPushReceiver, verifyVapid } from '../support/push-receiver.js';

/**
 * A waitlist offer reaches the fan wherever they are (issue #19, parts 1 and 2): when a place
 * comes back and is offered to the next fan in line, the same transaction queues the feed row
 * and its live push to the fan's open pages, a mail, and a Web Push to each device of a fan who
 * allows "your turn" pushes; delivered, the push opens with the device's keys and links to the
 * offer's checkout. A fan who turned pushes off gets none.
 */
const vapid = webpush.generateVAPIDKeys();
let env: TestEnv;
let dataDir: string;
let receiver: Awaited<ReturnType<typeof startPushReceiver>>;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'fd-waitlist-push-'));
  receiver = await startPushReceiver();
  env = await createTestEnv({
    AUTH_LIMIT_PER_IP: '10000',
    VAPID_PUBLIC_KEY: vapid.publicKey,
    VAPID_PRIVATE_KEY: vapid.privateKey,
    VAPID_SUBJECT: 'mailto:ops@fairdrop.test',
    DATA_DIR: dataDir,
  });
}, 60_000);
afterAll(async () => {
  await env?.close();
  await receiver?.close();
  await rm(dataDir, { recursive: true, force: true });
});

type Fan = Awaited<ReturnType<typeof signedIn>>;
const key = () => ({ 'idempotency-key': idem() });

async function outboxOf(userId: string) {
  const rows = await env.infra.database.db.execute<{ channel: string; kind: string; status: string; payload: unknown }>(
    sql`select channel, kind, status, payload from notification_outbox where user_id = ${userId} and kind = 'waitlist.offer' order by channel`,
  );
  return [...rows];
}

describe('a waitlist offer, on every channel the fan allowed', () => {
  it('queues the live push, the mail and a Web Push with the offer; the push decrypts and links to its checkout', async () => {
    const sale = await createSale(env, { seats: 2, gaCapacity: 0 });
    const [pushed, quiet, buyer] = [await signedIn(env), await signedIn(env), await signedIn(env)];
    const holds = [];
    for (const seatId of sale.seatIds) holds.push(await holdDirect(env, sale, buyer.userId, { seatIds: [seatId] }));

    const device = new DeviceKeys();
    const subscribe = (fan: Fan, path: string) =>
      env.api.post(
        '/v1/me/push-subscriptions',
        { endpoint: `${receiver.origin}${path}`, keys: device.keys },
        { token: fan.token, headers: key() },
      );
    expect((await subscribe(pushed, '/201/pushed')).status).toBe(201);
    expect((await subscribe(quiet, '/201/quiet')).status).toBe(201);
    const off = await env.api.put(
      '/v1/me/notification-preferences',
      { push: false, email: false },
      { token: quiet.token },
    );
    expect(off.status).toBe(200);
    for (const fan of [pushed, quiet])
      expect(
        (await env.api.post(`/v1/events/${sale.eventId}/waitlist`, undefined, { token: fan.token, headers: key() }))
          .status,
      ).toBe(201);

    // Both places come back: each is offered to the next fan in line, in the release's transaction.
    for (const holdId of holds)
      expect((await env.api.delete(`/v1/holds/${holdId}`, { token: buyer.token, headers: key() })).status).toBe(200);
    const offer = (await env.api.get(`/v1/events/${sale.eventId}/waitlist/me`, { token: pushed.token })).body;
    expect(offer).toMatchObject({ state: 'offered' });

    const mine = await outboxOf(pushed.userId);
    expect(mine.map((r) => [r.channel, r.kind, r.status])).toEqual([
      ['email', 'waitlist.offer', 'pending'],
      ['push', 'waitlist.offer', 'pending'],
      ['webpush', 'waitlist.offer', 'pending'],
    ]);
    expect(mine.find((r) => r.channel === 'webpush')!.payload).toMatchObject({
      url: `/checkout.html?hold=${offer.holdId}`,
      tag: `waitlist-${offer.holdId}`,
      data: { eventId: sale.eventId, holdId: offer.holdId },
    });
    // Pushes and mails turned off: the feed and the open page still tell the fan, the devices
    // and the mailbox do not.
    expect((await outboxOf(quiet.userId)).map((r) => r.channel)).toEqual(['push']);

    // Delivered: the push service gets an aes128gcm message signed with the server's VAPID key.
    const mailer = createMailer(env.infra.config);
    while ((await deliverOutbox(env.infra, mailer)) > 0);
    const requests = receiver.requests.filter((r) => r.path === '/201/pushed');
    expect(requests).toHaveLength(1);
    expect(receiver.requests.filter((r) => r.path === '/201/quiet')).toHaveLength(0);
    verifyVapid(String(requests[0]!.headers.authorization), vapid.publicKey, receiver.origin);
    const message = JSON.parse(device.decrypt(requests[0]!.body)) as Record<string, string>;
    expect(message).toMatchObject({ kind: 'waitlist.offer', url: `/checkout.html?hold=${offer.holdId}` });
    expect(message.title).toMatch(/^A ticket for .+ is yours to buy$/);
    expect((await outboxOf(pushed.userId)).every((r) => r.status === 'sent')).toBe(true);
  });
});
