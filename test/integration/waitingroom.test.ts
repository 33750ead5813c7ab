import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeys } from '../../queue/keys.js';
import * as schema from '../../src/db/schema.js';
import type { QueueServerToClient } from '../../src/realtime/events.js';
import { createWaitingRoom } from '../../src/waitingroom/room.js';
import { WaitingRoomService } from '../../src/waitingroom/waitingroom.service.js';
import { events } from '../../src/catalog/catalog.table.js';
import { onsaleAudit } from '../../src/sales/onsale.table.js';
import { verifyReceiptChain } from '../../src/timeline/receipt.js';
import type { EventTick } from '../../src/waitingroom/scheduler.js';
import { admissionModule } from '../../src/waitingroom/scheduler.jobs.js';
import { powDigest, solveChallenge } from '../../src/waitingroom/pow.js';
import { leadingZeroBits } from '../../src/shared/leading-zero-bits.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { bulkAccounts, createSale, idemKey, type SaleSetup } from '../support/sales.js';
import { queueSale, queueSocket, waitUntil, type QueueClient } from '../support/waitingroom.js';

const run = promisify(execFile);
const TICK_MS = 200;

let env: TestEnv;
let organizer: { userId: string; token: string };
let running: { close(): Promise<void> } | undefined;
const ticks: EventTick[] = [];
const sockets: QueueClient[] = [];

beforeAll(async () => {
  env = await createTestEnv({
    QUEUE_JOIN_LIMIT_PER_IP: '100000',
    AUTH_LIMIT_PER_IP: '100000',
    QUEUE_TICK_MS: String(TICK_MS),
    QUEUE_CLAIM_WINDOW_MS: '1000',
  });
  organizer = await signedIn(env, ['organizer']);
  running = await admissionModule({ onTick: (t) => ticks.push(...t) }).start(env.infra);
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await running?.close();
  await env?.close();
});

const db = () => env.infra.database.db;
const join = (eventId: string, token: string, body?: unknown) =>
  env.api.post(`/v1/events/${eventId}/queue`, body, { token });
const stats = async (eventId: string) => (await env.api.get(`/v1/events/${eventId}/queue/stats`)).body;
const hold = (token: string, body: Record<string, unknown>, key = idemKey()) =>
  env.api.post('/v1/holds', body, { token, headers: { 'idempotency-key': key } });

/** Ticket numbers admitted for one event, in the order the ticks admitted them. */
function admittedSequence(eventId: string): number[] {
  return ticks
    .filter((t) => t.eventId === eventId && t.admitted)
    .flatMap((t) => Array.from({ length: t.admitted!.count }, (_, i) => t.admitted!.first + i));
}

