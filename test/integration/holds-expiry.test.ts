import { eq, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expireHold, releaseHold } from '../../src/sales/hold-lifecycle.js';
import { holdExpiryModule, sweepExpiredHolds } from '../../src/sales/expiry.jobs.js';
import { holds } from '../../src/sales/holds.table.js';
import { gaInventory } from '../../src/sales/inventory.table.js';
import { onsaleSettings } from '../../src/sales/onsale.table.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { createSale, idemKey, inventoryState, type SaleSetup } from '../support/sales.js';

let env: TestEnv;
let organizer: { userId: string };
let running: { close(): Promise<void> } | undefined;

beforeAll(async () => {
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '10000' });
  organizer = await signedIn(env, ['organizer']);
});
afterEach(async () => {
  await running?.close();
  running = undefined;
});
afterAll(() => env?.close());

const db = () => env.infra.database.db;

/** A sale whose holds last two seconds (the API refuses under 60; the database only asks for > 0). */
async function shortSale(): Promise<SaleSetup> {
  const sale = await createSale(env, organizer.userId, { gaCapacity: 10 });
  await db().update(onsaleSettings).set({ holdTtlSeconds: 2 }).where(eq(onsaleSettings.eventId, sale.eventId));
  return sale;
}

async function holdOver(sale: SaleSetup, token: string) {
  const seat = await env.api.post(
    '/v1/holds',
    { eventId: sale.eventId, tierId: sale.reservedTierId, quantity: 2 },
    { token, headers: { 'idempotency-key': idemKey() } },
  );
  const ga = await env.api.post(
    '/v1/holds',
    { eventId: sale.eventId, tierId: sale.gaTierId, quantity: 3 },
    { token, headers: { 'idempotency-key': idemKey() } },
  );
  expect([seat.status, ga.status]).toEqual([201, 201]);
  return [seat.body.id as string, ga.body.id as string];
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const statuses = async (ids: string[]) =>
  (
    await db()
      .select({ id: holds.id, status: holds.status })
      .from(holds)
      .where(sql`${holds.id} in ${ids}`)
  ).map((r) => r.status);

async function expectAllBack(sale: SaleSetup, holdIds: string[]) {
  const state = await inventoryState(db(), sale.eventId);
  expect(state.seats.every((s) => s.status === 'available' && s.holdId === null)).toBe(true);
  expect(state.ga[0]).toMatchObject({ held: 0, sold: 0 });
  const [{ n }] = (await db().execute(
    sql`select count(*)::int as n from timeline_entries where kind = 'hold.expired' and subject_id in ${holdIds}`,
  )) as unknown as [{ n: number }];
  expect(n).toBe(holdIds.length);
}

describe('hold expiry', () => {
  it('the sweep returns seats and GA places within a second of the expiry, and not before it', async () => {
    const sale = await shortSale();
    const fan = await signedIn(env);
    const ids = await holdOver(sale, fan.token);
    running = await holdExpiryModule().start(env.infra);
    await new Promise((r) => setTimeout(r, 600));
    // Whatever is not yet due by the database's clock is still active, however many sweeps ran.
    const early = await db().execute<{ status: string }>(
      sql`select status from holds where id in ${ids} and expires_at > now()`,
    );
    expect(early.map((r) => r.status)).toEqual(early.map(() => 'active'));
    await waitUntil(async () => (await statuses(ids)).every((s) => s === 'expired'));
    await expectAllBack(sale, ids);
    const late = await db().execute<{ ms: number }>(sql`
      select extract(epoch from (t.occurred_at - h.expires_at)) * 1000 as ms
      from timeline_entries t join holds h on h.id::text = t.subject_id
      where t.kind = 'hold.expired' and t.subject_id in ${ids}`);
    expect(late).toHaveLength(2);
    for (const { ms } of late) {
      expect(Number(ms)).toBeGreaterThanOrEqual(0);
      expect(Number(ms)).toBeLessThan(1000);
    }
  });

  it('expiring or releasing twice, by sweeps, direct calls and the fan, changes a hold once', async () => {
    const sale = await shortSale();
    const fan = await signedIn(env);
    const ids = await holdOver(sale, fan.token);
    await db()
      .update(holds)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(sql`${holds.id} in ${ids}`);
    const { signer } = env.infra;
    const results = await Promise.all([
      ...ids.map((id) => db().transaction((tx) => expireHold(tx, id, { signer }))),
      ...ids.map((id) => db().transaction((tx) => expireHold(tx, id, { signer }))),
      sweepExpiredHolds(db(), signer),
      sweepExpiredHolds(db(), signer),
    ]);
    const expiredByCalls = results.slice(0, 4).filter(Boolean).length + (results[4] as number) + (results[5] as number);
    expect(expiredByCalls).toBe(2);
    await expectAllBack(sale, ids);
    const before = await inventoryState(db(), sale.eventId);
    expect(await db().transaction((tx) => releaseHold(tx, ids[0]!, { signer }))).toBeUndefined();
    expect(await db().transaction((tx) => expireHold(tx, ids[1]!, { signer }))).toBeUndefined();
    const again = await env.api.delete(`/v1/holds/${ids[1]}`, { token: fan.token });
    expect({ status: again.status, code: again.body.code }).toEqual({ status: 409, code: 'sales.hold_expired' });
    expect(await inventoryState(db(), sale.eventId)).toEqual(before);
    const [counter] = await db().select().from(gaInventory).where(eq(gaInventory.tierId, sale.gaTierId));
    expect(counter!.held).toBe(0);
  });
});
