import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventStaff } from '../../src/checkin/checkin.table.js';
import { onsaleSettings } from '../../src/sales/onsale.table.js';
import { createSale, idem, type SaleFixture } from '../support/commerce.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn, signedInVerified } from '../support/fixtures.js';

/**
 * Presales (issue #19, part 3) through HTTP on real Postgres and Redis: a window gated by codes
 * (single-use, capped multi-use, bound to the first account, revoked, guessing limited, CSV
 * imports all or nothing), by an allow-list and by the staff bypass; holds outside every window
 * refused; and many accounts racing for one capped code never passing its cap.
 */
let env: TestEnv;

beforeAll(async () => {
  env = await createTestEnv({
    AUTH_LIMIT_PER_IP: '100000',
    PRESALE_CODE_LIMIT_PER_IP: '100000',
    PRESALE_CODE_LIMIT_PER_ACCOUNT: '10',
  });
}, 60_000);
afterAll(async () => {
  await env?.close();
});

type Account = { token: string; userId: string };
const db = () => env.infra.database.db;
const opts = (who: Account, key: string | null = idem()) => ({
  token: who.token,
  headers: key ? { 'idempotency-key': key } : ({} as Record<string, string>),
});
const min = 60_000;
const at = (ms: number) => new Date(Date.now() + ms).toISOString();

/** An open-mode sale whose general sale starts in an hour: before it, only a presale window sells. */
async function presaleEvent(options: { mode?: 'open' | 'queue' } = {}): Promise<SaleFixture> {
  const sale = await createSale(env, { seats: 4, gaCapacity: 20 });
  await db()
    .update(onsaleSettings)
    .set({
      saleStartsAt: new Date(Date.now() + 60 * min),
      mode: options.mode ?? 'open',
      prequeueOpensAt: options.mode === 'queue' ? new Date(Date.now() + 40 * min) : null,
    })
    .where(eq(onsaleSettings.eventId, sale.eventId));
  return sale;
}

async function newWindow(sale: SaleFixture, body: Record<string, unknown>) {
  const res = await env.api.post(
    `/v1/events/${sale.eventId}/presales`,
    { name: 'Fan club', gate: 'code', mode: 'open', opensAt: at(-min), closesAt: at(30 * min), ...body },
    opts(sale.organizer),
  );
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; status: string };
}

const redeem = (windowId: string, who: Account, code: string) =>
  env.api.post(`/v1/presales/${windowId}/redeem`, { code }, opts(who));
const holdGa = (sale: SaleFixture, who: Account, quantity = 1) =>
  env.api.post('/v1/holds', { eventId: sale.eventId, tierId: sale.gaTierId, quantity }, opts(who));
const holdsOf = async (eventId: string, userId: string) =>
  Number(
    (
      await db().execute<{ n: number }>(
        sql`select count(*)::int as n from holds where event_id = ${eventId} and user_id = ${userId}`,
      )
    )[0]!.n,
  );
const codeRows = async (windowId: string) => [
  ...(await db().execute<{ code_hash: string; hint: string; uses: number; max_uses: number; revoked: boolean }>(
    sql`select code_hash, hint, uses, max_uses, revoked_at is not null as revoked from presale_codes where window_id = ${windowId} order by created_at, hint`,
  )),
];

