import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerSum } from '../../src/giftcards/giftcards.repository.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn, uniqueEmail } from '../support/fixtures.js';
import { CARDS, commerceCounts, createSale, holdDirect, idem, order, type SaleFixture } from '../support/commerce.js';

/**
 * Issue #16 rows 3 and 13: gift-card money is minted only for the issuer's own events, and a
 * gift-card Idempotency-Key reused with another request is refused, as everywhere else.
 */

let env: TestEnv;
let saleA: SaleFixture;
let saleB: SaleFixture;
let admin: { token: string; userId: string };
beforeAll(async () => {
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '100000', GIFT_CARD_LOOKUPS_PER_MINUTE: '1000' });
  saleA = await createSale(env, { seats: 0, gaCapacity: 100, priceCents: 1000, feeCents: 0 });
  saleB = await createSale(env, { seats: 0, gaCapacity: 100, priceCents: 1000, feeCents: 0 });
  admin = await signedIn(env, ['admin']);
});
afterAll(() => env?.close());

const sql = () => env.infra.database.sql;

const issue = (token: string, body: Record<string, unknown>, key = idem()) =>
  env.api.post('/v1/gift-cards', { currency: 'EUR', ...body }, { token, headers: { 'idempotency-key': key } });

const purchase = (token: string, amountCents: number, key: string) =>
  env.api.post(
    '/v1/gift-cards/purchase',
    { amountCents, currency: 'EUR', payment: { card: CARDS.ok } },
    { token, headers: { 'idempotency-key': key } },
  );

const balance = (code: string) => env.api.get(`/v1/gift-cards/balance?code=${encodeURIComponent(code)}`);

/** A fresh fan with one ticket held on `sale`, paying with `code` alone (or with a card for the rest). */
async function payWith(sale: SaleFixture, code: string, withCard = false) {
  const fan = await signedIn(env);
  const holdId = await holdDirect(env, sale, fan.userId, { quantity: 1 });
  const res = await order(env, fan.token, {
    holdId,
    payment: { ...(withCard ? { card: CARDS.ok } : {}), giftCards: [{ code }] },
  });
  return { res, holdId };
}

async function cardRow(id: string) {
  const [row] = await sql()`select scope_organizer_id, created_by, source from gift_cards where id = ${id}`;
  return row!;
}

async function expectRefusedOnOtherEvent(cardId: string, code: string, sale: SaleFixture) {
  const before = await commerceCounts(env);
  const ledgerBefore = await ledgerSum(env.infra.database.db, cardId);
  // With a card for the rest: not even the card part may go through.
  const { res, holdId } = await payWith(sale, code, true);
  expect(res.status).toBe(422);
  expect(res.body.code).toBe('giftcards.not_valid_for_event');
  expect(res.body.errors).toEqual([expect.objectContaining({ in: 'body', field: 'payment.giftCards.0.code' })]);
  expect(await commerceCounts(env)).toEqual(before);
  expect(await ledgerSum(env.infra.database.db, cardId)).toEqual(ledgerBefore);
  const [paid] = await sql()`select count(*)::int as n from payments where gift_card_id = ${cardId}`;
  expect(paid!.n).toBe(0);
  const [hold] = await sql()`select status from holds where id = ${holdId}`;
  expect(hold!.status).toBe('active');
}

