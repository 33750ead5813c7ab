import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/shared/errors.js';
import { convertHold } from '../../src/sales/hold-lifecycle.js';
import { HoldService } from '../../src/sales/holds.service.js';
import { holds } from '../../src/sales/holds.table.js';
import { gaInventory, seats } from '../../src/sales/inventory.table.js';
import type { PurchaseGate } from '../../src/sales/purchase-gate.js';
import { salesErrors } from '../../src/sales/sales.errors.js';
import { sweepExpiredHolds } from '../../src/sales/expiry.jobs.js';
import { tickets } from '../../src/tickets/tickets.table.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { createSale, idemKey, inventoryState } from '../support/sales.js';

let env: TestEnv;
let organizer: { token: string; userId: string };
beforeAll(async () => {
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '10000' });
  organizer = await signedIn(env, ['organizer']);
});
afterAll(() => env?.close());

const post = (token: string, body: unknown, key = idemKey()) =>
  env.api.post('/v1/holds', body, { token, headers: { 'idempotency-key': key } });
const db = () => env.infra.database.db;

async function seatStatuses(ids: string[]) {
  const rows = await db()
    .select({ id: seats.id, status: seats.status, holdId: seats.holdId })
    .from(seats)
    .where(sql`${seats.id} in ${ids}`);
  return Object.fromEntries(rows.map((r) => [r.id, r.status]));
}

async function receiptKinds(userId: string) {
  const res = await env.api.get('/v1/me/timeline', { token: await tokenOf(userId) });
  return res.body.receipts.map((r: any) => r.kind);
}
const tokens = new Map<string, string>();
const tokenOf = async (userId: string) => tokens.get(userId)!;
async function fan() {
  const account = await signedIn(env);
  tokens.set(account.userId, account.token);
  return account;
}