describe('the waiting room over HTTP', () => {
  it('refuses a join before the pre-queue opens, naming the opening time; asks for a proof of work when set', async () => {
    const opensAt = new Date(Date.now() + 3_600_000);
    const sale = await createSale(env, organizer.userId, {
      onsale: {
        mode: 'queue',
        prequeueOpensAt: opensAt,
        saleStartsAt: new Date(Date.now() + 7_200_000),
        admitPerMinute: 60,
      },
    });
    const [fan] = await bulkAccounts(db(), 1);
    const early = await join(sale.eventId, fan!.token);
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({ code: 'queue.not_open', opensAt: opensAt.toISOString() });

    const pow = await queueSale(env, organizer.userId, { onsale: { powDifficulty: 8 } });
    expect((await join(pow.eventId, fan!.token)).body.code).toBe('queue.pow_required');
    const { body: challenge } = await env.api.get(`/v1/events/${pow.eventId}/queue/challenge`, { token: fan!.token });
    expect(challenge).toMatchObject({ difficulty: 8 });
    // A nonce chosen to fail: a fixed word would solve 1 challenge in 256 by chance.
    const wrong = ['w', 'x', 'y', 'z'].find((n) => leadingZeroBits(powDigest(challenge.challenge, n)) < 8)!;
    expect((await join(pow.eventId, fan!.token, { challenge: challenge.challenge, nonce: wrong })).body.code).toBe(
      'queue.pow_invalid',
    );
    const [other] = await bulkAccounts(db(), 1);
    const nonce = solveChallenge(challenge.challenge, 8);
    // Bound to the account that asked for it: a solved challenge does not enter a second account.
    expect((await join(pow.eventId, other!.token, { challenge: challenge.challenge, nonce })).body.code).toBe(
      'queue.pow_invalid',
    );
    expect((await join(pow.eventId, fan!.token, { challenge: challenge.challenge, nonce })).status).toBe(201);
  });

  it('limits joins per account: the 11th call in a minute is a 429 problem with Retry-After, and the entry is the same one', async () => {
    const sale = await queueSale(env, organizer.userId, { startsInMs: 3_600_000 });
    const [fan] = await bulkAccounts(db(), 1);
    const answers = [];
    for (let i = 0; i < 11; i++) answers.push(await join(sale.eventId, fan!.token));
    expect(answers.map((a) => a.status)).toEqual([201, ...Array(9).fill(200), 429]);
    const refused = answers[10]!;
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(new Set(answers.slice(0, 10).map((a) => a.body.entryId)).size).toBe(1);
    expect(await stats(sale.eventId)).toMatchObject({ entrants: 1 });
  });

  it('reads the on-sale once per node while a refresh is under way, however many requests ask at once', async () => {
    const sale = await queueSale(env, organizer.userId, { startsInMs: 3_600_000 });
    // The service over its own Postgres client, whose statements are counted.
    let statements = 0;
    const sql = postgres(env.infra.config.DATABASE_URL!, {
      max: 4,
      onnotice: () => {},
      debug: () => void statements++,
    });
    try {
      await sql`select 1`; // the client's own first-connection queries are not the service's
      statements = 0;
      const keys = createKeys(env.infra.config.REDIS_PREFIX);
      const service = new WaitingRoomService({
        db: drizzle(sql, { schema }),
        redis: env.infra.redis,
        keys,
        room: createWaitingRoom(env.infra.redis, keys, env.infra.signer, env.infra.config),
        signer: env.infra.signer,
        sockets: env.infra.broadcaster.namespace<QueueServerToClient>('/queue'),
        logger: env.infra.logger,
      });
      const answers = await Promise.all(Array.from({ length: 20 }, () => service.sale(sale.eventId)));
      expect(new Set(answers.map((a) => a.eventId))).toEqual(new Set([sale.eventId]));
      expect(statements).toBe(1);
      await service.sale(sale.eventId, true);
      expect(statements).toBe(2);
    } finally {
      await sql.end({ timeout: 5 });
    }
  });

  it('paces pollers of GET …/queue/me: Retry-After and pollAfter from the time until something changes, kept on a 304', async () => {
    const me = (eventId: string, token: string, headers: Record<string, string> = {}) =>
      env.api.get(`/v1/events/${eventId}/queue/me`, { token, headers });
    const [fan, stranger] = await bulkAccounts(db(), 2);
    // An hour before the draw: a quarter of that is past the 60 s ceiling.
    const far = await queueSale(env, organizer.userId, { startsInMs: 3_600_000 });
    expect((await join(far.eventId, fan!.token)).status).toBe(201);
    const first = await me(far.eventId, fan!.token);
    expect(first.body).toMatchObject({ status: 'entered', pollAfter: 60 });
    expect(first.headers.get('retry-after')).toBe('60');
    const again = await me(far.eventId, fan!.token, { 'if-none-match': first.headers.get('etag')! });
    expect(again.status).toBe(304);
    expect(again.headers.get('retry-after')).toBe('60');
    // Not in the room: nothing changes by asking.
    expect((await me(far.eventId, stranger!.token)).body).toMatchObject({ status: 'not_joined', pollAfter: 60 });

    // 20 s before the draw: nothing changes until it, so a moment of the fan's own just after it
    // (a pre-queue of one spreads over the shortest window, 2 s).
    const near = await queueSale(env, organizer.userId, { startsInMs: 20_000 });
    await join(near.eventId, fan!.token);
    const soon = await me(near.eventId, fan!.token);
    expect(soon.body.pollAfter).toBeGreaterThanOrEqual(19);
    expect(soon.body.pollAfter).toBeLessThanOrEqual(23);
    expect(soon.headers.get('retry-after')).toBe(String(soon.body.pollAfter));
  });

  it('answers a fan in the pre-queue from the node’s memory until the room changes', async () => {
    const me = (eventId: string, token: string, headers: Record<string, string> = {}) =>
      env.api.get(`/v1/events/${eventId}/queue/me`, { token, headers });
    const [fan] = await bulkAccounts(db(), 1);
    const sale = await queueSale(env, organizer.userId, { startsInMs: 3_600_000 });
    expect((await join(sale.eventId, fan!.token)).status).toBe(201);
    const first = await me(sale.eventId, fan!.token);
    expect(first.body).toMatchObject({ status: 'entered', phase: 'prequeue' });
    // Behind the API's back, the entry leaves Redis: a fresh read would say "not joined".
    const room = createKeys(env.infra.config.REDIS_PREFIX).queue(sale.eventId);
    await env.infra.redis.hdel(room.accounts, fan!.userId);
    // The node answers from the view it keeps: the same answer, and a 304 on its ETag.
    const kept = await me(sale.eventId, fan!.token);
    expect(kept.body).toMatchObject({ status: 'entered', entryId: first.body.entryId });
    const revalidated = await me(sale.eventId, fan!.token, { 'if-none-match': first.headers.get('etag')! });
    expect(revalidated.status).toBe(304);
    // The room changes (the organizer closes it): the next answer is read afresh.
    const closed = await env.api.post(`/v1/events/${sale.eventId}/onsale/close`, undefined, {
      token: organizer.token,
      headers: { 'idempotency-key': idemKey() },
    });
    expect(closed.status).toBe(200);
    const fresh = await me(sale.eventId, fan!.token);
    expect(fresh.body).toMatchObject({ phase: 'closed', status: 'not_joined' });
  });

  it('answers the first poll after a join from the view the join kept, without reading the entry', async () => {
    const [fan] = await bulkAccounts(db(), 1);
    const sale = await queueSale(env, organizer.userId, { startsInMs: 3_600_000 });
    const joined = await join(sale.eventId, fan!.token);
    expect(joined.status).toBe(201);
    // Behind the API's back, the entry leaves Redis: only a view kept by the join can still name it.
    const room = createKeys(env.infra.config.REDIS_PREFIX).queue(sale.eventId);
    await env.infra.redis.hdel(room.accounts, fan!.userId);
    const first = await env.api.get(`/v1/events/${sale.eventId}/queue/me`, { token: fan!.token });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      status: 'entered',
      phase: 'prequeue',
      joined: true,
      entryId: joined.body.entryId,
      ticketNumber: null,
      position: null,
      eta: null,
      token: null,
    });
  });

  it('answers a retry with the same Idempotency-Key from the entry itself, without a Postgres write; refuses a malformed key', async () => {
    const sale = await queueSale(env, organizer.userId, { startsInMs: 3_600_000 });
    const [fan] = await bulkAccounts(db(), 1);
    const key = idemKey();
    const send = (k: string) =>
      env.api.post(`/v1/events/${sale.eventId}/queue`, {}, { token: fan!.token, headers: { 'idempotency-key': k } });
    const answers = await Promise.all(Array.from({ length: 5 }, () => send(key)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 201]);
    expect(new Set(answers.map((a) => a.body.entryId)).size).toBe(1);
    const [stored] = await env.infra.database.sql`select count(*)::int as n from idempotency_keys where key = ${key}`;
    expect(stored!.n).toBe(0);
    const bad = await send('short');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({
      code: 'idempotency.invalid_key',
      errors: [{ in: 'header', field: 'Idempotency-Key' }],
    });
    expect(await stats(sale.eventId)).toMatchObject({ entrants: 1 });
  });

  it('runs a drop: pre-queue joins, the draw at sale start, a permutation 1..N, later joiners after, admission in ticket order; the CLI agrees', async () => {
    // Accounts first: the 6 s before sale start only has to hold the joins, even on a loaded machine.
    const fans = await bulkAccounts(db(), 60);
    const sale = await queueSale(env, organizer.userId, { startsInMs: 6_000, admitPerMinute: 6_000, gaCapacity: 200 });
    const pre = fans.slice(0, 50);
    const joins = await Promise.all(pre.map((f) => join(sale.eventId, f.token)));
    expect(joins.map((j) => j.status)).toEqual(pre.map(() => 201));
    expect(joins.every((j) => j.body.phase === 'prequeue' && j.body.ticketNumber === null)).toBe(true);
    const { signature, keyId, ...fields } = joins[0]!.body;
    expect(keyId).toBe(env.infra.signer.keyId);
    expect(env.infra.signer.verify({ v: 1, kind: 'queue.joined', ...fields }, signature)).toBe(true);
    const again = await join(sale.eventId, pre[0]!.token);
    expect(again.status).toBe(200);
    expect(again.body.entryId).toBe(joins[0]!.body.entryId);

    const before = (await env.api.get(`/v1/events/${sale.eventId}/lottery`)).body;
    expect(before).toMatchObject({ seed: null, phase: 'prequeue', prequeueSize: 50 });
    expect(before.commitment).toMatch(/^[0-9a-f]{64}$/);

    await waitUntil(
      async () => (await env.api.get(`/v1/events/${sale.eventId}/lottery`)).body.seed !== null,
      15_000,
      'the draw',
    );
    // The same tick reveals the seed, then puts the event on sale: wait for the second step too.
    const status = async () =>
      (await db().select({ status: events.status }).from(events).where(eq(events.id, sale.eventId)))[0]!.status;
    await waitUntil(async () => (await status()) !== 'scheduled', 5_000, 'the event put on sale');
    expect(await status()).toBe('on_sale');
    const late = [];
    for (const f of fans.slice(50)) late.push((await join(sale.eventId, f.token)).body);
    expect(late.map((j) => j.ticketNumber)).toEqual([51, 52, 53, 54, 55, 56, 57, 58, 59, 60]);

    await waitUntil(async () => (await stats(sale.eventId)).cursor === 60, 15_000, 'everyone admitted');
    const page = (await env.api.get(`/v1/events/${sale.eventId}/lottery/entries?limit=100`)).body;
    expect(page).toMatchObject({ total: 50, next: null });
    expect(
      page.entries.map((e: { ticketNumber: number }) => e.ticketNumber).sort((a: number, b: number) => a - b),
    ).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(new Set(page.entries.map((e: { entryId: string }) => e.entryId))).toEqual(
      new Set(joins.map((j) => j.body.entryId)),
    );
    expect(admittedSequence(sale.eventId)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));

    const me = await env.api.get(`/v1/events/${sale.eventId}/queue/me`, { token: pre[3]!.token });
    expect(me.body).toMatchObject({ status: 'admitted', position: 0, joined: true });
    expect(me.body.token).toMatch(/^pt_/);
    // Admitted: the shortest pace, on the 200 and on the 304 alike.
    expect(me.body.pollAfter).toBe(2);
    expect(me.headers.get('retry-after')).toBe('2');
    const etag = me.headers.get('etag')!;
    const unchanged = await env.api.get(`/v1/events/${sale.eventId}/queue/me`, {
      token: pre[3]!.token,
      headers: { 'if-none-match': etag },
    });
    expect(unchanged.status).toBe(304);
    expect(unchanged.headers.get('retry-after')).toBe('2');
    expect(await stats(sale.eventId)).toMatchObject({
      phase: 'live',
      entrants: 60,
      admitted: 60,
      drawSize: 50,
      sold: 0,
      remaining: 250,
    });

    const { stdout } = await run(
      'npx',
      ['tsx', 'tools/cli/verify-lottery.ts', '--event', sale.eventId, '--url', env.server.url],
      { timeout: 60_000 },
    );
    const verdict = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(verdict).toMatchObject({
      ok: true,
      commitmentMatches: true,
      entriesDigestMatches: true,
      digestMatches: true,
      entries: 50,
    });

    // Receipts follow in batches: joined, drawn, admitted on each fan's chain, in that order.
    await waitUntil(
      async () => (await env.api.get('/v1/me/timeline', { token: pre[7]!.token })).body.receipts?.length >= 3,
      20_000,
      'receipts',
    );
    const chain = (await env.api.get('/v1/me/timeline', { token: pre[7]!.token })).body.receipts;
    expect(chain.map((r: { kind: string }) => r.kind)).toEqual(['queue.joined', 'queue.drawn', 'queue.admitted']);
    expect(verifyReceiptChain(chain, env.infra.signer.publicKeyPem)).toEqual({ ok: true, entries: 3 });
    await waitUntil(
      async () => (await env.api.get('/v1/me/timeline', { token: fans[55]!.token })).body.receipts?.length >= 2,
      20_000,
      'late receipts',
    );
    const lateChain = (await env.api.get('/v1/me/timeline', { token: fans[55]!.token })).body.receipts;
    expect(
      lateChain.map((r: { kind: string; data: { ticketNumber?: number } }) => [r.kind, r.data.ticketNumber]),
    ).toEqual([
      ['queue.joined', 56],
      ['queue.admitted', 56],
    ]);

    // Tokens: single use, bound to their account, expiring; a fixable refusal gives the token back.
    const tokenOf = async (i: number) =>
      (await env.api.get(`/v1/events/${sale.eventId}/queue/me`, { token: fans[i]!.token })).body.token as string;
    const seats = (ids: string[]) => ({ eventId: sale.eventId, tierId: sale.reservedTierId, seats: ids });
    expect((await hold(fans[0]!.token, seats([sale.seatIds[0]!]))).body.code).toBe('sales.purchase_token_required');
    const key = idemKey();
    const first = await hold(fans[0]!.token, { ...seats([sale.seatIds[0]!]), purchaseToken: await tokenOf(0) }, key);
    expect(first.status).toBe(201);
    // The hold committed: Postgres counts its seat, so the token is settled, and stops reserving a
    // share in Redis as soon as a scheduler tick has counted the seats after the commit.
    const entry0 = (await env.api.get(`/v1/events/${sale.eventId}/queue/me`, { token: fans[0]!.token })).body.entryId;
    const outstanding = env.server.app.keys.queue(sale.eventId).outstanding;
    const settled = await env.infra.redis.zscore(outstanding, entry0);
    if (settled !== null) expect(Number(settled)).toBeLessThan(0);
    await waitUntil(async () => (await env.infra.redis.zscore(outstanding, entry0)) === null, 10_000, 'settled');
    const retried = await hold(fans[0]!.token, { ...seats([sale.seatIds[0]!]), purchaseToken: await tokenOf(0) }, key);
    expect(retried.body.id).toBe(first.body.id);
    const second = await hold(fans[0]!.token, { ...seats([sale.seatIds[1]!]), purchaseToken: await tokenOf(0) });
    expect([second.status, second.body.code]).toEqual([409, 'queue.token_used']);
    const stolen = await hold(fans[1]!.token, { ...seats([sale.seatIds[2]!]), purchaseToken: await tokenOf(2) });
    expect([stolen.status, stolen.body.code]).toEqual([403, 'queue.token_wrong_account']);
    const taken = await hold(fans[3]!.token, { ...seats([sale.seatIds[0]!]), purchaseToken: await tokenOf(3) });
    expect(taken.body.code).toBe('sales.seat_unavailable');
    expect((await hold(fans[3]!.token, { ...seats([sale.seatIds[3]!]), purchaseToken: await tokenOf(3) })).status).toBe(
      201,
    );
    // Expire fan 4's token in Redis, as time would.
    const k = env.server.app.keys.queue(sale.eventId);
    const entry4 = (await env.api.get(`/v1/events/${sale.eventId}/queue/me`, { token: fans[4]!.token })).body.entryId;
    const token4 = await tokenOf(4);
    const [, , nonce] = (await env.infra.redis.hget(k.grants, entry4))!.split(':');
    await env.infra.redis.hset(k.grants, entry4, `issued:${Date.now() - 1000}:${nonce}`);
    await env.infra.redis.zadd(k.outstanding, Date.now() - 1000, entry4);
    const expired = await hold(fans[4]!.token, { ...seats([sale.seatIds[4]!]), purchaseToken: token4 });
    expect([expired.status, expired.body.code]).toEqual([410, 'queue.token_expired']);
  });

  it('stops admission when the last seat sells, tells waiting fans at once, and resumes when seats return', async () => {
    const sale: SaleSetup = await queueSale(env, organizer.userId, {
      startsInMs: 1_500,
      admitPerMinute: 6_000,
      layout: 'section A rows 1-1 seats 1-2',
      gaCapacity: 1,
    });
    const fans = await bulkAccounts(db(), 6);
    for (const f of fans) expect((await join(sale.eventId, f.token)).status).toBe(201);
    const pushes = new Map<number, string[]>();
    await Promise.all(
      fans.map(async (f, i) => {
        const socket = await queueSocket(env.server.port, f.token, sockets);
        pushes.set(i, []);
        for (const name of ['soldout', 'available', 'admitted'] as const)
          socket.on(name, () => pushes.get(i)!.push(name));
        const ack = await socket.emitWithAck('watch', { eventId: sale.eventId });
        expect(ack).toMatchObject({ ok: true, snapshot: { joined: true, status: 'entered' } });
      }),
    );
    // 3 places, 2 expected per fan: two tokens out at most.
    await waitUntil(async () => (await stats(sale.eventId)).cursor === 2, 15_000, 'two admitted');
    const admittedFans = await Promise.all(
      fans.map(async (f) => (await env.api.get(`/v1/events/${sale.eventId}/queue/me`, { token: f.token })).body),
    );
    const [a, b] = admittedFans.flatMap((m, i) => (m.status === 'admitted' ? [i] : []));
    const holdA = await hold(fans[a!]!.token, {
      eventId: sale.eventId,
      tierId: sale.reservedTierId,
      quantity: 2,
      purchaseToken: admittedFans[a!].token,
    });
    expect(holdA.status).toBe(201);
    expect(
      (
        await hold(fans[b!]!.token, {
          eventId: sale.eventId,
          tierId: sale.gaTierId,
          quantity: 1,
          purchaseToken: admittedFans[b!].token,
        })
      ).status,
    ).toBe(201);

    const waiting = [...pushes.keys()].filter((i) => i !== a && i !== b);
    await waitUntil(() => waiting.every((i) => pushes.get(i)!.includes('soldout')), 10_000, 'soldout pushes');
    const [event] = await db().select({ status: events.status }).from(events).where(eq(events.id, sale.eventId));
    expect(event!.status).toBe('sold_out');
    await new Promise((r) => setTimeout(r, 4 * TICK_MS));
    expect(await stats(sale.eventId)).toMatchObject({ cursor: 2, soldOut: true, remaining: 0 });

    expect((await env.api.delete(`/v1/holds/${holdA.body.id}`, { token: fans[a!]!.token })).status).toBe(200);
    await waitUntil(async () => (await stats(sale.eventId)).cursor === 3, 10_000, 'admission resumed');
    expect(waiting.every((i) => pushes.get(i)!.includes('available'))).toBe(true);
    const third = waiting.find((i) => pushes.get(i)!.includes('admitted'));
    expect(third).toBeDefined();
    const [after] = await db().select({ status: events.status }).from(events).where(eq(events.id, sale.eventId));
    expect(after!.status).toBe('on_sale');

    // The third fan tries the standing tier, which b holds: "sold out". Its token stays usable
    // but no longer reserves the 2 seats that came back, so the next fan in line is let in too.
    const thirdToken = (await env.api.get(`/v1/events/${sale.eventId}/queue/me`, { token: fans[third!]!.token })).body
      .token as string;
    const refused = await hold(fans[third!]!.token, {
      eventId: sale.eventId,
      tierId: sale.gaTierId,
      quantity: 1,
      purchaseToken: thirdToken,
    });
    expect([refused.status, refused.body.code]).toEqual([409, 'sales.sold_out']);
    await waitUntil(
      async () => (await stats(sale.eventId)).cursor === 4,
      10_000,
      'the next fan admitted for the seats the refused token no longer reserves',
    );
    const held = await hold(fans[third!]!.token, {
      eventId: sale.eventId,
      tierId: sale.reservedTierId,
      quantity: 2,
      purchaseToken: thirdToken,
    });
    expect(held.status).toBe(201);
  });

  it('shortens how long an unclaimed token holds the line once its room has seen how soon fans come', async () => {
    const sale = await queueSale(env, organizer.userId, {
      startsInMs: 1_000,
      admitPerMinute: 6_000,
      layout: 'section A rows 1-1 seats 1-2',
      gaCapacity: 200,
    });
    const fans = await bulkAccounts(db(), 30);
    for (const f of fans) expect((await join(sale.eventId, f.token)).status).toBe(201);
    await waitUntil(async () => (await stats(sale.eventId)).cursor === 30, 15_000, 'all admitted');
    const reserveOfLastTick = () => ticks.filter((t) => t.eventId === sale.eventId && t.reserveMs).at(-1)!.reserveMs;
    // Nobody has come yet: a token reserves for the configured maximum.
    expect(reserveOfLastTick()).toBe(env.infra.config.QUEUE_TOKEN_RESERVE_SECONDS * 1000);

    // 20 fans come within seconds of their admission and hold; the room learns it.
    for (const f of fans.slice(0, 20)) {
      const { token } = (await env.api.get(`/v1/events/${sale.eventId}/queue/me`, { token: f.token })).body;
      const held = await hold(f.token, {
        eventId: sale.eventId,
        tierId: sale.gaTierId,
        quantity: 1,
        purchaseToken: token,
      });
      expect(held.status).toBe(201);
    }
    await waitUntil(() => reserveOfLastTick() === 30_000, 5_000, 'the reserve window at its floor');
  });

  it('pauses, resumes and closes on the organizer’s word, audited and told to the room', async () => {
    const sale = await queueSale(env, organizer.userId, { startsInMs: 500, admitPerMinute: 60 });
    const [fan] = await bulkAccounts(db(), 1);
    await join(sale.eventId, fan!.token);
    const socket = await queueSocket(env.server.port, fan!.token, sockets);
    const heard: string[] = [];
    for (const name of ['paused', 'resumed', 'closed'] as const) socket.on(name, () => heard.push(name));
    await socket.emitWithAck('watch', { eventId: sale.eventId });
    await waitUntil(async () => (await stats(sale.eventId)).phase === 'live', 10_000, 'live');

    expect(
      (await env.api.post(`/v1/events/${sale.eventId}/onsale/pause`, undefined, { token: fan!.token })).body.code,
    ).toBe('catalog.not_organizer');
    expect(
      (await env.api.post(`/v1/events/${sale.eventId}/onsale/pause`, undefined, { token: organizer.token })).body,
    ).toMatchObject({ state: 'paused', phase: 'paused' });
    expect(
      (await env.api.post(`/v1/events/${sale.eventId}/onsale/pause`, undefined, { token: organizer.token })).body.code,
    ).toBe('queue.wrong_state');
    expect(
      (await env.api.post(`/v1/events/${sale.eventId}/onsale/resume`, undefined, { token: organizer.token })).body,
    ).toMatchObject({ state: 'scheduled', phase: 'live' });
    expect(
      (await env.api.post(`/v1/events/${sale.eventId}/onsale/close`, undefined, { token: organizer.token })).body,
    ).toMatchObject({ state: 'closed', phase: 'closed' });
    await waitUntil(() => heard.length === 3, 5_000, 'status pushes');
    expect(heard).toEqual(['paused', 'resumed', 'closed']);
    const [late] = await bulkAccounts(db(), 1);
    expect([(await join(sale.eventId, late!.token)).status, (await join(sale.eventId, late!.token)).body.code]).toEqual(
      [409, 'queue.closed'],
    );
    const audit = await db()
      .select({ action: onsaleAudit.action, actorId: onsaleAudit.actorId })
      .from(onsaleAudit)
      .where(eq(onsaleAudit.eventId, sale.eventId));
    expect(audit.filter((r) => r.action !== 'settings.updated')).toEqual([
      { action: 'paused', actorId: organizer.userId },
      { action: 'resumed', actorId: organizer.userId },
      { action: 'closed', actorId: organizer.userId },
    ]);
  });
});