describe('gift-card scope', () => {
  it("an organizer's card pays on that organizer's event; on another organizer's event it is refused and nothing moves", async () => {
    const card = await issue(saleA.organizer.token, { amountCents: 5000 });
    expect(card.status).toBe(201);
    await expectRefusedOnOtherEvent(card.body.id, card.body.code, saleB);
    expect(card.body).toMatchObject({ scope: 'organizer', organizer: { id: saleA.organizer.userId } });
    expect(await cardRow(card.body.id)).toMatchObject({ scope_organizer_id: saleA.organizer.userId });

    const own = await payWith(saleA, card.body.code);
    expect(own.res.status).toBe(201);
    expect(own.res.body).toMatchObject({ status: 'captured', giftCardCents: 1000, cardCents: 0 });
    expect(await ledgerSum(env.infra.database.db, card.body.id)).toEqual({ ledger: 4000, balance: 4000 });
  });

  it('a fan promoted to organizer cannot create platform money: their card is scoped to them and says so', async () => {
    const account = await env.api.register(uniqueEmail('promoted'), undefined, 'Ada Promoter');
    const promoted = await env.api.put(
      `/v1/users/${account.userId}/roles`,
      { roles: ['fan', 'organizer'] },
      { token: admin.token },
    );
    expect(promoted.status).toBe(200);
    const card = await issue(account.token, { amountCents: 50_000, note: 'for everyone' });
    expect(card.status).toBe(201);
    await expectRefusedOnOtherEvent(card.body.id, card.body.code, saleA);
    await expectRefusedOnOtherEvent(card.body.id, card.body.code, saleB);
    expect(card.body).toMatchObject({ scope: 'organizer', organizer: { id: account.userId, name: 'Ada Promoter' } });
    expect(await cardRow(card.body.id)).toMatchObject({ scope_organizer_id: account.userId, source: 'issued' });
    const looked = await balance(card.body.code);
    expect(looked.status).toBe(200);
    expect(looked.body).toMatchObject({
      balanceCents: 50_000,
      scope: 'organizer',
      organizer: { id: account.userId, name: 'Ada Promoter' },
    });
  });

  it("an admin's card and a card bought with money pay for any organizer's event", async () => {
    const platform = await issue(admin.token, { amountCents: 5000, note: 'goodwill' });
    expect(platform.status).toBe(201);
    expect(platform.body).toMatchObject({ scope: 'platform', organizer: null });
    expect(await cardRow(platform.body.id)).toMatchObject({ scope_organizer_id: null });
    expect((await balance(platform.body.code)).body).toMatchObject({ scope: 'platform', organizer: null });
    expect((await payWith(saleA, platform.body.code)).res.status).toBe(201);
    expect((await payWith(saleB, platform.body.code)).res.status).toBe(201);

    const fan = await signedIn(env);
    const bought = await purchase(fan.token, 2500, idem());
    expect(bought.status).toBe(201);
    expect(bought.body).toMatchObject({ source: 'purchased', scope: 'platform', organizer: null });
    expect(await cardRow(bought.body.id)).toMatchObject({ scope_organizer_id: null });
    expect((await payWith(saleA, bought.body.code)).res.status).toBe(201);
    expect((await payWith(saleB, bought.body.code)).res.status).toBe(201);
    expect(await ledgerSum(env.infra.database.db, bought.body.id)).toEqual({ ledger: 500, balance: 500 });
  });
});

describe('issuance audit', () => {
  it('each issuance is listed to its issuer and to admins, never to other organizers or fans', async () => {
    const issuer = await signedIn(env, ['organizer']);
    const other = await signedIn(env, ['organizer']);
    const mine: string[] = [];
    for (const [i, amountCents] of [1000, 2000, 3000].entries())
      mine.push((await issue(issuer.token, { amountCents, note: `prize ${i}` })).body.id);
    const theirs = (await issue(other.token, { amountCents: 4000 })).body.id;
    const platform = (await issue(admin.token, { amountCents: 1500 })).body.id;
    const bought = (await purchase((await signedIn(env)).token, 2500, idem())).body.id;

    const fan = await signedIn(env);
    const refused = await env.api.get('/v1/gift-cards/issued', { token: fan.token });
    expect(refused.status).toBe(403);
    expect((await env.api.get('/v1/gift-cards/issued')).status).toBe(401);

    // Newest first, two per page.
    const first = await env.api.get('/v1/gift-cards/issued?limit=2', { token: issuer.token });
    expect(first.status).toBe(200);
    expect(first.body.items.map((c: any) => c.id)).toEqual([mine[2], mine[1]]);
    expect(first.body.items[0]).toMatchObject({
      codeLast4: expect.any(String),
      currency: 'EUR',
      initialCents: 3000,
      balanceCents: 3000,
      source: 'issued',
      note: 'prize 2',
      scope: 'organizer',
      organizer: { id: issuer.userId },
      issuer: { id: issuer.userId },
      createdAt: expect.any(String),
    });
    expect(first.body.items[0]).not.toHaveProperty('code');
    const second = await env.api.get(`/v1/gift-cards/issued?limit=2&cursor=${first.body.nextCursor}`, {
      token: issuer.token,
    });
    expect(second.body.items.map((c: any) => c.id)).toEqual([mine[0]]);
    expect(second.body.nextCursor).toBeNull();

    const otherList = await env.api.get('/v1/gift-cards/issued?limit=100', { token: other.token });
    expect(otherList.body.items.map((c: any) => c.id)).toEqual([theirs]);

    const all: any[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await env.api.get(`/v1/gift-cards/issued?limit=3${cursor ? `&cursor=${cursor}` : ''}`, {
        token: admin.token,
      });
      expect(page.status).toBe(200);
      all.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    const ids = all.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining([...mine, theirs, platform]));
    expect(ids).not.toContain(bought);
    const [{ n }] = (await sql()`select count(*)::int as n from gift_cards where source = 'issued'`) as any[];
    expect(ids).toHaveLength(n);
    expect(all.find((c) => c.id === platform)).toMatchObject({
      scope: 'platform',
      organizer: null,
      issuer: { id: admin.userId },
    });

    const bad = await env.api.get('/v1/gift-cards/issued?cursor=bm90LWEtY3Vyc29y', { token: admin.token });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('giftcards.bad_cursor');
  });
});