describe('POST /v1/holds', () => {
  it('holds specific seats all or nothing, shows them, and lets the owner release them once', async () => {
    const sale = await createSale(env, organizer.userId);
    const a = await fan();
    const b = await fan();
    const wanted = sale.seatIds.slice(0, 3);
    const res = await post(a.token, { eventId: sale.eventId, tierId: sale.reservedTierId, seats: wanted });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: 'active',
      kind: 'seats',
      quantity: 3,
      unitPriceCents: 5000,
      unitFeeCents: 450,
      totalCents: 3 * 5450,
      currency: 'EUR',
    });
    expect(res.body.seats.map((s: any) => s.id)).toEqual(wanted);
    const ttl = (Date.parse(res.body.expiresAt) - Date.parse(res.body.createdAt)) / 1000;
    expect(ttl).toBeCloseTo(480, 0);
    expect(Object.values(await seatStatuses(wanted))).toEqual(['held', 'held', 'held']);

    // Overlapping request: one seat free, one taken → nothing is held.
    const overlap = await post(b.token, {
      eventId: sale.eventId,
      tierId: sale.reservedTierId,
      seats: [sale.seatIds[3], sale.seatIds[2]],
    });
    expect(overlap.status).toBe(409);
    expect(overlap.body.code).toBe('sales.seat_unavailable');
    expect(overlap.body.seatIds).toEqual([sale.seatIds[2]]);
    expect((await seatStatuses([sale.seatIds[3]!]))[sale.seatIds[3]!]).toBe('available');

    expect((await env.api.get(`/v1/holds/${res.body.id}`, { token: a.token })).body.id).toBe(res.body.id);
    const foreign = await env.api.get(`/v1/holds/${res.body.id}`, { token: b.token });
    expect(foreign.status).toBe(404);
    expect(foreign.body.code).toBe('sales.hold_not_found');
    const unknown = await env.api.get(`/v1/holds/${randomUUID()}`, { token: b.token });
    expect({ status: unknown.status, code: unknown.body.code }).toEqual({ status: 404, code: 'sales.hold_not_found' });

    const released = await env.api.delete(`/v1/holds/${res.body.id}`, { token: a.token });
    expect(released.status).toBe(200);
    expect(released.body.status).toBe('released');
    expect(released.body.seats).toHaveLength(3);
    expect(Object.values(await seatStatuses(wanted))).toEqual(['available', 'available', 'available']);
    const again = await env.api.delete(`/v1/holds/${res.body.id}`, { token: a.token });
    expect(again.body.status).toBe('released');
    expect(await receiptKinds(a.userId)).toEqual(['hold.created', 'hold.released']);
  });

  it('picks the best available seats, side by side when asked, and says why when it cannot', async () => {
    // Row 1 has seats 1-6; row 2 has seats 1-3.
    const sale = await createSale(env, organizer.userId, { layout: 'section A rows 1 seats 1-6' });
    await env.server.app.services.catalog.addSeats(
      {
        userId: organizer.userId,
        sessionId: '',
        email: '',
        displayName: '',
        roles: ['organizer'],
        emailVerified: true,
      },
      sale.eventId,
      { blocks: [{ tierId: sale.reservedTierId, layout: 'section A rows 2 seats 1-3' }] },
    );
    const a = await fan();
    // Break row 1 into runs of 2 and 3: hold seat 3.
    const [row1] = [sale.seatIds];
    expect((await post(a.token, { eventId: sale.eventId, tierId: sale.reservedTierId, seats: [row1[2]] })).status).toBe(
      201,
    );
    const together = await post(a.token, {
      eventId: sale.eventId,
      tierId: sale.reservedTierId,
      quantity: 3,
      together: true,
    });
    expect(together.status).toBe(201);
    expect(together.body.seats.map((s: any) => `${s.row}-${s.number}`)).toEqual(['1-4', '1-5', '1-6']);
    const best = await post(a.token, { eventId: sale.eventId, tierId: sale.reservedTierId, quantity: 2 });
    expect(best.body.seats.map((s: any) => `${s.row}-${s.number}`)).toEqual(['1-1', '1-2']);
    // Left: row 2 seats 1-3. Four together cannot fit; three do.
    const before = await inventoryState(db(), sale.eventId);
    const four = await post(a.token, {
      eventId: sale.eventId,
      tierId: sale.reservedTierId,
      quantity: 4,
      together: true,
    });
    expect({ status: four.status, code: four.body.code, available: four.body.available }).toEqual({
      status: 409,
      code: 'sales.not_enough_seats',
      available: 3,
    });
    const row2 = await db()
      .select({ id: seats.id })
      .from(seats)
      .where(sql`${seats.eventId} = ${sale.eventId} and ${seats.row} = '2'`)
      .orderBy(seats.number);
    expect(
      (await post(a.token, { eventId: sale.eventId, tierId: sale.reservedTierId, seats: [row2[1]!.id] })).status,
    ).toBe(201);
    const split = await post(a.token, {
      eventId: sale.eventId,
      tierId: sale.reservedTierId,
      quantity: 2,
      together: true,
    });
    expect({ status: split.status, code: split.body.code }).toEqual({ status: 409, code: 'sales.not_enough_together' });
    const two = await post(a.token, { eventId: sale.eventId, tierId: sale.reservedTierId, quantity: 2 });
    expect(two.status).toBe(201);
    const none = await post(a.token, { eventId: sale.eventId, tierId: sale.reservedTierId, quantity: 1 });
    expect({ status: none.status, code: none.body.code }).toEqual({ status: 409, code: 'sales.sold_out' });
    expect((await inventoryState(db(), sale.eventId)).holds.length).toBe(before.holds.length + 2);
    expect(two.body.seats.map((s: any) => `${s.row}-${s.number}`)).toEqual(['2-1', '2-3']);
  });

  it('holds general admission against the counter and refuses past capacity', async () => {
    const sale = await createSale(env, organizer.userId, { gaCapacity: 5 });
    const a = await fan();
    const first = await post(a.token, { eventId: sale.eventId, tierId: sale.gaTierId, quantity: 4 });
    expect(first.body).toMatchObject({ kind: 'ga', quantity: 4, seats: [], totalCents: 4 * 3300 });
    const tooMany = await post(a.token, { eventId: sale.eventId, tierId: sale.gaTierId, quantity: 2 });
    expect({ status: tooMany.status, code: tooMany.body.code, available: tooMany.body.available }).toEqual({
      status: 409,
      code: 'sales.not_enough_seats',
      available: 1,
    });
    await post(a.token, { eventId: sale.eventId, tierId: sale.gaTierId, quantity: 1 });
    const gone = await post(a.token, { eventId: sale.eventId, tierId: sale.gaTierId, quantity: 1 });
    expect(gone.body.code).toBe('sales.sold_out');
    const [counter] = await db().select().from(gaInventory).where(eq(gaInventory.tierId, sale.gaTierId));
    expect(counter).toMatchObject({ capacity: 5, held: 5, sold: 0 });
    // The CHECK refuses what a buggy caller might try.
    await expect(
      db().update(gaInventory).set({ held: 6 }).where(eq(gaInventory.tierId, sale.gaTierId)),
    ).rejects.toThrow();
  });

  it('runs one hold for the same Idempotency-Key sent 10 times in parallel', async () => {
    const sale = await createSale(env, organizer.userId);
    const a = await fan();
    const key = idemKey();
    const body = { eventId: sale.eventId, tierId: sale.reservedTierId, quantity: 2 };
    const results = await Promise.all(Array.from({ length: 10 }, () => post(a.token, body, key)));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(201));
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    const rows = await db().select().from(holds).where(eq(holds.userId, a.userId));
    expect(rows).toHaveLength(1);
    expect((await inventoryState(db(), sale.eventId)).seats.filter((s) => s.status === 'held')).toHaveLength(2);
    expect(await receiptKinds(a.userId)).toEqual(['hold.created']);
    // The service keeps its own natural idempotency too (a retry that bypasses the HTTP layer).
    const direct = await Promise.all(
      Array.from({ length: 5 }, () => env.server.app.services.holds.create(a, body, key)),
    );
    expect(new Set(direct.map((h) => h.id))).toEqual(new Set([results[0]!.body.id]));
  });

  it('keeps the per-account limit under concurrent holds from one account', async () => {
    const sale = await createSale(env, organizer.userId, { eventLimit: 6, onsale: { perAccountLimit: 4 } });
    const a = await fan();
    const requests = Array.from({ length: 12 }, (_, i) =>
      i % 3 === 0
        ? { eventId: sale.eventId, tierId: sale.gaTierId, quantity: 1 }
        : i % 3 === 1
          ? { eventId: sale.eventId, tierId: sale.reservedTierId, quantity: 1 }
          : { eventId: sale.eventId, tierId: sale.reservedTierId, seats: [sale.seatIds[20 + i]] },
    );
    const results = await Promise.all(requests.map((body) => post(a.token, body)));
    const won = results.filter((r) => r.status === 201);
    expect(won).toHaveLength(4);
    for (const r of results.filter((x) => x.status !== 201))
      expect({ status: r.status, code: r.body.code }).toEqual({ status: 409, code: 'sales.limit_exceeded' });
    const [{ total }] = (await db().execute(
      sql`select coalesce(sum(quantity),0)::int as total from holds where user_id = ${a.userId} and status = 'active'`,
    )) as unknown as [{ total: number }];
    expect(total).toBe(4);
    // Releasing one makes room for one more.
    await env.api.delete(`/v1/holds/${won[0]!.body.id}`, { token: a.token });
    expect((await post(a.token, { eventId: sale.eventId, tierId: sale.gaTierId, quantity: 1 })).status).toBe(201);
    expect((await post(a.token, { eventId: sale.eventId, tierId: sale.gaTierId, quantity: 1 })).body.code).toBe(
      'sales.limit_exceeded',
    );
  });
});

