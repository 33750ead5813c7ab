import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bullPrefix } from '../../src/jobs/connection.js';
import { createSale, type SaleFixture } from '../support/commerce.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn, uniqueEmail } from '../support/fixtures.js';
import { transferToken, verificationToken } from '../support/mail.js';
import { buySeats } from '../support/tickets-fixtures.js';

/**
 * The review's row 7, from the outside: register, login and a transfer claim sent with an
 * Idempotency-Key (as the web client always does) used to leave their session tokens in
 * idempotency_keys, and mails their links in notification_outbox, readable by anyone with a
 * copy of the database. Here every secret the API hands out in the flow is collected, then
 * every table that could hold one and every Redis key of the test's namespace is dumped and
 * searched for it as raw text.
 */

let env: TestEnv;
let sale: SaleFixture;
beforeAll(async () => {
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '100000' });
  sale = await createSale(env, { seats: 10 });
});
afterAll(() => env?.close());

const TABLES = [
  'idempotency_keys',
  'notification_outbox',
  'notifications',
  'sessions',
  'email_verifications',
  'ticket_transfers',
];
/** What the API's secrets look like (src/shared/tokens.ts newSecret): session, verification, transfer. */
const SECRET_SHAPE = /fd[svx]_[\w-]{43}/;

async function databaseText(): Promise<string> {
  const { sql } = env.infra.database;
  const parts: string[] = [];
  for (const table of TABLES) parts.push(JSON.stringify(await sql`select * from ${sql(table)}`));
  return parts.join('\n');
}

/** Every key under the test's prefixes (its own and BullMQ's) with its whole value, as text. */
async function redisText(): Promise<string> {
  const redis = env.infra.redis;
  const parts: string[] = [];
  for (const pattern of [`${env.config.REDIS_PREFIX}*`, `${bullPrefix(env.config)}*`]) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const type = await redis.type(key);
        const value =
          type === 'string'
            ? await redis.get(key)
            : type === 'hash'
              ? await redis.hgetall(key)
              : type === 'zset'
                ? await redis.zrange(key, '0', '-1', 'WITHSCORES')
                : type === 'list'
                  ? await redis.lrange(key, 0, -1)
                  : type === 'set'
                    ? await redis.smembers(key)
                    : type === 'stream'
                      ? await redis.xrange(key, '-', '+')
                      : null;
        parts.push(`${key} ${JSON.stringify(value)}`);
      }
    } while (cursor !== '0');
  }
  return parts.join('\n');
}

describe('no secret at rest in plaintext', () => {
  it('keeps no session, verification or transfer token in Postgres or Redis, and still replays to the key holder', async () => {
    const idem = () => ({ 'idempotency-key': crypto.randomUUID() });
    const account = { email: uniqueEmail('rest'), password: 'a long passphrase', displayName: 'At Rest' };

    const registerKey = idem();
    const registered = await env.api.post('/v1/auth/register', account, { headers: registerKey });
    expect(registered.status).toBe(201);
    const loggedIn = await env.api.post(
      '/v1/auth/login',
      { email: account.email, password: account.password },
      { headers: idem() },
    );
    expect(loggedIn.status).toBe(200);
    const verification = await verificationToken(env, registered.body.user.id);

    // A ticket offered to an address without an account, claimed from the invitation (a session again).
    const sender = await signedIn(env);
    const { ticketIds } = await buySeats(env, sale, sender, 1);
    const offered = await env.api.post(
      `/v1/tickets/${ticketIds[0]}/transfers`,
      { toEmail: uniqueEmail('newcomer') },
      { token: sender.token, headers: idem() },
    );
    expect(offered.status).toBe(201);
    const invitation = await transferToken(env, offered.body.id);
    const claimed = await env.api.post(
      `/v1/transfers/${offered.body.id}/claim`,
      { token: invitation, password: 'another long passphrase', displayName: 'Newcomer' },
      { headers: idem() },
    );
    expect(claimed.status).toBe(201);

    const secrets = {
      'register session': registered.body.token as string,
      'login session': loggedIn.body.token as string,
      'claim session': claimed.body.token as string,
      'sender session': sender.token,
      verification,
      invitation,
    };
    for (const value of Object.values(secrets)) expect(value).toMatch(SECRET_SHAPE);
    // The rows the flow wrote are there: the search below reads real data.
    expect(
      (await env.infra.database.sql`select count(*)::int as n from idempotency_keys where state = 'done'`)[0]!.n,
    ).toBeGreaterThanOrEqual(4);

    const stored = { postgres: await databaseText(), redis: await redisText() };
    for (const [where, text] of Object.entries(stored)) {
      for (const [name, value] of Object.entries(secrets)) expect(text, `${name} in ${where}`).not.toContain(value);
      expect(SECRET_SHAPE.exec(text)?.[0], `a secret-shaped string in ${where}`).toBeUndefined();
    }

    // Nothing lifted from the replay store signs anyone in.
    const rows = await env.infra.database.sql`select key, request_hash, response_body from idempotency_keys`;
    const lifted = rows.flatMap((r) => [r.key, r.request_hash, r.response_body]).filter((v) => typeof v === 'string');
    for (const candidate of lifted.slice(0, 12)) {
      const me = await env.api.get('/v1/me', { token: candidate as string });
      expect(me.status).toBe(401);
    }

    // The client that holds the key still has its answer replayed, token and all.
    const replay = await env.api.post('/v1/auth/register', account, { headers: registerKey });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.token).toBe(secrets['register session']);
  });
});
