import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { mailTime } from '../../src/shared/zoned-time.js';
import { createSale } from '../support/commerce.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn, uniqueEmail } from '../support/fixtures.js';
import { mailText, transferToken, verificationToken } from '../support/mail.js';
import { buySeats, listenAs, until } from '../support/tickets-fixtures.js';

/**
 * "This wasn't me" (issue #16, the verification-mail gap): someone registers an account with
 * my address; the verification mail comes to me. The mail and its page say whose account it
 * is, and instead of confirming it (which would hand that account my address, and the tickets
 * sent to it) I release my address from it. Everything here goes through the HTTP API and
 * socket.io, as the two people would.
 */

let env: TestEnv;
const sockets: Socket[] = [];
beforeAll(async () => {
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '100000' });
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await env?.close();
});

const sql = () => env.infra.database.sql;
const decline = (token: string) => env.api.post('/v1/auth/verify-email/decline', { token });
const confirm = (token: string) => env.api.post('/v1/auth/verify-email', { token });
const whose = (token: string) => env.api.post('/v1/auth/verify-email/account', { token });

/** Someone registers with `address` (they know the password; the mailbox is not theirs). */
async function squat(address: string, name = 'Not You') {
  const res = await env.api.post('/v1/auth/register', {
    email: address,
    password: 'squatter passphrase',
    displayName: name,
  });
  expect(res.status).toBe(201);
  return { token: res.body.token as string, userId: res.body.user.id as string };
}

/** The account row and what hangs off it: what a refused request must leave as it was. */
async function accountState(userId: string) {
  const db = sql();
  return {
    user: await db`select email, email_verified_at, updated_at from users where id = ${userId}`,
    sessions: await db`select id from sessions where user_id = ${userId} order by id`,
    tokens: await db`select token_hash, used_at from email_verifications where user_id = ${userId} order by token_hash`,
    receipts: await db`select kind from timeline_entries where user_id = ${userId} order by seq`,
  };
}

describe('the verification mail and its account', () => {
  it('says whose account it is and how to decline it', async () => {
    const address = uniqueEmail('mailbox');
    const squatter = await squat(address, 'Mallory Mallet');
    const text = await mailText(env, 'auth.verify_email', address);
    const createdAt = (await sql()`select created_at from users where id = ${squatter.userId}`)[0]!.created_at;
    expect(text).toContain('Mallory Mallet');
    // The creation time in words, in UTC and saying so (no zone is known for the reader).
    expect(text).toContain(`created: ${mailTime(new Date(createdAt as string), 'UTC')}`);
    expect(text).toContain("If you did not create this account, choose 'This wasn't me'");

    const token = await verificationToken(env, squatter.userId);
    const account = await whose(token);
    expect(account.status).toBe(200);
    expect(account.body).toEqual({
      email: address,
      displayName: 'Mallory Mallet',
      createdAt: new Date(createdAt as string).toISOString(),
      emailVerified: false,
    });
    // Looking is not confirming.
    expect((await sql()`select email_verified_at from users where id = ${squatter.userId}`)[0]!.email_verified_at).toBe(
      null,
    );
    const unknown = await whose('fdv_not-a-token-at-all');
    expect(unknown.status).toBe(400);
    expect(unknown.body.code).toBe('auth.verification_invalid');
  });
});