describe('per-account limit counts owned tickets', () => {
  it('counts valid tickets the account holds, not cancelled ones', async () => {
    const sale = await createSale(env, organizer.userId, { eventLimit: 2 });
    const a = await fan();
    const ticket = (status: 'valid' | 'cancelled') => ({
      orderId: randomUUID(),
      orderItemId: randomUUID(),
      eventId: sale.eventId,
      tierId: sale.gaTierId,
      holderId: a.userId,
      status,
    });
    await db()
      .insert(tickets)
      .values([ticket('valid'), ticket('cancelled'), ticket('cancelled')]);
    const two = await post(a.token, { eventId: sale.eventId, tierId: sale.gaTierId, quantity: 2 });
    expect({ status: two.status, code: two.body.code, counted: two.body.counted }).toEqual({
      status: 409,
      code: 'sales.limit_exceeded',
      counted: 1,
    });
    expect((await post(a.token, { eventId: sale.eventId, tierId: sale.gaTierId, quantity: 1 })).status).toBe(201);
  });
});

describe('queue-mode on-sales and the purchase gate', () => {
  it('asks for a purchase token, and the waiting room refuses one it never issued', async () => {
    const sale = await createSale(env, organizer.userId, {
      onsale: { mode: 'queue', prequeueOpensAt: new Date(Date.now() - 7200_000), admitPerMinute: 100 },
    });
    const a = await fan();
    const before = await inventoryState(db(), sale.eventId);
    const missing = await post(a.token, { eventId: sale.eventId, tierId: sale.gaTierId, quantity: 1 });
    expect({ status: missing.status, code: missing.body.code }).toEqual({
      status: 403,
      code: 'sales.purchase_token_required',
    });
    const refused = await post(a.token, {
      eventId: sale.eventId,
      tierId: sale.gaTierId,
      quantity: 1,
      purchaseToken: 'a-token-the-queue-never-issued',
    });
    expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 403, code: 'queue.token_invalid' });
    expect(await inventoryState(db(), sale.eventId)).toEqual(before);
  });

  it('claims the token once, and gives it back when the hold fails for a reason the fan can fix', async () => {
    const sale = await createSale(env, organizer.userId, {
      onsale: { mode: 'queue', prequeueOpensAt: new Date(Date.now() - 7200_000), admitPerMinute: 100 },
    });
    const a = await fan();
    const b = await fan();
    const state = new Map<string, 'issued' | 'claimed'>([
      ['token-for-fan-a-0001', 'issued'],
      ['token-for-fan-b-0001', 'issued'],
    ]);
    const owner = new Map([
      ['token-for-fan-a-0001', a.userId],
      ['token-for-fan-b-0001', b.userId],
    ]);
    const released: string[] = [];
    const settled: string[] = [];
    const gate: PurchaseGate = {
      claim: async (token, userId) => {
        if (state.get(token) !== 'issued' || owner.get(token) !== userId) throw salesErrors.tokenInvalid();
        state.set(token, 'claimed');
      },
      release: async (token) => {
        released.push(token);
        state.set(token, 'issued');
      },
      settle: async (token) => void settled.push(token),
    };
    const service = new HoldService(db(), env.infra.signer, {
      gate,
      receipts: env.server.app.receipts,
      logger: env.infra.logger,
    });
    const seat = sale.seatIds[0]!;
    const held = await service.create(
      a,
      { eventId: sale.eventId, tierId: sale.reservedTierId, seats: [seat], purchaseToken: 'token-for-fan-a-0001' },
      idemKey(),
    );
    expect(held.status).toBe('active');
    // Another fan's token is not mine.
    await expect(
      service.create(
        a,
        { eventId: sale.eventId, tierId: sale.reservedTierId, quantity: 1, purchaseToken: 'token-for-fan-b-0001' },
        idemKey(),
      ),
    ).rejects.toMatchObject({ code: 'sales.purchase_token_invalid' });
    // Used once: a second hold with it is refused.
    await expect(
      service.create(
        a,
        { eventId: sale.eventId, tierId: sale.reservedTierId, quantity: 1, purchaseToken: 'token-for-fan-a-0001' },
        idemKey(),
      ),
    ).rejects.toMatchObject({ code: 'sales.purchase_token_invalid' });
    // B's seat was just taken: B keeps the token and succeeds with another seat.
    await expect(
      service.create(
        b,
        { eventId: sale.eventId, tierId: sale.reservedTierId, seats: [seat], purchaseToken: 'token-for-fan-b-0001' },
        idemKey(),
      ),
    ).rejects.toMatchObject({ code: 'sales.seat_unavailable' });
    expect(released).toEqual(['token-for-fan-b-0001']);
    const retry = await service.create(
      b,
      { eventId: sale.eventId, tierId: sale.reservedTierId, quantity: 1, purchaseToken: 'token-for-fan-b-0001' },
      idemKey(),
    );
    expect(retry.status).toBe('active');
    // Each committed hold settles its token once; a refused one does not.
    expect(settled).toEqual(['token-for-fan-a-0001', 'token-for-fan-b-0001']);
    const rows = await db()
      .select({ hash: holds.purchaseTokenHash })
      .from(holds)
      .where(eq(holds.eventId, sale.eventId));
    expect(rows.every((r) => r.hash && /^[0-9a-f]{64}$/.test(r.hash))).toBe(true);
  });
});

