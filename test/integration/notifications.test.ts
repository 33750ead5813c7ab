import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { events, venues } from '../../src/catalog/catalog.table.js';
import { deliverOutbox, outboxDispatcher } from '../../src/notifications/dispatcher.js';
import { createMailer } from '../../src/notifications/mailer.js';
import { notify } from '../../src/notifications/notifications.repository.js';
import { outbox } from '../../src/notifications/outbox.table.js';
import { enqueueEmail } from '../../src/notifications/outbox.repository.js';
import { generateSigner } from '../../src/shared/signing.js';
import { notifications, watches } from '../../src/notifications/notifications.table.js';
import type { ClientToServerEvents, NotificationPush, ServerToClientEvents } from '../../src/realtime/events.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { verificationToken } from '../support/mail.js';

let env: TestEnv;
const sockets: Socket[] = [];
beforeAll(async () => {
  env = await createTestEnv({ DATA_DIR: await mkdtemp(join(tmpdir(), 'fairdrop-mail-')), OUTBOX_POLL_MS: '100' });
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await env?.close();
});

async function listen(token: string): Promise<NotificationPush[]> {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = connect(env.api.baseUrl, {
    transports: ['websocket'],
    auth: { token },
    reconnection: false,
  });
  sockets.push(socket);
  const got: NotificationPush[] = [];
  socket.on('notification', (push) => got.push(push));
  await new Promise((resolve, reject) => socket.once('connect', () => resolve(null)).once('connect_error', reject));
  await new Promise((r) => setTimeout(r, 50)); // let the adapter subscribe the room
  return got;
}

const until = async (check: () => boolean | Promise<boolean>, ms = 5000) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
};

async function publicEvent() {
  const organizer = await signedIn(env, ['organizer']);
  const { db } = env.infra.database;
  const [venue] = await db
    .insert(venues)
    .values({
      ownerId: organizer.userId,
      name: 'Hall',
      address: '1 Road',
      city: 'Berlin',
      country: 'DE',
      latitude: 52.5,
      longitude: 13.4,
      timeZone: 'Europe/Berlin',
    })
    .returning();
  const [event] = await db
    .insert(events)
    .values({
      organizerId: organizer.userId,
      venueId: venue!.id,
      title: 'Night',
      startsAt: new Date(Date.now() + 86_400_000),
      status: 'scheduled',
    })
    .returning();
  return event!;
}