describe('gift-card Idempotency-Key', () => {
  const cardCounts = async () => {
    const [row] = await sql()`select (select count(*)::int from gift_cards) as cards,
      (select count(*)::int from gift_card_ledger) as ledger,
      (select count(*)::int from payments) as payments,
      (select count(*)::int from sandbox_payment_intents) as intents`;
    return row!;
  };

  it('issuing with a reused key: the same body replays without the code (200), another body is refused (422) and creates nothing', async () => {
    const organizer = saleA.organizer;
    const key = idem();
    const first = await issue(organizer.token, { amountCents: 1000, note: 'raffle' }, key);
    expect(first.status).toBe(201);
    const after = await cardCounts();

    const other = await issue(organizer.token, { amountCents: 50_000, note: 'raffle' }, key);
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('idempotency.key_reused');
    expect(other.body.errors).toEqual([expect.objectContaining({ in: 'header', field: 'Idempotency-Key' })]);
    expect(await cardCounts()).toEqual(after);

    const replay = await issue(organizer.token, { amountCents: 1000, note: 'raffle' }, key);
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ id: first.body.id, code: null, balanceCents: 1000, scope: 'organizer' });
    expect(await cardCounts()).toEqual(after);

    // The same key on the other gift-card route is another request too.
    const bought = await purchase(organizer.token, 1000, key);
    expect(bought.status).toBe(422);
    expect(bought.body.code).toBe('idempotency.key_reused');
    expect(await cardCounts()).toEqual(after);
  });

  it('buying with a reused key: another body is refused before any authorization; the same body replays', async () => {
    const fan = await signedIn(env);
    const key = idem();
    const first = await purchase(fan.token, 2500, key);
    expect(first.status).toBe(201);
    const after = await cardCounts();

    const other = await purchase(fan.token, 5000, key);
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('idempotency.key_reused');
    expect(other.body.errors).toEqual([expect.objectContaining({ in: 'header', field: 'Idempotency-Key' })]);
    // No card, no payment, and no second authorization at the sandbox processor.
    expect(await cardCounts()).toEqual(after);

    const replay = await purchase(fan.token, 2500, key);
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ id: first.body.id, code: null, balanceCents: 2500 });
    expect(await cardCounts()).toEqual(after);
    const [intent] = await sql()`select amount_cents, amount_captured_cents from sandbox_payment_intents
      where metadata->>'userId' = ${fan.userId}`;
    expect(intent).toEqual({ amount_cents: 2500, amount_captured_cents: 2500 });
  });

  it('racing purchases under one key with two bodies: one card, charged exactly its amount; the other body is refused and voided', async () => {
    const fan = await signedIn(env);
    const key = idem();
    const amounts = [2500, 3000, 2500, 3000, 2500, 3000];
    const results = await Promise.all(amounts.map((a) => purchase(fan.token, a, key)));

    const created = results.filter((r) => r.status === 201);
    expect(created).toHaveLength(1);
    const winner = created[0]!.body.initialCents as number;
    results.forEach((r, i) => {
      if (r.status === 201) return;
      if (amounts[i] === winner) expect([r.status, r.body.id, r.body.code]).toEqual([200, created[0]!.body.id, null]);
      else expect([r.status, r.body.code]).toEqual([422, 'idempotency.key_reused']);
    });

    const cards = await sql()`select id, initial_cents from gift_cards where created_by = ${fan.userId}`;
    expect(cards).toEqual([{ id: created[0]!.body.id, initial_cents: winner }]);
    const payments = await sql()`select amount_cents, status from payments where user_id = ${fan.userId}`;
    expect(payments).toEqual([{ amount_cents: winner, status: 'captured' }]);
    // Whatever the losers authorized is voided; the one capture is the card's amount.
    const intents = await sql()`select amount_cents, amount_captured_cents, status from sandbox_payment_intents
      where metadata->>'userId' = ${fan.userId} order by amount_captured_cents desc`;
    expect(intents[0]).toEqual({ amount_cents: winner, amount_captured_cents: winner, status: 'succeeded' });
    for (const other of intents.slice(1)) expect(other).toMatchObject({ amount_captured_cents: 0, status: 'canceled' });
  });
});
