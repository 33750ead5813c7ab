import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api.js';
import { childEnv, createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { CARDS, createSale, holdDirect, idem, type SaleFixture } from '../support/commerce.js';

/**
 * The API runs as a real child process (`node --import tsx src/main.ts`) and dies (exit 137,
 * as under SIGKILL) at an injected fault point; a fresh process then starts and its
 * reconciler must leave every order confirmed-and-captured or released-and-voided.
 */

let env: TestEnv;
let sale: SaleFixture;
let dataDir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '100000' });
  sale = await createSale(env, { seats: 10 });
  dataDir = await mkdtemp(join(tmpdir(), 'fd-crash-'));
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await env?.close();
  await rm(dataDir, { recursive: true, force: true });
});

interface Child {
  process: ChildProcess;
  api: ApiClient;
  exited: Promise<number | null>;
  output(): string;
}

async function startApi(extra: Record<string, string>): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: process.cwd(),
    env: childEnv(env, dataDir, {
      REDIS_PREFIX: `${env.config.REDIS_PREFIX}child:`,
      HOST: '127.0.0.1',
      PORT: '0',
      // Info: the test reads the URL from the "listening" line.
      LOG_LEVEL: 'info',
      // Resolve anything older than half a second, every half second: the test waits seconds, not minutes.
      RECONCILE_AFTER_MS: '500',
      RECONCILE_EVERY_MS: '500',
      ...extra,
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`API did not start:\n${output}`)), 60_000);
    child.stderr!.on('data', (d) => (output += d));
    child.stdout!.on('data', (d: Buffer) => {
      output += d;
      const match = /"url":"(http:\/\/[^"]+)"/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    void exited.then((code) => reject(new Error(`API exited with ${code} before serving:\n${output}`)));
  });
  return { process: child, api: new ApiClient(url), exited, output: () => output };
}

async function crashDuringOrder(
  fault: 'after_authorize' | 'after_commit',
  token: string,
  holdId: string,
): Promise<void> {
  const child = await startApi({ FAULT_POINT: fault });
  const attempt = child.api
    .post('/v1/orders', { holdId, payment: { card: CARDS.ok } }, { token, headers: { 'idempotency-key': idem() } })
    .then(
      (r) => `${r.status} ${JSON.stringify(r.body)}`,
      () => 'connection lost',
    );
  // If the process answered instead of dying, the assertion shows what it answered.
  expect(await attempt).toBe('connection lost');
  expect(await Promise.race([child.exited, sleep(10_000).then(() => `still running:\n${child.output()}`)])).toBe(137);
}

async function state(holdId: string) {
  const sql = env.infra.database.sql;
  const [order] = await sql`select id, status, card_cents from orders where hold_id = ${holdId}`;
  const [hold] = await sql`select status from holds where id = ${holdId}`;
  const intents =
    await sql`select status, amount_captured_cents from sandbox_payment_intents where metadata->>'holdId' = ${holdId}`;
  const [{ sold }] =
    (await sql`select count(*)::int as sold from seats where hold_id = ${holdId} and status = 'sold'`) as any[];
  const [{ tickets }] =
    (await sql`select count(*)::int as tickets from tickets where order_id = ${order?.id ?? null} and status = 'valid'`) as any[];
  return { order: order!, hold: hold!.status as string, intents, sold: sold as number, tickets: tickets as number };
}

describe('crash between the steps of an order', () => {
  it('after a restart the reconciler settles every crashed order one way or the other', async () => {
    const fans = await Promise.all([signedIn(env), signedIn(env), signedIn(env)]);
    // A: dies right after the card was authorized, before our database knew the intent.
    const holdA = await holdDirect(env, sale, fans[0].userId, { seatIds: sale.seatIds.slice(0, 2) });
    await crashDuringOrder('after_authorize', fans[0].token, holdA);
    expect((await state(holdA)).order.status).toBe('pending');
    expect((await state(holdA)).intents).toEqual([{ status: 'requires_capture', amount_captured_cents: 0 }]);

    // B: dies after the commit, before the capture: seats sold, card only authorized.
    const holdB = await holdDirect(env, sale, fans[1].userId, { seatIds: sale.seatIds.slice(2, 4) });
    await crashDuringOrder('after_commit', fans[1].token, holdB);
    expect(await state(holdB)).toMatchObject({
      order: { status: 'confirmed' },
      sold: 2,
      tickets: 2,
      intents: [{ status: 'requires_capture' }],
    });

    // C: dies after authorizing, and its hold runs out before anyone comes back.
    const holdC = await holdDirect(env, sale, fans[2].userId, { seatIds: sale.seatIds.slice(4, 6) });
    await crashDuringOrder('after_authorize', fans[2].token, holdC);
    // Time passes while the node is down: the hold's eight minutes run out.
    await env.infra.database.sql`update holds set expires_at = now() - interval '1 second' where id = ${holdC}`;

    const restarted = await startApi({});
    const settled = ['captured', 'voided', 'failed'];
    const deadline = Date.now() + 30_000;
    // Settled means the money too: a voided order's authorization is cancelled, and its voided
    // payment row written, just after the order itself changes state.
    const paymentsOf = (orderId: string) =>
      env.infra.database.sql`select method, status from payments where order_id = ${orderId}`;
    const done = async (states: Awaited<ReturnType<typeof state>>[]) =>
      states.every(
        (s) => settled.includes(s.order.status) && s.intents.every((i) => i.status !== 'requires_capture'),
      ) && (await paymentsOf(states[2]!.order.id)).some((p) => p.status === 'voided');
    let all = await Promise.all([holdA, holdB, holdC].map(state));
    while (!(await done(all)) && Date.now() < deadline) {
      await sleep(250);
      all = await Promise.all([holdA, holdB, holdC].map(state));
    }
    const [a, b, c] = all;
    // A and B: their holds still stood, so they were completed: confirmed, captured, seats sold once.
    for (const s of [a!, b!]) {
      expect(s).toMatchObject({ order: { status: 'captured' }, hold: 'converted', sold: 2, tickets: 2 });
      expect(s.intents).toEqual([{ status: 'succeeded', amount_captured_cents: s.order.card_cents }]);
    }
    // C: its hold had expired: voided, the authorization cancelled, nothing sold, the seats back on sale.
    expect(c!.order.status).toBe('voided');
    expect(c!.intents).toEqual([{ status: 'canceled', amount_captured_cents: 0 }]);
    expect(c!.sold).toBe(0);
    expect(c!.tickets).toBe(0);
    expect(['expired', 'released']).toContain(c!.hold);
    const voided = await paymentsOf(c!.order.id);
    expect(voided).toEqual([{ method: 'card', status: 'voided' }]);
    const [{ free }] = (await env.infra.database
      .sql`select count(*)::int as free from seats where id = any(${sale.seatIds.slice(4, 6)}) and status = 'available'`) as any[];
    expect(free).toBe(2);
    // Never a charge without seats: no intent is left captured without a captured order, nor authorized at all.
    const [{ dangling }] = (await env.infra.database.sql`
      select count(*)::int as dangling from sandbox_payment_intents i
      left join orders o on o.id::text = i.metadata->>'orderId'
      where i.status = 'requires_capture' or (i.status = 'succeeded' and o.status <> 'captured')`) as any[];
    expect(dangling).toBe(0);
    restarted.process.kill('SIGTERM');
    await restarted.exited;
    // Four node processes start one after the other; on a loaded 2-core machine each boot takes seconds.
  }, 240_000);
});
