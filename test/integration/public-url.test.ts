import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { events, venues } from '../../src/catalog/catalog.table.js';
import { outboxDispatcher } from '../../src/notifications/dispatcher.js';
import { mailTime } from '../../src/shared/zoned-time.js';
import { createSale } from '../support/commerce.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn, signedInVerified } from '../support/fixtures.js';
import { mailText } from '../support/mail.js';
import { buySeats, emailOf, until } from '../support/tickets-fixtures.js';

/**
 * Every absolute link names the address fans reach: PUBLIC_URL, or, unset, the origin the node
 * really listens on (here a port the system picked, never 3000), and mails write their times
 * for people, never as ISO.
 */

const RAW_ISO = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

let env: TestEnv;
let configured: TestEnv;
const running: { close(): Promise<void> }[] = [];
beforeAll(async () => {
  // No PUBLIC_URL, PORT=0: the node's address is known only once it listens.
  env = await createTestEnv({ DATA_DIR: await mkdtemp(join(tmpdir(), 'fairdrop-url-')), OUTBOX_POLL_MS: '100' });
  running.push(await outboxDispatcher.start(env.infra));
  configured = await createTestEnv({ PUBLIC_URL: 'https://tickets.example.com/' });
});
afterAll(async () => {
  for (const r of running) await r.close();
  await env?.close();
  await configured?.close();
});

describe('absolute links without PUBLIC_URL', () => {
  it('the verification mail links to the port the server listens on, and says when the account was made in words', async () => {
    expect(env.config.PUBLIC_URL).toBeUndefined();
    expect(env.server.port).not.toBe(3000);
    const origin = `http://127.0.0.1:${env.server.port}`;
    const fan = await env.api.register(`url.${Date.now()}@example.test`);
    const mail = await mailText(env, 'auth.verify_email', await emailOf(env, fan.userId));
    expect(mail).toContain(`${origin}/verify-email.html#token=`);
    expect(mail).not.toContain('localhost:3000');
    expect(mail).toMatch(/created: \w{3} \d{1,2} \w{3} \d{4}, \d\d:\d\d UTC/);
    expect(mail).not.toMatch(RAW_ISO);
  });

  it('the API reference lists the served origin as its server, as /docs shows it', async () => {
    const doc = await env.api.get('/v1/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.servers).toEqual([{ url: `http://127.0.0.1:${env.server.port}` }]);
  });

  it('a transfer invitation links to the served origin, and the mail that went out names the event time at the venue', async () => {
    const sale = await createSale(env, { seats: 4 });
    const [event] = await env.infra.database.db.select().from(events).where(eq(events.id, sale.eventId));
    await env.infra.database.db
      .update(venues)
      .set({ timeZone: 'America/New_York' })
      .where(eq(venues.id, event!.venueId));
    const sender = await signedIn(env);
    const friend = await signedInVerified(env);
    const friendEmail = await emailOf(env, friend.userId);
    const { ticketIds } = await buySeats(env, sale, sender, 1);
    const sent = await env.api.post(
      `/v1/tickets/${ticketIds[0]}/transfers`,
      { toEmail: friendEmail },
      { token: sender.token },
    );
    expect(sent.status).toBe(201);

    // Delivered by the dispatcher: the text read from the inbox, as the friend reads it.
    await until(async () => {
      const [row] = await env.infra.database.sql<{ status: string }[]>`
        select status from notification_outbox where kind = 'transfer.received' and channel = 'email' and recipient = ${friendEmail}`;
      return row?.status === 'sent';
    });
    const mail = await mailText(env, 'transfer.received', friendEmail);
    expect(mail).toContain(`http://127.0.0.1:${env.server.port}/transfer.html#id=${sent.body.id}&token=`);
    expect(mail).toContain(`(${mailTime(event!.startsAt, 'America/New_York')})`);
    expect(mail).toMatch(/ E[SD]T \(New York time\)/);
    expect(mail).not.toMatch(RAW_ISO);

    // The in-app notice keeps the raw instant in its data and shows words.
    const feed = await env.api.get('/v1/me/notifications', { token: friend.token });
    const notice = (feed.body.items as { kind: string; body: string; data: Record<string, unknown> }[]).find(
      (n) => n.kind === 'transfer.received',
    )!;
    expect(notice.data).toMatchObject({ startsAt: event!.startsAt.toISOString(), timeZone: 'America/New_York' });
    expect(notice.body).toContain(`http://127.0.0.1:${env.server.port}/transfer.html#id=${sent.body.id}`);
    expect(notice.body).toMatch(/ E[SD]T\)/);
    expect(notice.body).not.toMatch(RAW_ISO);
  });
});

describe('absolute links with PUBLIC_URL', () => {
  it('the configured address wins over the port, without a doubled slash', async () => {
    const fan = await configured.api.register(`url.${Date.now()}@example.test`);
    const mail = await mailText(configured, 'auth.verify_email', await emailOf(configured, fan.userId));
    expect(mail).toContain('https://tickets.example.com/verify-email.html#token=');
    const doc = await configured.api.get('/v1/openapi.json');
    expect(doc.body.servers).toEqual([{ url: 'https://tickets.example.com' }]);
  });
});
