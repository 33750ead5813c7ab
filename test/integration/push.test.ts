import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq, inArray, sql } from 'drizzle-orm';
import webpush from 'web-push';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outboxDispatcher } from '../../src/notifications/dispatcher.js';
import { outbox } from '../../src/notifications/outbox.table.js';
import { pushSubscriptions } from '../../src/notifications/push.table.js';
import { TURN_KIND, TURN_REMINDER_KIND } from '../../src/notifications/turn-notices.repository.js';
import { admissionModule } from '../../src/waitingroom/scheduler.jobs.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn, uniqueEmail } from '../support/fixtures.js';
import { DeviceKeys, startPushReceiver, verifyVapid } from '../support/push-receiver.js';
import { bulkAccounts, idemKey } from '../support/sales.js';
import { queueSale, waitUntil } from '../support/waitingroom.js';

const vapid = webpush.generateVAPIDKeys();
const PUBLIC_URL = 'http://fairdrop.test:8080';

let env: TestEnv;
let dataDir: string;
let receiver: Awaited<ReturnType<typeof startPushReceiver>>;
const running: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'fd-push-'));
  receiver = await startPushReceiver();
  env = await createTestEnv({
    VAPID_PUBLIC_KEY: vapid.publicKey,
    VAPID_PRIVATE_KEY: vapid.privateKey,
    VAPID_SUBJECT: 'mailto:ops@fairdrop.test',
    PUBLIC_URL,
    DATA_DIR: dataDir,
    QUEUE_TICK_MS: '200',
    OUTBOX_POLL_MS: '200',
  });
});
afterAll(async () => {
  for (const r of running) await r.close();
  await env?.close();
  await receiver?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const db = () => env.infra.database.db;
const subscribe = (token: string, body: unknown, key: string | null = idemKey()) =>
  env.api.post('/v1/me/push-subscriptions', body, { token, headers: key ? { 'idempotency-key': key } : {} });

describe('push subscriptions over HTTP', () => {
  it('publishes the VAPID key; subscribes, lists and removes a device; refuses bad input naming the field', async () => {
    const fan = await signedIn(env);
    expect((await env.api.get('/v1/push/key')).body).toEqual({ publicKey: vapid.publicKey });
    const device = new DeviceKeys();
    const body = { endpoint: `${receiver.origin}/201/a`, keys: device.keys, label: 'Test browser' };

    const noKey = await subscribe(fan.token, body, null);
    expect(noKey.status).toBe(400);
    expect(noKey.contentType).toContain('application/problem+json');

    const bad = await subscribe(fan.token, { ...body, keys: { ...device.keys, p256dh: 'nope' } });
    expect(bad.status).toBe(400);
    expect(bad.contentType).toContain('application/problem+json');
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toContain('keys.p256dh');
    const notHttps = await subscribe(fan.token, { ...body, endpoint: 'http://push.example.com/x' });
    expect(notHttps.status).toBe(400);
    expect(notHttps.body.errors.map((e: { field: string }) => e.field)).toContain('endpoint');

    const created = await subscribe(fan.token, body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ label: 'Test browser', service: new URL(receiver.origin).host });
    // The same endpoint again (the page re-subscribing): still one row.
    expect((await subscribe(fan.token, body)).status).toBe(201);
    const listed = await env.api.get('/v1/me/push-subscriptions', { token: fan.token });
    expect(listed.body.subscriptions).toHaveLength(1);

    const other = await signedIn(env);
    const foreign = await env.api.delete(`/v1/me/push-subscriptions/${created.body.id}`, { token: other.token });
    expect(foreign.status).toBe(404);
    const removed = await env.api.delete(`/v1/me/push-subscriptions/${created.body.id}`, {
      token: fan.token,
      headers: { 'idempotency-key': idemKey() },
    });
    expect(removed.status).toBe(204);
    expect(await db().select().from(pushSubscriptions).where(eq(pushSubscriptions.userId, fan.userId))).toHaveLength(0);

    expect((await env.api.get('/v1/me/notification-preferences', { token: fan.token })).body).toEqual({
      push: true,
      email: true,
    });
    const badPrefs = await env.api.put(
      '/v1/me/notification-preferences',
      { push: 'yes', email: true },
      { token: fan.token },
    );
    expect(badPrefs.status).toBe(400);
    expect(badPrefs.body.errors.map((e: { field: string }) => e.field)).toContain('push');
  });
});

describe('your turn, wherever you are', () => {
  it('pushes an encrypted, VAPID-signed message and a mail on admission; 410 drops the device; the reminder skips a used pass', async () => {
    const organizer = await signedIn(env, ['organizer']);
    const sale = await queueSale(env, organizer.userId, { startsInMs: 1_500, admitPerMinute: 6_000 });
    const [buyer, gone, away] = await bulkAccounts(db(), 3);
    const devices = { buyer: new DeviceKeys(), gone: new DeviceKeys(), away: new DeviceKeys() };
    for (const [name, fan, path] of [
      ['buyer', buyer!, '/201/buyer'],
      ['gone', gone!, '/410/gone'],
      ['away', away!, '/201/away'],
    ] as const) {
      const res = await subscribe(fan.token, { endpoint: `${receiver.origin}${path}`, keys: devices[name].keys });
      expect(res.status).toBe(201);
    }
    for (const fan of [buyer!, gone!, away!])
      expect((await env.api.post(`/v1/events/${sale.eventId}/queue`, undefined, { token: fan.token })).status).toBe(
        201,
      );

    running.push(await outboxDispatcher.start(env.infra));
    running.push(await admissionModule({ receipts: false }).start(env.infra));

    await waitUntil(() => receiver.requests.filter((r) => r.path !== '/201/a').length >= 3, 30_000, 'three pushes');
    const pushed = (path: string) => receiver.requests.filter((r) => r.path === path);
    const [toBuyer] = pushed('/201/buyer');
    expect(toBuyer!.headers['content-encoding']).toBe('aes128gcm');
    expect(Number(toBuyer!.headers.ttl)).toBeGreaterThan(0);
    expect(verifyVapid(String(toBuyer!.headers.authorization), vapid.publicKey, receiver.origin)).toMatchObject({
      sub: 'mailto:ops@fairdrop.test',
    });
    const message = JSON.parse(devices.buyer.decrypt(toBuyer!.body));
    expect(message).toMatchObject({
      kind: TURN_KIND,
      title: "It's your turn: Test Night",
      url: `/queue.html?event=${sale.eventId}`,
    });
    expect(message.body).toMatch(/^You can buy tickets now\. Your pass lasts until .+\.$/);
    expect(message.body).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
    // Another device's keys cannot read it.
    expect(() => devices.away.decrypt(toBuyer!.body)).toThrow();

    // The push service said the device is gone: its subscription is deleted.
    await waitUntil(
      async () =>
        (await db().select().from(pushSubscriptions).where(eq(pushSubscriptions.userId, gone!.userId))).length === 0,
      10_000,
      'the 410 subscription deleted',
    );
    const [kept] = await db().select().from(pushSubscriptions).where(eq(pushSubscriptions.userId, buyer!.userId));
    expect(kept!.lastSuccessAt).not.toBeNull();

    // A mail for each, linking the queue page to resume on any device; no token in it.
    const mails = await db()
      .select()
      .from(outbox)
      .where(
        and(
          eq(outbox.channel, 'email'),
          eq(outbox.kind, TURN_KIND),
          inArray(outbox.userId, [buyer!.userId, gone!.userId, away!.userId]),
        ),
      );
    expect(mails).toHaveLength(3);
    const me = await env.api.get(`/v1/events/${sale.eventId}/queue/me`, { token: buyer!.token });
    expect(me.body.status).toBe('admitted');
    for (const mail of mails) {
      expect(mail.body).toContain(`${PUBLIC_URL}/queue.html?event=${sale.eventId}`);
      expect(mail.body).not.toContain(me.body.token);
    }
    await waitUntil(
      async () =>
        (
          await db()
            .select()
            .from(outbox)
            .where(and(eq(outbox.kind, TURN_KIND), eq(outbox.status, 'sent')))
        ).length === 6,
      10_000,
      'the three mails and three pushes sent',
    );

    // The buyer uses the pass; the reminders (due at 2/3 of its 10 minutes) are brought forward.
    const hold = await env.api.post(
      '/v1/holds',
      { eventId: sale.eventId, tierId: sale.gaTierId, quantity: 1, purchaseToken: me.body.token },
      { token: buyer!.token, headers: { 'idempotency-key': idemKey() } },
    );
    expect(hold.status).toBe(201);
    const reminders = await db().select().from(outbox).where(eq(outbox.kind, TURN_REMINDER_KIND));
    const admittedAt = new Date(me.body.tokenExpiresAt - 600_000).getTime();
    for (const r of reminders) expect(Math.abs(r.availableAt.getTime() - (admittedAt + 400_000))).toBeLessThan(5_000);
    expect(
      reminders
        .filter((r) => r.channel === 'webpush')
        .map((r) => r.userId)
        .sort(),
    ).toEqual([buyer!.userId, gone!.userId, away!.userId].sort());
    const before = receiver.requests.length;
    await db()
      .update(outbox)
      .set({ availableAt: sql`now()` })
      .where(eq(outbox.kind, TURN_REMINDER_KIND));
    await waitUntil(
      async () =>
        (
          await db()
            .select()
            .from(outbox)
            .where(and(eq(outbox.kind, TURN_REMINDER_KIND), eq(outbox.status, 'pending')))
        ).length === 0,
      10_000,
      'reminders handled',
    );
    const handled = await db().select().from(outbox).where(eq(outbox.kind, TURN_REMINDER_KIND));
    const statusOf = (userId: string) => [...new Set(handled.filter((r) => r.userId === userId).map((r) => r.status))];
    expect(statusOf(buyer!.userId)).toEqual(['skipped']);
    expect(statusOf(away!.userId)).toEqual(['sent']);
    expect(statusOf(gone!.userId)).toEqual(['sent']);
    const late = receiver.requests.slice(before);
    expect(late.map((r) => r.path)).toEqual(['/201/away']);
    const reminder = JSON.parse(devices.away.decrypt(late[0]!.body));
    expect(reminder).toMatchObject({ kind: TURN_REMINDER_KIND, title: 'Your turn is running out: Test Night' });
  });

  it('tells only the channels the fan allowed', async () => {
    const organizer = await signedIn(env, ['organizer']);
    const sale = await queueSale(env, organizer.userId, { startsInMs: 1_000, admitPerMinute: 6_000 });
    const [quiet] = await bulkAccounts(db(), 1);
    const device = new DeviceKeys();
    expect(
      (await subscribe(quiet!.token, { endpoint: `${receiver.origin}/201/quiet`, keys: device.keys })).status,
    ).toBe(201);
    const prefs = await env.api.put(
      '/v1/me/notification-preferences',
      { push: false, email: true },
      { token: quiet!.token, headers: { 'idempotency-key': idemKey() } },
    );
    expect(prefs.body).toEqual({ push: false, email: true });
    expect((await env.api.post(`/v1/events/${sale.eventId}/queue`, undefined, { token: quiet!.token })).status).toBe(
      201,
    );
    await waitUntil(
      async () =>
        (await env.api.get(`/v1/events/${sale.eventId}/queue/me`, { token: quiet!.token })).body.status === 'admitted',
      30_000,
      'admitted',
    );
    await waitUntil(
      async () =>
        (await db().select().from(outbox).where(eq(outbox.userId, quiet!.userId))).some((r) => r.kind === TURN_KIND),
      10_000,
      'turn notices written',
    );
    const rows = await db().select().from(outbox).where(eq(outbox.userId, quiet!.userId));
    expect(rows.filter((r) => r.kind === TURN_KIND).map((r) => r.channel)).toEqual(['email']);
    expect(receiver.requests.filter((r) => r.path === '/201/quiet')).toHaveLength(0);
  });
});

describe('push endpoints in production', () => {
  it('accepts only the browsers’ push services, so nobody can aim the server at an internal host', async () => {
    const production = await createTestEnv({
      NODE_ENV: 'production',
      SIGNING_KEY: 'unused: the test env signs with its own key',
      VAPID_PUBLIC_KEY: vapid.publicKey,
      VAPID_PRIVATE_KEY: vapid.privateKey,
    });
    try {
      const fan = await production.api.register(uniqueEmail('push-prod'));
      const subscribe = (endpoint: string) =>
        production.api.post(
          '/v1/me/push-subscriptions',
          { endpoint, keys: new DeviceKeys().keys },
          { token: fan.token, headers: { 'idempotency-key': idemKey() } },
        );
      for (const endpoint of [
        'https://10.0.0.5/push/abc',
        'https://metadata.internal/latest',
        `${receiver.origin}/device`,
        'https://fcm.googleapis.com.evil.example/fcm/send/abc',
      ]) {
        const refused = await subscribe(endpoint);
        expect(refused.status, endpoint).toBe(400);
        expect(refused.body.errors[0]).toMatchObject({ in: 'body', field: 'endpoint' });
      }
      expect((await subscribe('https://fcm.googleapis.com/fcm/send/abc')).status).toBe(201);
      expect((await subscribe('https://web.push.apple.com/QGx')).status).toBe(201);
      const [row] = await production.infra.database.sql`select count(*)::int as n from push_subscriptions`;
      expect(row!.n).toBe(2);
    } finally {
      await production.close();
    }
  });
});