describe('convertHold (the order flow calls it in its transaction)', () => {
  it('sells held seats and GA once, refuses expired, foreign and finished holds without changing anything', async () => {
    const sale = await createSale(env, organizer.userId, { gaCapacity: 3 });
    const a = await fan();
    const b = await fan();
    const { holds: service } = env.server.app.services;
    const seatHold = await service.create(
      a,
      { eventId: sale.eventId, tierId: sale.reservedTierId, quantity: 2, together: true },
      idemKey(),
    );
    const gaHold = await service.create(a, { eventId: sale.eventId, tierId: sale.gaTierId, quantity: 2 }, idemKey());
    const expiring = await service.create(a, { eventId: sale.eventId, tierId: sale.gaTierId, quantity: 1 }, idemKey());
    const convert = (holdId: string, userId: string) =>
      db().transaction((tx) => convertHold(tx, holdId, userId, { signer: env.infra.signer }));

    await expect(convert(seatHold.id, b.userId)).rejects.toMatchObject({ status: 404, code: 'sales.hold_not_found' });
    const items = await convert(seatHold.id, a.userId);
    expect(items).toMatchObject({
      kind: 'seats',
      quantity: 2,
      unitPriceCents: 5000,
      unitFeeCents: 450,
      currency: 'EUR',
    });
    expect(items.seats.map((s) => s.id)).toEqual(seatHold.seats.map((s) => s.id));
    expect(Object.values(await seatStatuses(items.seats.map((s) => s.id)))).toEqual(['sold', 'sold']);
    await expect(convert(seatHold.id, a.userId)).rejects.toMatchObject({ status: 409, code: 'sales.hold_not_active' });
    expect((await env.api.delete(`/v1/holds/${seatHold.id}`, { token: a.token })).body.code).toBe(
      'sales.hold_not_active',
    );

    await convert(gaHold.id, a.userId);
    const [counter] = await db().select().from(gaInventory).where(eq(gaInventory.tierId, sale.gaTierId));
    expect(counter).toMatchObject({ held: 1, sold: 2 });

    await db()
      .update(holds)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(holds.id, expiring.id));
    const before = await inventoryState(db(), sale.eventId);
    await expect(convert(expiring.id, a.userId)).rejects.toMatchObject({ status: 409, code: 'sales.hold_expired' });
    expect(await inventoryState(db(), sale.eventId)).toEqual(before);
    // A failed conversion inside a larger transaction rolls that transaction back.
    await expect(
      db().transaction(async (tx) => {
        await tx.update(gaInventory).set({ capacity: 100 }).where(eq(gaInventory.tierId, sale.gaTierId));
        await convertHold(tx, expiring.id, a.userId);
      }),
    ).rejects.toBeInstanceOf(AppError);
    expect(await inventoryState(db(), sale.eventId)).toEqual(before);
  });
});