describe("declining someone else's account", () => {
  it('frees my address: their sessions and sockets end, a receipt records it, and I can claim and register with it', async () => {
    const address = uniqueEmail('owner');
    const squatter = await squat(address);
    const heard = await listenAs(env, squatter.token, sockets);
    const socket = sockets.at(-1)!;
    expect(socket.connected).toBe(true);

    // A friend sends me a ticket while their account holds my address: I cannot claim it yet.
    const sale = await createSale(env, { seats: 2 });
    const friend = await signedIn(env);
    const { ticketIds } = await buySeats(env, sale, friend, 1);
    const sent = await env.api.post(
      `/v1/tickets/${ticketIds[0]}/transfers`,
      { toEmail: address },
      { token: friend.token },
    );
    expect(sent.status).toBe(201);
    const invitation = await transferToken(env, sent.body.id);
    const claim = () =>
      env.api.post(`/v1/transfers/${sent.body.id}/claim`, {
        token: invitation,
        password: 'my own passphrase',
        displayName: 'The Owner',
      });
    expect((await claim()).body.code).toBe('transfers.account_exists');

    const released = await decline(await verificationToken(env, squatter.userId));
    expect(released.status).toBe(200);
    expect(released.body).toEqual({ email: address });

    const after = await accountState(squatter.userId);
    expect(after.user).toEqual([
      expect.objectContaining({ email: `released.${squatter.userId}@fairdrop.invalid`, email_verified_at: null }),
    ]);
    expect(after.sessions).toEqual([]);
    expect(after.tokens.every((t) => t.used_at !== null)).toBe(true);
    expect(after.receipts.map((r) => r.kind)).toEqual(['account.email_released']);
    const me = await env.api.get('/v1/me', { token: squatter.token });
    expect(me.status).toBe(401);
    expect(me.body.code).toBe('auth.session_invalid');
    await until(() => !socket.connected);
    expect(heard).toEqual([]);
    // Their pending offers to my address are no longer theirs to see.
    const relogin = await env.api.post('/v1/auth/login', { email: address, password: 'squatter passphrase' });
    expect(relogin.body.code).toBe('auth.invalid_credentials');

    // The address is mine: the ticket sent to it is claimed by an account I create from the invitation.
    const claimed = await claim();
    expect(claimed.status).toBe(201);
    expect(claimed.body.transfer).toMatchObject({ status: 'accepted' });
    const [ticket] = await sql()`select holder_id from tickets where id = ${ticketIds[0]!}`;
    expect(ticket!.holder_id).toBe(claimed.body.userId);
    expect(claimed.body.userId).not.toBe(squatter.userId);
  });

  it('frees the address for registering again', async () => {
    const address = uniqueEmail('again');
    const squatter = await squat(address);
    expect(
      (await env.api.post('/v1/auth/register', { email: address, password: 'my own passphrase', displayName: 'Me' }))
        .body.code,
    ).toBe('auth.email_taken');
    expect((await decline(await verificationToken(env, squatter.userId))).status).toBe(200);
    const mine = await env.api.post('/v1/auth/register', {
      email: address,
      password: 'my own passphrase',
      displayName: 'Me',
    });
    expect(mine.status).toBe(201);
    expect(mine.body.user.id).not.toBe(squatter.userId);
  });

  it('is refused for an account that has confirmed the address, and changes nothing', async () => {
    const owner = await signedIn(env);
    const first = await verificationToken(env, owner.userId);
    expect((await env.api.post('/v1/auth/resend-verification', undefined, { token: owner.token })).status).toBe(202);
    const second = await verificationToken(env, owner.userId);
    expect(second).not.toBe(first);
    expect((await confirm(first)).status).toBe(200);
    const before = await accountState(owner.userId);

    const refused = await decline(second);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('auth.already_verified');
    expect(await accountState(owner.userId)).toEqual(before);
    expect((await env.api.get('/v1/me', { token: owner.token })).status).toBe(200);
  });

  it('takes a live token once: a used, unknown or retired one is refused and changes nothing', async () => {
    const address = uniqueEmail('once');
    const squatter = await squat(address);
    const first = await verificationToken(env, squatter.userId);
    expect((await env.api.post('/v1/auth/resend-verification', undefined, { token: squatter.token })).status).toBe(202);
    const second = await verificationToken(env, squatter.userId);

    expect((await decline(first)).status).toBe(200);
    const after = await accountState(squatter.userId);
    for (const res of [
      await decline(first),
      await decline(second),
      await confirm(second),
      await decline('fdv_unknown-token'),
    ]) {
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('auth.verification_invalid');
    }
    // The other link the squatter asked for can no longer confirm the account.
    expect(await accountState(squatter.userId)).toEqual(after);
  });

  it('races a confirmation with another link of the same account: one wins, never a confirmed placeholder', async () => {
    const outcomes = { confirmed: 0, released: 0 };
    for (let i = 0; i < 12; i++) {
      const address = uniqueEmail(`race${i}`);
      const squatter = await squat(address);
      const a = await verificationToken(env, squatter.userId);
      await env.api.post('/v1/auth/resend-verification', undefined, { token: squatter.token });
      const b = await verificationToken(env, squatter.userId);
      const [confirmed, declined] = await Promise.all([confirm(a), decline(b)]);
      const [row] = await sql()`select email, email_verified_at from users where id = ${squatter.userId}`;
      if (declined.status === 200) {
        outcomes.released += 1;
        expect(confirmed.body.code).toBe('auth.verification_invalid');
        expect(row).toEqual({ email: `released.${squatter.userId}@fairdrop.invalid`, email_verified_at: null });
      } else {
        outcomes.confirmed += 1;
        expect(confirmed.status).toBe(200);
        expect(declined.body.code).toBe('auth.already_verified');
        expect(row!.email).toBe(address);
        expect(row!.email_verified_at).not.toBe(null);
      }
    }
    expect(outcomes.confirmed + outcomes.released).toBe(12);
  });
});
