import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Infra } from '../../src/infra/types.js';
import type { ClientToServerEvents, ServerToClientEvents } from '../../src/realtime/events.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { hashSecret } from '../../src/shared/tokens.js';
import { ApiClient } from '../support/api.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { uniqueEmail } from '../support/fixtures.js';
import { mailText } from '../support/mail.js';
import { queueSocket, waitUntil, type QueueClient } from '../support/waitingroom.js';

/**
 * Issue #19, part 5: getting back into an account, through HTTP against Postgres and Redis.
 * Mails are read from the outbox as their recipient would read them (test/support/mail.ts).
 * The app trusts X-Forwarded-For from loopback here, so each request can come from the client
 * address the test names; a second node with a low per-IP limit shows that limit.
 */

type RootClient = Socket<ServerToClientEvents, ClientToServerEvents>;

const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'a brand new passphrase';
const STRICT_IP_LIMIT = 3;

let env: TestEnv;
let strictNode: RunningServer;
let strictApi: ApiClient;
const sockets: (RootClient | QueueClient)[] = [];

beforeAll(async () => {
  env = await createTestEnv({ TRUST_PROXY: 'loopback', AUTH_LIMIT_PER_IP: '100000' });
  const infra: Infra = {
    ...env.infra,
    config: { ...env.infra.config, NODE_ID: 'strict', AUTH_LIMIT_PER_IP: STRICT_IP_LIMIT },
  };
  strictNode = await startServer(infra);
  strictApi = new ApiClient(`http://127.0.0.1:${strictNode.port}`);
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await strictNode?.close();
  await env?.close();
});

const sql = () => env.infra.database.sql;
let ipCounter = 0;
/** A client address of its own, so per-IP limits of one test do not reach another. */
const freshIp = () => ({ headers: { 'x-forwarded-for': `198.51.100.${++ipCounter}` } });
const withKey = (key: string) => ({ headers: { 'idempotency-key': key, ...freshIp().headers } });

const askReset = (email: string, api = env.api, options = freshIp()) =>
  api.post('/v1/auth/password-reset', { email }, options);
const confirmReset = (token: string, password = NEW_PASSWORD) =>
  env.api.post('/v1/auth/password-reset/confirm', { token, password }, freshIp());
const login = (email: string, password: string) => env.api.post('/v1/auth/login', { email, password }, freshIp());

/** The token of the link in the newest mail of a kind to an address. */
async function mailedToken(kind: string, to: string): Promise<string> {
  const token = /#token=([\w-]+)/.exec(await mailText(env, kind, to))?.[1];
  if (!token) throw new Error(`no link in the ${kind} mail to ${to}`);
  return token;
}

async function account(email = uniqueEmail('recover')) {
  const { token, userId } = await env.api.register(email, PASSWORD);
  return { email, token, userId };
}

const accountRow = async (userId: string) =>
  (await sql()`select email, password_hash, email_verified_at from users where id = ${userId}`)[0]!;
const sessionCount = async (userId: string) =>
  Number((await sql()`select count(*)::int as n from sessions where user_id = ${userId}`)[0]!.n);
const mailCount = async (to: string) =>
  Number((await sql()`select count(*)::int as n from notification_outbox where recipient = ${to}`)[0]!.n);