describe('presales', () => {
  it('a code window: single-use bound to its first account, a capped code, revocation, holds only inside the window', async () => {
    const sale = await presaleEvent();
    const [a, b, c, d, e] = [
      await signedIn(env),
      await signedIn(env),
      await signedIn(env),
      await signedIn(env),
      await signedIn(env),
    ];
    const window = await newWindow(sale, {});
    expect(window.status).toBe('open');

    // No code yet: the hold is refused in words, and nothing is written.
    const early = await holdGa(sale, a);
    expect(early.status).toBe(403);
    expect(early.contentType).toContain('application/problem+json');
    expect(early.body.code).toBe('presales.not_eligible');
    expect(await holdsOf(sale.eventId, a.userId)).toBe(0);

    const single = await env.api.post(`/v1/presales/${window.id}/codes`, { count: 2 }, opts(sale.organizer));
    expect(single.status).toBe(201);
    expect(single.body.codes).toHaveLength(2);
    const [code1, code2] = single.body.codes as string[];
    // Stored hashed: neither the code nor its letters without the dash are in the table.
    const stored = await codeRows(window.id);
    expect(stored).toHaveLength(2);
    for (const row of stored) {
      expect(row.code_hash).not.toContain(code1!.replace('-', ''));
      expect(row.code_hash).not.toContain(code2!.replace('-', ''));
    }

    const first = await redeem(window.id, a, code1!);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ windowId: window.id, eventId: sale.eventId, eligible: true });
    // Bound to A: B cannot use it; A again gets the same answer.
    const taken = await redeem(window.id, b, code1!);
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe('presales.code_used_up');
    expect(taken.body.errors[0].field).toBe('code');
    const again = await redeem(window.id, a, code1!.toLowerCase().replace('-', ' '));
    expect(again.status).toBe(200);
    expect(again.body.redeemedAt).toBe(first.body.redeemedAt);

    const held = await holdGa(sale, a, 2);
    expect(held.status, JSON.stringify(held.body)).toBe(201);
    expect(await holdsOf(sale.eventId, a.userId)).toBe(1);
    expect(await holdsOf(sale.eventId, b.userId)).toBe(0);
    expect((await holdGa(sale, b)).body.code).toBe('presales.not_eligible');

    // A capped code: two accounts, then no more.
    const multi = await env.api.post(`/v1/presales/${window.id}/codes`, { count: 1, maxUses: 2 }, opts(sale.organizer));
    const shared = multi.body.codes[0] as string;
    expect((await redeem(window.id, c, shared)).status).toBe(200);
    expect((await redeem(window.id, d, shared)).status).toBe(200);
    const full = await redeem(window.id, e, shared);
    expect(full.status).toBe(409);
    expect(full.body.code).toBe('presales.code_used_up');
    expect((await holdGa(sale, c)).status).toBe(201);

    // Revoked: the unused code cannot be redeemed; accounts bound to a revoked code hold no more.
    const list = (await env.api.get(`/v1/presales/${window.id}/codes`, opts(sale.organizer, null))).body.codes as {
      id: string;
      hint: string;
      maxUses: number;
      uses: number;
    }[];
    expect(list).toHaveLength(3);
    const unused = list.find((x) => x.hint === code2!.replace('-', '').slice(-4))!;
    const sharedRow = list.find((x) => x.maxUses === 2)!;
    expect(sharedRow.uses).toBe(2);
    for (const id of [unused.id, sharedRow.id]) {
      const revoked = await env.api.post(
        `/v1/presales/${window.id}/codes/${id}/revoke`,
        undefined,
        opts(sale.organizer),
      );
      expect(revoked.status).toBe(200);
      expect(revoked.body.revokedAt).not.toBeNull();
    }
    const gone = await redeem(window.id, e, code2!);
    expect(gone.status).toBe(410);
    expect(gone.body.code).toBe('presales.code_revoked');
    expect((await holdGa(sale, d)).body.code).toBe('presales.not_eligible');
    expect(await holdsOf(sale.eventId, d.userId)).toBe(0);

    // Redemptions: who, when, with what, and what they did in the window.
    const red = await env.api.get(`/v1/presales/${window.id}/redemptions`, opts(sale.organizer, null));
    expect(red.status).toBe(200);
    const byUser = new Map(
      (red.body.redemptions as { userId: string; holds: number; revoked: boolean }[]).map((r) => [r.userId, r]),
    );
    expect(byUser.get(a.userId)).toMatchObject({ holds: 1, revoked: false });
    expect(byUser.get(c.userId)).toMatchObject({ holds: 1, revoked: true });
    expect(byUser.get(d.userId)).toMatchObject({ holds: 0, revoked: true });
    expect(byUser.has(b.userId)).toBe(false);
    // A fan may not read them.
    expect((await env.api.get(`/v1/presales/${window.id}/redemptions`, opts(a, null))).status).toBe(403);

    // The fan's view of the event: the window open now, and that it lets A buy.
    const view = await env.api.get(`/v1/events/${sale.eventId}/presales`, opts(a, null));
    expect(view.body.current).toBe(window.id);
    expect(view.body.windows[0]).toMatchObject({ id: window.id, eligible: true, redeemed: true, gate: 'code' });
    const anonymous = await env.api.get(`/v1/events/${sale.eventId}/presales`);
    expect(anonymous.body.windows[0]).toMatchObject({ eligible: null });

    // Outside every window, before the general sale, nobody holds, eligible or not.
    const moved = await env.api.patch(
      `/v1/presales/${window.id}`,
      { opensAt: at(10 * min), closesAt: at(20 * min) },
      opts(sale.organizer),
    );
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    const outside = await holdGa(sale, a);
    expect(outside.status).toBe(409);
    expect(outside.body.code).toBe('sales.not_on_sale');
    expect(await holdsOf(sale.eventId, a.userId)).toBe(1);
  });

  it('refuses windows that overlap, outlast the general sale, or end before they start, naming the field', async () => {
    const sale = await presaleEvent();
    await newWindow(sale, { opensAt: at(-min), closesAt: at(20 * min) });
    const overlap = await env.api.post(
      `/v1/events/${sale.eventId}/presales`,
      { name: 'Second', gate: 'allowlist', opensAt: at(10 * min), closesAt: at(30 * min) },
      opts(sale.organizer),
    );
    expect(overlap.status).toBe(409);
    expect(overlap.body).toMatchObject({ code: 'presales.windows_overlap', errors: [{ field: 'opensAt' }] });
    const late = await env.api.post(
      `/v1/events/${sale.eventId}/presales`,
      { name: 'Late', gate: 'staff', opensAt: at(30 * min), closesAt: at(90 * min) },
      opts(sale.organizer),
    );
    expect(late.status).toBe(422);
    expect(late.body).toMatchObject({ code: 'presales.after_general_sale', errors: [{ field: 'closesAt' }] });
    const backwards = await env.api.post(
      `/v1/events/${sale.eventId}/presales`,
      { name: 'Backwards', gate: 'staff', opensAt: at(40 * min), closesAt: at(30 * min) },
      opts(sale.organizer),
    );
    expect(backwards.status).toBe(422);
    expect(backwards.body.errors[0].field).toBe('closesAt');
    const badGate = await env.api.post(
      `/v1/events/${sale.eventId}/presales`,
      { name: 'Bad', gate: 'vip', opensAt: at(40 * min), closesAt: at(50 * min) },
      opts(sale.organizer),
    );
    expect(badGate.status).toBe(400);
    expect(badGate.body.errors[0].field).toBe('gate');
    const stranger = await signedIn(env, ['organizer']);
    const notYours = await env.api.post(
      `/v1/events/${sale.eventId}/presales`,
      { name: 'Mine', gate: 'staff', opensAt: at(40 * min), closesAt: at(50 * min) },
      opts(stranger),
    );
    expect(notYours.status).toBe(403);
    const count = await db().execute<{ n: number }>(
      sql`select count(*)::int as n from presale_windows where event_id = ${sale.eventId}`,
    );
    expect(count[0]!.n).toBe(1);

    // Declared in the route table, so the reference lists them.
    const doc = (await env.api.get('/v1/openapi.json')).body;
    expect(doc.paths['/v1/presales/{id}/redeem'].post).toBeDefined();
    expect(
      doc.paths['/v1/presales/{id}/codes/{codeId}/revoke'].post.parameters.map((p: { name: string }) => p.name),
    ).toEqual(expect.arrayContaining(['id', 'codeId']));
    expect(doc.paths['/v1/events/{id}/presales'].post).toBeDefined();
  });

  it('limits code guessing per account (429), and imports CSV codes all or nothing with bad lines named', async () => {
    const sale = await presaleEvent();
    const window = await newWindow(sale, {});
    const guesser = await signedIn(env);
    // A redemption needs an Idempotency-Key, and a window id that is one; neither counts as a guess.
    const noKey = await env.api.post(`/v1/presales/${window.id}/redeem`, { code: 'ABCDEF1234' }, opts(guesser, null));
    expect(noKey.status).toBe(400);
    expect(noKey.body.errors[0].field).toBe('Idempotency-Key');
    const badId = await env.api.post('/v1/presales/not-a-uuid/redeem', { code: 'ABCDEF1234' }, opts(guesser));
    expect(badId.status).toBe(400);
    expect(badId.body.errors[0].field).toBe('id');
    const unknown = await redeem('00000000-0000-4000-8000-000000000000', guesser, 'ABCDEF1234');
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('presales.window_not_found');
    // Every attempt counts: within 10 in the window (some spent above), wrong codes are 404; then 429 for good.
    const statuses: number[] = [];
    let limited;
    for (let i = 0; i < 12; i++) {
      const res = await redeem(window.id, guesser, `WRONG${String(i).padStart(5, '0')}`);
      statuses.push(res.status);
      if (res.status === 429) limited ??= res;
      else expect(res.body.code).toBe('presales.code_invalid');
    }
    const first429 = statuses.indexOf(429);
    expect(first429).toBeGreaterThanOrEqual(7);
    expect(statuses.slice(0, first429).every((x) => x === 404)).toBe(true);
    expect(statuses.slice(first429).every((x) => x === 429)).toBe(true);
    expect(limited!.body.code).toBe('rate_limited');
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await holdsOf(sale.eventId, guesser.userId)).toBe(0);

    const bad = await env.api.post(
      `/v1/presales/${window.id}/codes/import`,
      { csv: 'code,max_uses\nCLUB-0001,1\nno!,1\nCLUB-0002,zero\nclub0001,3\nCLUB-0003,5\n' },
      opts(sale.organizer),
    );
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('presales.csv_invalid');
    expect(bad.body.lines).toEqual([3, 4, 5]);
    expect(bad.body.errors.map((x: { message: string }) => x.message)).toEqual([
      expect.stringMatching(/^line 3: /),
      expect.stringMatching(/^line 4: /),
      expect.stringMatching(/^line 5: the same code as line 2/),
    ]);
    expect(await codeRows(window.id)).toHaveLength(0);

    const good = await env.api.post(
      `/v1/presales/${window.id}/codes/import`,
      { csv: 'code,max_uses\nCLUB-0001,1\nCLUB-0002\nCLUB-0003,5\n' },
      opts(sale.organizer),
    );
    expect(good.status, JSON.stringify(good.body)).toBe(201);
    expect(good.body.imported).toBe(3);
    const clash = await env.api.post(
      `/v1/presales/${window.id}/codes/import`,
      { csv: 'CLUB-0009\nclub 0003\n' },
      opts(sale.organizer),
    );
    expect(clash.status).toBe(409);
    expect(clash.body.lines).toEqual([2]);
    expect(await codeRows(window.id)).toHaveLength(3);
    expect((await codeRows(window.id)).map((r) => r.max_uses).sort()).toEqual([1, 1, 5]);

    const fan = await signedIn(env);
    expect((await redeem(window.id, fan, ' club 0003 ')).status).toBe(200);
    expect((await holdGa(sale, fan)).status).toBe(201);
  });

  it('an allow-list window lets listed accounts and confirmed addresses buy; a staff window only the event’s people', async () => {
    const sale = await presaleEvent();
    const listedById = await signedIn(env);
    const listedByEmail = await signedInVerified(env);
    const outsider = await signedIn(env);
    const email = (
      await db().execute<{ email: string }>(sql`select email from users where id = ${listedByEmail.userId}`)
    )[0]!.email;
    const window = await newWindow(sale, { gate: 'allowlist', closesAt: at(10 * min) });

    const invalid = await env.api.put(
      `/v1/presales/${window.id}/allowlist`,
      { entries: [listedById.userId, email.toUpperCase(), 'not an address', '00000000-0000-4000-8000-000000000000'] },
      opts(sale.organizer),
    );
    expect(invalid.status).toBe(400);
    expect(invalid.body.code).toBe('presales.allowlist_invalid');
    expect(invalid.body.errors.map((x: { field: string }) => x.field)).toEqual(['entries.2', 'entries.3']);
    expect((await env.api.get(`/v1/presales/${window.id}/allowlist`, opts(sale.organizer, null))).body.entries).toEqual(
      [],
    );
    const saved = await env.api.put(
      `/v1/presales/${window.id}/allowlist`,
      { entries: [listedById.userId, email.toUpperCase()] },
      opts(sale.organizer),
    );
    expect(saved.status).toBe(200);
    expect(saved.body.entries).toHaveLength(2);

    expect((await holdGa(sale, listedById)).status).toBe(201);
    expect((await holdGa(sale, listedByEmail)).status).toBe(201);
    expect((await holdGa(sale, outsider)).body.code).toBe('presales.not_eligible');
    expect(await holdsOf(sale.eventId, outsider.userId)).toBe(0);
    // Codes belong to code windows only.
    expect((await redeem(window.id, outsider, 'ABCDEF1234')).body.code).toBe('presales.wrong_gate');

    // The next window is for staff: door staff and the organizer pass, the listed fan does not.
    const staffWindow = await newWindow(sale, {
      name: 'Crew',
      gate: 'staff',
      opensAt: at(10 * min),
      closesAt: at(20 * min),
    });
    await db().execute(
      sql`update presale_windows set opens_at = now() - interval '1 minute', closes_at = now() + interval '5 minutes' where id = ${staffWindow.id}`,
    );
    await db().execute(
      sql`update presale_windows set opens_at = now() - interval '3 minutes', closes_at = now() - interval '2 minutes' where id = ${window.id}`,
    );
    const door = await signedIn(env);
    await db()
      .insert(eventStaff)
      .values({ eventId: sale.eventId, userId: door.userId, addedBy: sale.organizer.userId });
    expect((await holdGa(sale, door)).status).toBe(201);
    expect((await holdGa(sale, sale.organizer)).status).toBe(201);
    expect((await holdGa(sale, listedById)).body.code).toBe('presales.not_eligible');
    expect(await holdsOf(sale.eventId, listedById.userId)).toBe(1);
  });

  it('the per-account limit counts presale and general-sale holds together', async () => {
    const sale = await createSale(env, { gaCapacity: 20, perAccountLimit: 2 });
    await db()
      .update(onsaleSettings)
      .set({ saleStartsAt: new Date(Date.now() + 60 * min) })
      .where(eq(onsaleSettings.eventId, sale.eventId));
    const window = await newWindow(sale, { gate: 'allowlist' });
    const fan = await signedIn(env);
    await env.api.put(`/v1/presales/${window.id}/allowlist`, { entries: [fan.userId] }, opts(sale.organizer));
    expect((await holdGa(sale, fan, 2)).status).toBe(201);
    // The general sale begins: the two presale places still count.
    await db()
      .update(onsaleSettings)
      .set({ saleStartsAt: new Date(Date.now() - min) })
      .where(eq(onsaleSettings.eventId, sale.eventId));
    const more = await holdGa(sale, fan, 1);
    expect(more.status).toBe(409);
    expect(more.body.code).toBe('sales.limit_exceeded');
  });

  it('many accounts redeeming one capped code at once: exactly the cap succeed', async () => {
    const sale = await presaleEvent();
    const window = await newWindow(sale, {});
    const cap = 5;
    const made = await env.api.post(
      `/v1/presales/${window.id}/codes`,
      { count: 1, maxUses: cap },
      opts(sale.organizer),
    );
    const code = made.body.codes[0] as string;
    const fans = await Promise.all(Array.from({ length: 30 }, () => signedIn(env)));
    const answers = await Promise.all(fans.map((f) => redeem(window.id, f, code)));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(cap);
    expect(statuses.filter((s) => s === 409)).toHaveLength(fans.length - cap);
    expect(answers.filter((r) => r.status === 409).every((r) => r.body.code === 'presales.code_used_up')).toBe(true);
    const [row] = await codeRows(window.id);
    expect(row!.uses).toBe(cap);
    const bound = await db().execute<{ n: number }>(
      sql`select count(*)::int as n from presale_redemptions where window_id = ${window.id}`,
    );
    expect(bound[0]!.n).toBe(cap);
  });
});