describe('notifications', () => {
  it('writes feed, push and mail with its cause, and the dispatcher delivers each once', async () => {
    const fan = await signedIn(env);
    const pushes = await listen(fan.token);
    const stop = await outboxDispatcher.start(env.infra);
    try {
      const ids = await env.infra.database.db.transaction((tx) =>
        notify(tx, [
          {
            userId: fan.userId,
            kind: 'order.confirmed',
            title: 'Your tickets are guaranteed',
            body: 'Order 1',
            data: { orderId: 'o1' },
            dedupeKey: `order.confirmed:o1`,
            email: 'fan@example.test',
          },
        ]),
      );
      expect(ids).toHaveLength(1);
      await until(() => pushes.length === 1);
      expect(pushes[0]).toMatchObject({
        id: ids[0],
        kind: 'order.confirmed',
        title: 'Your tickets are guaranteed',
        data: { orderId: 'o1' },
      });

      const rows = await env.infra.database.db.select().from(outbox).where(eq(outbox.userId, fan.userId));
      await until(async () =>
        (await env.infra.database.db.select().from(outbox).where(eq(outbox.userId, fan.userId))).every(
          (r) => r.status === 'sent',
        ),
      );
      const mailRow = rows.find((r) => r.channel === 'email' && r.kind === 'order.confirmed')!;
      const mail = JSON.parse(await readFile(join(env.config.DATA_DIR, 'mail', `${mailRow.id}.json`), 'utf8'));
      expect(mail.subject).toBe('Your tickets are guaranteed');
      expect(mail.to[0].address).toBe('fan@example.test');

      // The same cause again (a job run twice) notifies nobody twice.
      const again = await env.infra.database.db.transaction((tx) =>
        notify(tx, [
          { userId: fan.userId, kind: 'order.confirmed', title: 'x', body: 'y', dedupeKey: `order.confirmed:o1` },
        ]),
      );
      expect(again).toEqual([]);
      await new Promise((r) => setTimeout(r, 300));
      expect(pushes).toHaveLength(1);
    } finally {
      await stop.close();
    }
  });

  it('keeps a mail that carries a secret sealed at rest, opens it only to send it, and drops the seal after', async () => {
    const fan = await signedIn(env);
    const mailer = createMailer(env.config);
    const mailRow = async (id: number) =>
      (await env.infra.database.db.select().from(outbox).where(eq(outbox.id, id)))[0]!;
    const [queued] = await env.infra.database.db.select().from(outbox).where(eq(outbox.userId, fan.userId));
    const token = await verificationToken(env, fan.userId);
    // At rest: no link, no token, only who and what.
    expect(queued).toMatchObject({ kind: 'auth.verify_email', channel: 'email', body: '', payload: {} });
    expect(queued!.sealed).toMatch(/^v1\./);
    expect(JSON.stringify(queued)).not.toContain(token);

    // Sealed under another platform key (a rotated SIGNING_KEY): never sent, in clear or otherwise.
    const stranger = await enqueueEmail(env.infra.database.db, generateSigner(), {
      userId: null,
      kind: 'auth.verify_email',
      to: 'stranger@example.test',
      subject: 'Confirm',
      body: 'https://x.example/verify-email.html#token=fdv_foreign',
    });

    await deliverOutbox(env.infra, mailer);
    const sent = await mailRow(queued!.id);
    expect(sent).toMatchObject({ status: 'sent', sealed: null, body: '' });
    const file = JSON.parse(await readFile(join(env.config.DATA_DIR, 'mail', `${queued!.id}.json`), 'utf8'));
    expect(file.text).toContain(`#token=${token}`);
    // The token from the inbox confirms the address.
    expect((await env.api.post('/v1/auth/verify-email', { token })).status).toBe(200);

    const refused = await mailRow(stranger);
    expect(refused).toMatchObject({ status: 'pending', attempts: 1 });
    expect(refused.sealed).not.toBeNull();
    await expect(readFile(join(env.config.DATA_DIR, 'mail', `${stranger}.json`))).rejects.toThrow();
    // Failed for good: the seal goes too.
    await env.infra.database.db
      .update(outbox)
      .set({ attempts: 4, availableAt: new Date(0) })
      .where(eq(outbox.id, stranger));
    await deliverOutbox(env.infra, mailer);
    expect(await mailRow(stranger)).toMatchObject({ status: 'failed', attempts: 5, sealed: null });
  });

  it('never delivers a row twice when two dispatchers drain at once', async () => {
    const fan = await signedIn(env);
    const pushes = await listen(fan.token);
    await env.infra.database.db.transaction((tx) =>
      notify(
        tx,
        Array.from({ length: 30 }, (_, i) => ({ userId: fan.userId, kind: 'test', title: `n${i}`, body: 'b' })),
      ),
    );
    const mailer = createMailer(env.config);
    await Promise.all([
      deliverOutbox(env.infra, mailer),
      deliverOutbox(env.infra, mailer),
      deliverOutbox(env.infra, mailer),
    ]);
    await until(() => pushes.length >= 30);
    await new Promise((r) => setTimeout(r, 200));
    expect(pushes.map((p) => p.title).sort()).toEqual(Array.from({ length: 30 }, (_, i) => `n${i}`).sort());
  });

  it('lists the feed, counts unread, marks read only my own', async () => {
    const fan = await signedIn(env);
    const other = await signedIn(env);
    const [mine] = await env.infra.database.db.transaction((tx) =>
      notify(tx, [
        { userId: fan.userId, kind: 'a', title: 'first', body: '' },
        { userId: other.userId, kind: 'a', title: 'theirs', body: '' },
      ]),
    );
    await env.infra.database.db.transaction((tx) =>
      notify(tx, [{ userId: fan.userId, kind: 'b', title: 'second', body: '' }]),
    );
    const feed = await env.api.get('/v1/me/notifications', { token: fan.token });
    expect(feed.body.items.map((i: any) => i.title)).toEqual(['second', 'first']);
    expect(feed.body.unread).toBe(2);
    const theirs = (
      await env.infra.database.db.select().from(notifications).where(eq(notifications.userId, other.userId))
    )[0]!;
    const marked = await env.api.post('/v1/me/notifications/read', { ids: [mine!, theirs.id] }, { token: fan.token });
    expect(marked.body.marked).toBe(1);
    const [still] = await env.infra.database.db.select().from(notifications).where(eq(notifications.id, theirs.id));
    expect(still!.readAt).toBeNull();
    expect(
      (await env.api.get('/v1/me/notifications?unread=true', { token: fan.token })).body.items.map((i: any) => i.title),
    ).toEqual(['second']);
    expect((await env.api.post('/v1/me/notifications/read', { ids: [] }, { token: fan.token })).status).toBe(400);
  });

  it('watches and unwatches public events only', async () => {
    const fan = await signedIn(env);
    const event = await publicEvent();
    expect((await env.api.post(`/v1/events/${event.id}/watch`, undefined, { token: fan.token })).status).toBe(204);
    expect((await env.api.post(`/v1/events/${event.id}/watch`, undefined, { token: fan.token })).status).toBe(204); // twice is fine
    const list = await env.api.get('/v1/me/watches', { token: fan.token });
    expect(list.body.watches).toEqual([
      expect.objectContaining({ eventId: event.id, title: 'Night', status: 'scheduled' }),
    ]);
    expect(await env.infra.database.db.select().from(watches).where(eq(watches.userId, fan.userId))).toHaveLength(1);
    const missing = await env.api.post(`/v1/events/${crypto.randomUUID()}/watch`, undefined, { token: fan.token });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('catalog.event_not_found');
    expect((await env.api.delete(`/v1/events/${event.id}/watch`, { token: fan.token })).status).toBe(204);
    expect(await env.infra.database.db.select().from(watches).where(eq(watches.userId, fan.userId))).toHaveLength(0);
    const files = await readdir(env.config.DATA_DIR);
    expect(files).toContain('mail');
  });
});