describe('bad input over every hold endpoint', () => {
  it('answers the exact 4xx code and leaves the database unchanged', async () => {
    const sale = await createSale(env, organizer.userId, { gaCapacity: 10 });
    const other = await createSale(env, organizer.userId);
    const draft = await createSale(env, organizer.userId, { status: 'draft' });
    const later = await createSale(env, organizer.userId, {
      onsale: { saleStartsAt: new Date(Date.now() + 86_400_000) },
    });
    const a = await fan();
    const b = await fan();
    const { holds: service } = env.server.app.services;
    const mine = await service.create(
      a,
      { eventId: sale.eventId, tierId: sale.reservedTierId, seats: [sale.seatIds[0]!] },
      idemKey(),
    );
    const expired = await service.create(a, { eventId: sale.eventId, tierId: sale.gaTierId, quantity: 1 }, idemKey());
    await db()
      .update(holds)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(holds.id, expired.id));
    await sweepExpiredHolds(db(), env.infra.signer);

    const base = { eventId: sale.eventId, tierId: sale.reservedTierId };
    const cases: { name: string; call: () => Promise<any>; status: number; code: string; field?: string }[] = [
      {
        name: 'no Idempotency-Key',
        call: () => env.api.post('/v1/holds', { ...base, quantity: 1 }, { token: b.token }),
        status: 400,
        code: 'idempotency.key_required',
        field: 'Idempotency-Key',
      },
      {
        name: 'signed out',
        call: () => env.api.post('/v1/holds', { ...base, quantity: 1 }, { headers: { 'idempotency-key': idemKey() } }),
        status: 401,
        code: 'auth.required',
      },
      {
        name: 'malformed JSON',
        call: () =>
          env.api.post('/v1/holds', undefined, {
            token: b.token,
            raw: '{"eventId": ',
            headers: { 'idempotency-key': idemKey() },
          }),
        status: 400,
        code: 'request.malformed_json',
      },
      {
        name: 'wrong types',
        call: () => post(b.token, { eventId: 7, tierId: true, quantity: 'two' }),
        status: 400,
        code: 'request.invalid',
        field: 'eventId',
      },
      {
        name: 'negative quantity',
        call: () => post(b.token, { ...base, quantity: -3 }),
        status: 400,
        code: 'request.invalid',
        field: 'quantity',
      },
      {
        name: 'zero quantity',
        call: () => post(b.token, { ...base, quantity: 0 }),
        status: 400,
        code: 'request.invalid',
        field: 'quantity',
      },
      {
        name: 'huge quantity',
        call: () => post(b.token, { ...base, quantity: 1e9 }),
        status: 400,
        code: 'request.invalid',
        field: 'quantity',
      },
      {
        name: 'fractional quantity',
        call: () => post(b.token, { ...base, quantity: 1.5 }),
        status: 400,
        code: 'request.invalid',
        field: 'quantity',
      },
      {
        name: 'seats and quantity',
        call: () => post(b.token, { ...base, quantity: 1, seats: [sale.seatIds[1]] }),
        status: 400,
        code: 'request.invalid',
        field: 'quantity',
      },
      {
        name: 'neither seats nor quantity',
        call: () => post(b.token, base),
        status: 400,
        code: 'request.invalid',
        field: 'quantity',
      },
      {
        name: 'together with seats',
        call: () => post(b.token, { ...base, seats: [sale.seatIds[1]], together: true }),
        status: 400,
        code: 'request.invalid',
        field: 'together',
      },
      {
        name: 'the same seat twice',
        call: () => post(b.token, { ...base, seats: [sale.seatIds[1], sale.seatIds[1]] }),
        status: 400,
        code: 'request.invalid',
        field: 'seats',
      },
      {
        name: 'too many seats',
        call: () => post(b.token, { ...base, seats: sale.seatIds.slice(1, 23) }),
        status: 400,
        code: 'request.invalid',
        field: 'seats',
      },
      {
        name: 'not a uuid',
        call: () => post(b.token, { ...base, seats: ['A-1-1'] }),
        status: 400,
        code: 'request.invalid',
        field: 'seats.0',
      },
      {
        name: 'unknown field',
        call: () => post(b.token, { ...base, quantity: 1, price: 0 }),
        status: 400,
        code: 'request.invalid',
        field: 'price',
      },
      {
        name: 'unknown seat',
        call: () => post(b.token, { ...base, seats: [sale.seatIds[1], randomUUID()] }),
        status: 400,
        code: 'sales.unknown_seat',
        field: 'seats.1',
      },
      {
        name: "another event's seat",
        call: () => post(b.token, { ...base, seats: [other.seatIds[0]] }),
        status: 400,
        code: 'sales.unknown_seat',
        field: 'seats.0',
      },
      {
        name: 'seats for a GA tier',
        call: () => post(b.token, { eventId: sale.eventId, tierId: sale.gaTierId, seats: [sale.seatIds[1]] }),
        status: 400,
        code: 'sales.wrong_tier_kind',
        field: 'seats',
      },
      {
        name: "another event's tier",
        call: () => post(b.token, { eventId: sale.eventId, tierId: other.reservedTierId, quantity: 1 }),
        status: 404,
        code: 'catalog.tier_not_found',
      },
      {
        name: 'unknown event',
        call: () => post(b.token, { eventId: randomUUID(), tierId: sale.reservedTierId, quantity: 1 }),
        status: 404,
        code: 'catalog.event_not_found',
      },
      {
        name: 'draft event',
        call: () => post(b.token, { eventId: draft.eventId, tierId: draft.reservedTierId, quantity: 1 }),
        status: 404,
        code: 'catalog.event_not_found',
      },
      {
        name: 'sale not started',
        call: () => post(b.token, { eventId: later.eventId, tierId: later.gaTierId, quantity: 1 }),
        status: 409,
        code: 'sales.not_on_sale',
      },
      {
        name: 'seat already held',
        call: () => post(b.token, { ...base, seats: [sale.seatIds[0]] }),
        status: 409,
        code: 'sales.seat_unavailable',
      },
      {
        name: 'GET bad id',
        call: () => env.api.get('/v1/holds/not-a-uuid', { token: a.token }),
        status: 400,
        code: 'request.invalid',
        field: 'id',
      },
      {
        name: "GET another account's hold",
        call: () => env.api.get(`/v1/holds/${mine.id}`, { token: b.token }),
        status: 404,
        code: 'sales.hold_not_found',
      },
      {
        name: "DELETE another account's hold",
        call: () => env.api.delete(`/v1/holds/${mine.id}`, { token: b.token }),
        status: 404,
        code: 'sales.hold_not_found',
      },
      {
        name: 'DELETE unknown hold',
        call: () => env.api.delete(`/v1/holds/${randomUUID()}`, { token: b.token }),
        status: 404,
        code: 'sales.hold_not_found',
      },
      {
        name: 'DELETE expired hold',
        call: () => env.api.delete(`/v1/holds/${expired.id}`, { token: a.token }),
        status: 409,
        code: 'sales.hold_expired',
      },
      {
        name: 'DELETE signed out',
        call: () => env.api.delete(`/v1/holds/${mine.id}`),
        status: 401,
        code: 'auth.required',
      },
    ];
    const events = [sale, other, draft, later];
    const snapshot = () => Promise.all(events.map((e) => inventoryState(db(), e.eventId)));
    const before = await snapshot();
    for (const c of cases) {
      const res = await c.call();
      expect({ name: c.name, status: res.status, code: res.body?.code }).toEqual({
        name: c.name,
        status: c.status,
        code: c.code,
      });
      expect(res.contentType, c.name).toContain('application/problem+json');
      if (c.field)
        expect(
          res.body.errors.map((e: any) => e.field),
          c.name,
        ).toContain(c.field);
    }
    expect(await snapshot()).toEqual(before);
  });
});
