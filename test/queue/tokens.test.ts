import { afterAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../queue/tokens.js';
import { accounts, createRoomEnv, joinAll, newEventId } from './support.js';

const env = createRoomEnv();
afterAll(() => env.close());
const { room } = env;

async function admitted(n: number, tokenTtlMs = 60_000) {
  const ev = newEventId();
  await room.open(ev, { tokenTtlMs });
  await joinAll(room, ev, accounts(n, 'fan'));
  await room.draw(ev);
  const { admitted: list } = await room.admit(ev, n);
  return { ev, list };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('purchase tokens', () => {
  it('are random, stored only as a hash, and shown again to their owner', async () => {
    const { ev, list } = await admitted(3);
    const [a] = list;
    expect(a!.token).toMatch(/^pt_[\w-]{43}$/);
    const stored = await env.redis.hgetall(env.keys.queue(ev).tokens);
    expect(Object.keys(stored)).toContain(hashToken(a!.token));
    const dump = JSON.stringify([stored, await env.redis.hgetall(env.keys.queue(ev).grants)]);
    for (const t of list) expect(dump).not.toContain(t.token.slice(3));
    expect(await room.fanState(ev, a!.accountId)).toMatchObject({
      status: 'admitted',
      token: a!.token,
      tokenExpiresAt: a!.expiresAt,
    });
  });

  it('are single use', async () => {
    const { ev, list } = await admitted(2);
    const [a] = list;
    await expect(room.claim(ev, a!.token, a!.accountId)).resolves.toEqual({
      entryId: a!.entryId,
      expiresAt: a!.expiresAt,
    });
    await expect(room.claim(ev, a!.token, a!.accountId)).rejects.toMatchObject({
      code: 'queue.token_used',
    });
    expect(await room.fanState(ev, a!.accountId)).toMatchObject({ status: 'purchasing' });
  });

  it('let exactly one of many simultaneous claims through', async () => {
    const { ev, list } = await admitted(1);
    const [a] = list;
    const other = env.second();
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => (i % 2 ? other : room).claim(ev, a!.token, a!.accountId)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'queue.token_used' });
  });

  it("refuse another account's token without saying more", async () => {
    const { ev, list } = await admitted(2);
    const [a, b] = list;
    await expect(room.claim(ev, a!.token, b!.accountId)).rejects.toMatchObject({
      code: 'queue.token_wrong_account',
    });
    // Even once used, another account learns only that it is not theirs.
    await room.claim(ev, a!.token, a!.accountId);
    await expect(room.claim(ev, a!.token, b!.accountId)).rejects.toMatchObject({ code: 'queue.token_wrong_account' });
    await expect(room.release(ev, a!.token, b!.accountId)).rejects.toMatchObject({ code: 'queue.token_wrong_account' });
  });

  it('are bound to their event and refuse junk', async () => {
    const first = await admitted(1);
    const second = await admitted(1);
    const t = first.list[0]!;
    await expect(room.claim(second.ev, t.token, t.accountId)).rejects.toMatchObject({
      code: 'queue.token_invalid',
    });
    await expect(room.claim(first.ev, 'pt_nope', t.accountId)).rejects.toMatchObject({ code: 'queue.token_invalid' });
    await expect(room.claim(first.ev, `pt_${'A'.repeat(43)}`, t.accountId)).rejects.toMatchObject({
      code: 'queue.token_invalid',
    });
  });

  it('expire after their TTL', async () => {
    const { ev, list } = await admitted(2, 120);
    await sleep(200);
    await expect(room.claim(ev, list[0]!.token, list[0]!.accountId)).rejects.toMatchObject({
      code: 'queue.token_expired',
    });
    await expect(room.claim(ev, list[0]!.token, list[0]!.accountId)).rejects.toMatchObject({
      code: 'queue.token_expired',
    });
    expect(await room.fanState(ev, list[1]!.accountId)).toMatchObject({ status: 'expired' });
    expect(await room.stats(ev)).toMatchObject({ expiredTokens: 2, outstandingTokens: 0 });
  });

  it('can be released after a failed hold and claimed again, until the original expiry only', async () => {
    const { ev, list } = await admitted(1, 400);
    const [a] = list;
    await room.claim(ev, a!.token, a!.accountId);
    expect((await room.stats(ev)).outstandingTokens).toBe(1); // still counted while its hold commits
    await expect(room.release(ev, a!.token, a!.accountId)).resolves.toEqual({
      entryId: a!.entryId,
      expiresAt: a!.expiresAt,
    });
    expect(await room.stats(ev)).toMatchObject({ outstandingTokens: 1, claimedTokens: 0 });
    await expect(room.release(ev, a!.token, a!.accountId)).rejects.toMatchObject({
      code: 'queue.token_not_claimed',
    });
    await room.claim(ev, a!.token, a!.accountId);
    await sleep(Math.max(0, a!.expiresAt - Date.now()) + 100);
    // The second hold failed too, but the token's time is up: it does not come back.
    await expect(room.release(ev, a!.token, a!.accountId)).rejects.toMatchObject({
      code: 'queue.token_expired',
    });
    await expect(room.claim(ev, a!.token, a!.accountId)).rejects.toMatchObject({ code: 'queue.token_expired' });
    expect(await room.stats(ev)).toMatchObject({ expiredTokens: 1, claimedTokens: 0, outstandingTokens: 0 });
  });

  it('released after a hold found nothing left, stay usable but stop reserving seats', async () => {
    const { ev, list } = await admitted(2);
    const [a] = list;
    await room.claim(ev, a!.token, a!.accountId);
    await room.release(ev, a!.token, a!.accountId, { keepShare: false });
    expect(await room.stats(ev)).toMatchObject({ outstandingTokens: 1, claimedTokens: 0 }); // b's alone
    expect(await room.fanState(ev, a!.accountId)).toMatchObject({ status: 'admitted', token: a!.token });
    await expect(room.claim(ev, a!.token, a!.accountId)).resolves.toEqual({
      entryId: a!.entryId,
      expiresAt: a!.expiresAt,
    });
    await room.release(ev, a!.token, a!.accountId);
    expect(await room.stats(ev)).toMatchObject({ outstandingTokens: 2 }); // a fixable refusal keeps the share
  });

  it('cannot be claimed once the room is closed', async () => {
    const { ev, list } = await admitted(1);
    await room.close(ev);
    await expect(room.claim(ev, list[0]!.token, list[0]!.accountId)).rejects.toMatchObject({
      code: 'queue.closed',
    });
  });
});
