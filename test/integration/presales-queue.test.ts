import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { events } from '../../src/catalog/catalog.table.js';
import { onsaleSettings } from '../../src/sales/onsale.table.js';
import { admissionModule } from '../../src/waitingroom/scheduler.jobs.js';
import { createSale, idem } from '../support/commerce.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { waitUntil } from '../support/waitingroom.js';

/**
 * A queue-mode presale window is a waiting room of its own (its room id is the window's id): a
 * pre-queue only eligible accounts may enter, a lottery drawn at the window's opening and
 * verified exactly as the general sale's (`npm run verify-lottery`), admission with purchase
 * tokens that holds in the window must present; the event's own room and status stay untouched.
 */
const run = promisify(execFile);
let env: TestEnv;
let running: { close(): Promise<void> } | undefined;

beforeAll(async () => {
  env = await createTestEnv({
    AUTH_LIMIT_PER_IP: '100000',
    QUEUE_JOIN_LIMIT_PER_IP: '100000',
    PRESALE_CODE_LIMIT_PER_IP: '100000',
    QUEUE_TICK_MS: '200',
    QUEUE_CLAIM_WINDOW_MS: '1000',
  });
  running = await admissionModule().start(env.infra);
}, 60_000);
afterAll(async () => {
  await running?.close();
  await env?.close();
});

const db = () => env.infra.database.db;
type Account = { token: string; userId: string };
const opts = (who: Account) => ({ token: who.token, headers: { 'idempotency-key': idem() } });

describe('a queue-mode presale window', () => {
  it('has its own pre-queue, draw, admission and tokens; the draw verifies like the general one', async () => {
    const sale = await createSale(env, { seats: 0, gaCapacity: 50 });
    const min = 60_000;
    await db()
      .update(onsaleSettings)
      .set({
        mode: 'queue',
        prequeueOpensAt: new Date(Date.now() + 40 * min),
        saleStartsAt: new Date(Date.now() + 60 * min),
        admitPerMinute: 6000,
        requireVerifiedEmail: false,
      })
      .where(eq(onsaleSettings.eventId, sale.eventId));
    await db().update(events).set({ status: 'scheduled' }).where(eq(events.id, sale.eventId));

    const created = await env.api.post(
      `/v1/events/${sale.eventId}/presales`,
      {
        name: 'Members',
        gate: 'code',
        opensAt: new Date(Date.now() + 6_000).toISOString(),
        closesAt: new Date(Date.now() + 30 * min).toISOString(),
        prequeueOpensAt: new Date(Date.now() - min).toISOString(),
      },
      opts(sale.organizer),
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.mode).toBe('queue');
    const windowId = created.body.id as string;
    const code = (await env.api.post(`/v1/presales/${windowId}/codes`, { count: 1, maxUses: 20 }, opts(sale.organizer)))
      .body.codes[0] as string;

    const fans = await Promise.all(Array.from({ length: 8 }, () => signedIn(env)));
    for (const f of fans)
      expect((await env.api.post(`/v1/presales/${windowId}/redeem`, { code }, opts(f))).status).toBe(200);
    const joins = await Promise.all(fans.map((f) => env.api.post(`/v1/events/${windowId}/queue`, undefined, opts(f))));
    expect(joins.map((j) => j.status)).toEqual(fans.map(() => 201));
    expect(joins.every((j) => j.body.phase === 'prequeue' && j.body.eventId === windowId)).toBe(true);

    // Only the window's fans enter its room.
    const outsider = await signedIn(env);
    const refused = await env.api.post(`/v1/events/${windowId}/queue`, undefined, opts(outsider));
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('presales.not_eligible');

    const before = (await env.api.get(`/v1/events/${windowId}/lottery`)).body;
    expect(before).toMatchObject({ seed: null, phase: 'prequeue', prequeueSize: 8 });

    await waitUntil(
      async () => (await env.api.get(`/v1/events/${windowId}/lottery`)).body.seed !== null,
      20_000,
      'the window’s draw',
    );
    await waitUntil(
      async () => (await env.api.get(`/v1/events/${windowId}/queue/stats`)).body.admitted === 8,
      15_000,
      'every entrant admitted',
    );
    const stats = (await env.api.get(`/v1/events/${windowId}/queue/stats`)).body;
    expect(stats).toMatchObject({ phase: 'live', entrants: 8, drawSize: 8, remaining: 50 });

    const { stdout } = await run(
      'npx',
      ['tsx', 'tools/cli/verify-lottery.ts', '--event', windowId, '--url', env.server.url],
      { timeout: 60_000 },
    );
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toMatchObject({
      ok: true,
      commitmentMatches: true,
      entriesDigestMatches: true,
      digestMatches: true,
      entries: 8,
    });

    // The turn notice names the event and links the window's room (no token in it).
    const [row] = await db().select({ title: events.title }).from(events).where(eq(events.id, sale.eventId));
    const title = row!.title;
    await waitUntil(
      async () =>
        (
          await db().execute<{ n: number }>(
            sql`select count(*)::int as n from notification_outbox where user_id = ${fans[0]!.userId} and channel = 'email' and kind = 'queue.your_turn'`,
          )
        )[0]!.n === 1,
      10_000,
      'the turn notice',
    );
    const [mail] = await db().execute<{ subject: string; body: string }>(
      sql`select subject, body from notification_outbox where user_id = ${fans[0]!.userId} and channel = 'email' and kind = 'queue.your_turn'`,
    );
    expect(mail!.subject).toBe(`It's your turn: ${title}`);
    expect(mail!.body).toContain(`/queue.html?event=${windowId}&presale=${sale.eventId}`);

    // A hold in the window presents the window's purchase token; without one it is refused.
    const me = (await env.api.get(`/v1/events/${windowId}/queue/me`, { token: fans[0]!.token })).body;
    expect(me.status).toBe('admitted');
    const noToken = await env.api.post(
      '/v1/holds',
      { eventId: sale.eventId, tierId: sale.gaTierId, quantity: 1 },
      opts(fans[1]!),
    );
    expect(noToken.status).toBe(403);
    expect(noToken.body.code).toBe('sales.purchase_token_required');
    const held = await env.api.post(
      '/v1/holds',
      { eventId: sale.eventId, tierId: sale.gaTierId, quantity: 2, purchaseToken: me.token },
      opts(fans[0]!),
    );
    expect(held.status, JSON.stringify(held.body)).toBe(201);
    const rows = await db().execute<{ n: number }>(
      sql`select count(*)::int as n from holds where event_id = ${sale.eventId} and purchase_token_hash is not null`,
    );
    expect(rows[0]!.n).toBe(1);

    // The event's own room has not opened, and its status did not move with the window's draw.
    expect((await env.api.get(`/v1/events/${sale.eventId}/lottery`)).body.code).toBe('queue.not_open');
    const [event] = await db().select({ status: events.status }).from(events).where(eq(events.id, sale.eventId));
    expect(event!.status).toBe('scheduled');
  });
});