function rootSocket(token: string): Promise<RootClient> {
  const socket: RootClient = connect(`http://127.0.0.1:${env.server.port}`, {
    transports: ['websocket'],
    auth: { token },
    reconnection: false,
    forceNew: true,
  });
  sockets.push(socket);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

describe('password reset by email', () => {
  it('mails a link that sets a new password once; every session ends, its sockets too; the old password stops working', async () => {
    const fan = await account();
    const laptop = await login(fan.email, PASSWORD);
    expect(laptop.status).toBe(200);
    const open = [
      await rootSocket(fan.token),
      await rootSocket(laptop.body.token),
      await queueSocket(env.server.port, fan.token, sockets),
    ];
    const before = await accountRow(fan.userId);

    const asked = await askReset(fan.email.toUpperCase());
    expect(asked.status).toBe(202);
    const text = await mailText(env, 'auth.password_reset', fan.email);
    expect(text).toMatch(/\bhttps?:\/\/\S+\/reset-password\.html#token=fdr_/);
    expect(text).toMatch(/30 minutes/);
    const token = await mailedToken('auth.password_reset', fan.email);
    // Nothing changed by asking: the old password still signs in.
    expect((await login(fan.email, PASSWORD)).status).toBe(200);

    const done = await confirmReset(token);
    expect(done.status).toBe(200);
    expect(done.body).toEqual({ email: fan.email, sessionsEnded: 3 });

    // Every session is gone, in Postgres and for requests and sockets on the node.
    expect(await sessionCount(fan.userId)).toBe(0);
    for (const bearer of [fan.token, laptop.body.token]) {
      const me = await env.api.get('/v1/me', { token: bearer });
      expect(me.status).toBe(401);
      expect(me.body.code).toBe('auth.session_invalid');
    }
    await waitUntil(() => open.every((s) => !s.connected), 5_000, 'the sockets of the ended sessions to close');

    const after = await accountRow(fan.userId);
    expect(after.password_hash).not.toBe(before.password_hash);
    // The link proved the mailbox.
    expect(after.email_verified_at).not.toBe(null);
    expect((await login(fan.email, PASSWORD)).status).toBe(401);
    expect((await login(fan.email, NEW_PASSWORD)).status).toBe(200);
    expect(await mailText(env, 'auth.password_changed', fan.email)).toMatch(/every device was signed out/);
    const receipts =
      await sql()`select data from timeline_entries where user_id = ${fan.userId} and kind = 'account.password_reset'`;
    expect(receipts.map((r) => r.data)).toEqual([{ sessionsEnded: 3 }]);

    // The link is spent: a second use is refused, naming the token.
    const again = await confirmReset(token, 'yet another passphrase');
    expect(again.status).toBe(400);
    expect(again.contentType).toMatch(/application\/problem\+json/);
    expect(again.body.code).toBe('auth.reset_link_invalid');
    expect(again.body.errors).toEqual([expect.objectContaining({ in: 'body', field: 'token' })]);
    expect((await login(fan.email, NEW_PASSWORD)).status).toBe(200);
  });

  it('answers an address with no account exactly as one with an account, doing the same writes', async () => {
    const fan = await account();
    const nobody = uniqueEmail('nobody');
    const resetsBefore = Number((await sql()`select count(*)::int as n from password_resets`)[0]!.n);

    const known = await askReset(fan.email);
    const unknown = await askReset(nobody);
    for (const res of [known, unknown]) {
      expect(res.status).toBe(202);
      expect(res.body).toBe(undefined);
    }
    const shape = (h: Headers) =>
      [...h.keys()].filter((k) => !['date', 'x-request-id', 'ratelimit-reset'].includes(k)).sort();
    expect(shape(unknown.headers)).toEqual(shape(known.headers));

    // One link row each (none for a stranger's address is usable) and one mail each.
    const rows = await sql()`select user_id from password_resets order by created_at desc limit 2`;
    expect(Number((await sql()`select count(*)::int as n from password_resets`)[0]!.n)).toBe(resetsBefore + 2);
    expect(rows.map((r) => r.user_id).sort()).toEqual([fan.userId, null].sort());
    expect(await mailCount(nobody)).toBe(1);
    expect(await mailText(env, 'auth.password_reset_no_account', nobody)).toMatch(/no Fairdrop account uses it/);
    expect(await mailText(env, 'auth.password_reset_no_account', nobody)).not.toMatch(/token=/);
  });

  it('refuses an expired link, an unknown one and a malformed body with a problem naming the field', async () => {
    const fan = await account();
    await askReset(fan.email);
    const token = await mailedToken('auth.password_reset', fan.email);
    await sql()`update password_resets set expires_at = now() - interval '1 second' where token_hash = ${hashSecret(token)}`;
    const expired = await confirmReset(token);
    expect(expired.status).toBe(400);
    expect(expired.body.code).toBe('auth.reset_link_invalid');
    expect(expired.body.errors[0].field).toBe('token');
    expect(await sessionCount(fan.userId)).toBe(1);

    const unknown = await confirmReset('fdr_not-a-token-anyone-was-sent');
    expect(unknown.status).toBe(400);
    expect(unknown.body.code).toBe('auth.reset_link_invalid');

    await askReset(fan.email);
    const fresh = await mailedToken('auth.password_reset', fan.email);
    const short = await confirmReset(fresh, 'short');
    expect(short.status).toBe(400);
    expect(short.body.code).toBe('request.invalid');
    expect(short.body.errors).toEqual([expect.objectContaining({ field: 'password' })]);
    const noEmail = await env.api.post('/v1/auth/password-reset', { email: 'not an address' }, freshIp());
    expect(noEmail.status).toBe(400);
    expect(noEmail.body.errors).toEqual([expect.objectContaining({ field: 'email' })]);
    // The short password spent nothing: the link still works.
    expect((await confirmReset(fresh)).status).toBe(200);
  });

  it('a newer reset, or a used one, kills every other open link of the account', async () => {
    const fan = await account();
    await askReset(fan.email);
    const first = await mailedToken('auth.password_reset', fan.email);
    await askReset(fan.email);
    const second = await mailedToken('auth.password_reset', fan.email);
    expect(second).not.toBe(first);
    expect((await confirmReset(second)).status).toBe(200);
    expect((await confirmReset(first)).body.code).toBe('auth.reset_link_invalid');
  });

  it('two uses of one link at once: one sets the password, the other is refused', async () => {
    const fan = await account();
    await askReset(fan.email);
    const token = await mailedToken('auth.password_reset', fan.email);
    const answers = await Promise.all([
      confirmReset(token, 'first racing passphrase'),
      confirmReset(token, 'second racing passphrase'),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 400]);
    const winner = answers[0]!.status === 200 ? 'first racing passphrase' : 'second racing passphrase';
    const loser = winner.startsWith('first') ? 'second racing passphrase' : 'first racing passphrase';
    expect((await login(fan.email, winner)).status).toBe(200);
    expect((await login(fan.email, loser)).status).toBe(401);
    const receipts =
      await sql()`select 1 from timeline_entries where user_id = ${fan.userId} and kind = 'account.password_reset'`;
    expect(receipts).toHaveLength(1);
  });

  it('limits reset mails per address, account or not, and per IP address', async () => {
    const fan = await account();
    const nobody = uniqueEmail('nobody');
    for (const email of [fan.email, nobody]) {
      for (let i = 0; i < 5; i++) expect((await askReset(email)).status).toBe(202);
      const sixth = await askReset(email);
      expect(sixth.status).toBe(429);
      expect(sixth.body.code).toBe('rate_limited');
      expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(await mailCount(fan.email)).toBe(6); // the verification mail and five reset mails
    expect(await mailCount(nobody)).toBe(5);

    const ip = freshIp();
    for (let i = 0; i < STRICT_IP_LIMIT; i++) expect((await askReset(uniqueEmail(), strictApi, ip)).status).toBe(202);
    const over = await askReset(uniqueEmail(), strictApi, ip);
    expect(over.status).toBe(429);
    expect(over.body.code).toBe('rate_limited');
    expect((await askReset(uniqueEmail(), strictApi, freshIp())).status).toBe(202);
  });

  it('replays an answer under the same Idempotency-Key without mailing twice', async () => {
    const fan = await account();
    const key = crypto.randomUUID();
    const first = await env.api.post('/v1/auth/password-reset', { email: fan.email }, withKey(key));
    const again = await env.api.post('/v1/auth/password-reset', { email: fan.email }, withKey(key));
    expect([first.status, again.status]).toEqual([202, 202]);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await mailCount(fan.email)).toBe(2); // the verification mail and one reset mail
  });

  it('keeps no link readable at rest: only its hash, and the mail sealed', async () => {
    const fan = await account();
    await askReset(fan.email);
    const token = await mailedToken('auth.password_reset', fan.email);
    const hits = await sql()`
      select 'password_resets' as place from password_resets where token_hash = ${token}
      union all select 'outbox' from notification_outbox
        where body like ${`%${token}%`} or payload::text like ${`%${token}%`} or sealed like ${`%${token}%`}`;
    expect(hits).toEqual([]);
    expect(await sql()`select 1 from password_resets where token_hash = ${hashSecret(token)}`).toHaveLength(1);
  });
});

describe('change of address, confirmed at the new address', () => {
  const askChange = (token: string, email: string, password = PASSWORD) =>
    env.api.post('/v1/me/email', { email, password }, { token });
  const confirmChange = (token: string) => env.api.post('/v1/auth/email-change/confirm', { token }, freshIp());

  it('mails the new address a link and the old one a notice; the address changes only when confirmed, and sessions see it', async () => {
    const fan = await account();
    const socket = await rootSocket(fan.token);
    const next = uniqueEmail('moved');
    const asked = await askChange(fan.token, next.toUpperCase());
    expect(asked.status).toBe(202);
    const notice = await mailText(env, 'auth.email_change_notice', fan.email);
    expect(notice).toContain(`m•••@example.test`);
    expect(notice).not.toContain(next);
    expect(notice).not.toMatch(/token=/);
    const token = await mailedToken('auth.email_change_confirm', next);

    // Not yet: the account keeps its address until the new mailbox confirms.
    expect((await accountRow(fan.userId)).email).toBe(fan.email);
    expect((await env.api.get('/v1/me', { token: fan.token })).body.email).toBe(fan.email);

    const done = await confirmChange(token);
    expect(done.status).toBe(200);
    expect(done.body).toEqual({ email: next });
    const row = await accountRow(fan.userId);
    expect(row.email).toBe(next);
    expect(row.email_verified_at).not.toBe(null);
    // The same session now reads the new, confirmed address; its socket reconnects with it.
    const me = await env.api.get('/v1/me', { token: fan.token });
    expect(me.body).toMatchObject({ email: next, emailVerified: true });
    await waitUntil(() => !socket.connected, 5_000, 'the account’s socket to be asked to reconnect');
    expect((await login(next, PASSWORD)).status).toBe(200);
    expect((await login(fan.email, PASSWORD)).status).toBe(401);
    const receipts =
      await sql()`select 1 from timeline_entries where user_id = ${fan.userId} and kind = 'account.email_changed'`;
    expect(receipts).toHaveLength(1);

    expect((await confirmChange(token)).body.code).toBe('auth.email_change_invalid');
  });

  it('kills the reset links mailed to the old address once the new one is confirmed', async () => {
    const fan = await account();
    await askReset(fan.email);
    const reset = await mailedToken('auth.password_reset', fan.email);
    const next = uniqueEmail('moved');
    await askChange(fan.token, next);
    expect((await confirmChange(await mailedToken('auth.email_change_confirm', next))).status).toBe(200);
    expect((await confirmReset(reset)).body.code).toBe('auth.reset_link_invalid');
  });

  it('a password reset cancels a pending change of address', async () => {
    const fan = await account();
    const next = uniqueEmail('thief');
    await askChange(fan.token, next);
    const change = await mailedToken('auth.email_change_confirm', next);
    await askReset(fan.email);
    expect((await confirmReset(await mailedToken('auth.password_reset', fan.email))).status).toBe(200);
    expect((await confirmChange(change)).body.code).toBe('auth.email_change_invalid');
    expect((await accountRow(fan.userId)).email).toBe(fan.email);
  });

  it('answers 409 at confirmation when another account has the address, and changes nothing', async () => {
    const fan = await account();
    const other = await account();
    const asked = await askChange(fan.token, other.email);
    // Asking tells nothing about the address.
    expect(asked.status).toBe(202);
    const token = await mailedToken('auth.email_change_confirm', other.email);
    const taken = await confirmChange(token);
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe('auth.email_taken');
    expect(JSON.stringify(taken.body)).not.toContain(other.userId);
    expect((await accountRow(fan.userId)).email).toBe(fan.email);

    // Taken only meanwhile: an address registered after the request is refused the same way.
    const later = uniqueEmail('later');
    await askChange(fan.token, later);
    const laterToken = await mailedToken('auth.email_change_confirm', later);
    await account(later);
    expect((await confirmChange(laterToken)).status).toBe(409);
    expect((await accountRow(fan.userId)).email).toBe(fan.email);
  });

  it('asks for the current password and a different address, naming the field', async () => {
    const fan = await account();
    const wrong = await askChange(fan.token, uniqueEmail(), 'not my password');
    expect(wrong.status).toBe(403);
    expect(wrong.body.code).toBe('auth.password_wrong');
    expect(wrong.body.errors).toEqual([expect.objectContaining({ field: 'password' })]);
    const same = await askChange(fan.token, fan.email);
    expect(same.status).toBe(422);
    expect(same.body.errors).toEqual([expect.objectContaining({ field: 'email' })]);
    const bad = await askChange(fan.token, 'nope');
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'email' })]);
    const anonymous = await env.api.post('/v1/me/email', { email: uniqueEmail(), password: PASSWORD });
    expect(anonymous.status).toBe(401);
    expect(
      Number((await sql()`select count(*)::int as n from email_changes where user_id = ${fan.userId}`)[0]!.n),
    ).toBe(0);
  });

  it('an expired link is refused', async () => {
    const fan = await account();
    const next = uniqueEmail('late');
    await askChange(fan.token, next);
    const token = await mailedToken('auth.email_change_confirm', next);
    await sql()`update email_changes set expires_at = now() - interval '1 second' where token_hash = ${hashSecret(token)}`;
    const late = await confirmChange(token);
    expect(late.status).toBe(400);
    expect(late.body.code).toBe('auth.email_change_invalid');
    expect(late.body.errors[0].field).toBe('token');
  });

  it('two confirmations of one link at once: one changes the address, the other is refused', async () => {
    const fan = await account();
    const next = uniqueEmail('race');
    await askChange(fan.token, next);
    const token = await mailedToken('auth.email_change_confirm', next);
    const answers = await Promise.all([confirmChange(token), confirmChange(token), confirmChange(token)]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 400, 400]);
    expect(answers.filter((a) => a.status === 400).map((a) => a.body.code)).toEqual([
      'auth.email_change_invalid',
      'auth.email_change_invalid',
    ]);
    expect((await accountRow(fan.userId)).email).toBe(next);
    const receipts =
      await sql()`select 1 from timeline_entries where user_id = ${fan.userId} and kind = 'account.email_changed'`;
    expect(receipts).toHaveLength(1);
  });
});
