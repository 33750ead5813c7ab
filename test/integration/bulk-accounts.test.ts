import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessions, users } from '../../src/auth/auth.table.js';
import { BULK_ACCOUNTS_BATCH, insertBulkAccounts } from '../../src/auth/bulk-accounts.js';
import { hashPassword } from '../../src/auth/password.js';
import { SessionCache } from '../../src/auth/session-cache.js';
import { createKeys } from '../../queue/keys.js';
import { isUniqueViolation } from '../../src/db/errors.js';
import { hashSecret } from '../../src/shared/tokens.js';
import { fanEmail, FAN_PASSWORD, seedFanAccounts } from '../../tools/simulator/accounts.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { uniqueEmail } from '../support/fixtures.js';

let env: TestEnv;
const PASSWORD = 'one hash for the whole crowd';
let passwordHash = '';
const db = () => env.infra.database.db;
const hour = 3_600_000;

beforeAll(async () => {
  // A lifetime other than the default, so the test sees it come from the config.
  env = await createTestEnv({ SESSION_TTL_HOURS: '5' });
  passwordHash = await hashPassword(PASSWORD, env.config.PASSWORD_SCRYPT_LOG_N);
});
afterAll(async () => {
  await env?.close();
});

describe('insertBulkAccounts', () => {
  it('writes the rows registration writes, across batches, in the order given; each token and the password work through the API', async () => {
    const count = BULK_ACCOUNTS_BATCH + 7;
    const prefix = uniqueEmail('crowd').split('@')[0];
    const specs = Array.from({ length: count }, (_, i) => ({
      email: ` ${prefix}.${i}@Example.TEST `,
      displayName: ` Fan ${i} `,
    }));
    const before = Date.now();
    const accounts = await insertBulkAccounts(db(), env.config, { accounts: specs, passwordHash });
    expect(accounts).toHaveLength(count);
    expect(accounts.map((a) => a.email)).toEqual(specs.map((s) => s.email.trim().toLowerCase()));
    expect(new Set(accounts.map((a) => a.token)).size).toBe(count);

    // One account registered through the API, to compare rows with.
    const email = uniqueEmail('registered');
    const registered = await env.api.register(email, PASSWORD, 'Registered Fan');
    const [reference] = await db().select().from(users).where(eq(users.id, registered.userId));
    const [referenceSession] = await db().select().from(sessions).where(eq(sessions.userId, registered.userId));

    const sample = [accounts[0]!, accounts[BULK_ACCOUNTS_BATCH]!, accounts.at(-1)!];
    const rows = await db()
      .select()
      .from(users)
      .where(
        inArray(
          users.id,
          sample.map((a) => a.userId),
        ),
      );
    for (const row of rows) {
      const account = sample.find((a) => a.userId === row.id)!;
      expect(row).toMatchObject({
        email: account.email,
        displayName: account.displayName,
        roles: reference!.roles,
        emailVerifiedAt: null,
        interests: [],
        homeLat: null,
        budgetCents: null,
      });
      expect(row.displayName).toMatch(/^Fan \d+$/);
    }
    const opened = await db()
      .select()
      .from(sessions)
      .where(
        inArray(
          sessions.userId,
          sample.map((a) => a.userId),
        ),
      );
    expect(opened).toHaveLength(3);
    for (const session of opened) {
      const account = sample.find((a) => a.userId === session.userId)!;
      expect(session).toMatchObject({
        id: account.sessionId,
        tokenHash: hashSecret(account.token),
        ip: null,
        userAgent: null,
      });
      // SESSION_TTL_HOURS (5 here), as a sign-in sets it: not a lifetime of its own.
      expect(session.expiresAt.getTime()).toBe(account.expiresAt.getTime());
      expect(session.expiresAt.getTime() - before).toBeGreaterThanOrEqual(5 * hour);
      expect(session.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(5 * hour);
      expect(Math.abs(session.expiresAt.getTime() - referenceSession!.expiresAt.getTime())).toBeLessThan(60_000);
    }

    for (const account of sample) {
      const me = await env.api.get('/v1/me', { token: account.token });
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ id: account.userId, email: account.email, roles: ['fan'], emailVerified: false });
    }
    const login = await env.api.post('/v1/auth/login', { email: accounts.at(-1)!.email, password: PASSWORD });
    expect(login.status).toBe(200);
    expect(login.body.user.id).toBe(accounts.at(-1)!.userId);
  });

  it('gives the roles asked for, and with a session cache the first request needs no Postgres lookup', async () => {
    const cache = new SessionCache(env.infra.redis, createKeys(env.config.REDIS_PREFIX));
    const [organizer] = await insertBulkAccounts(db(), env.config, {
      accounts: [{ email: uniqueEmail('org'), displayName: 'Org' }],
      passwordHash,
      roles: ['fan', 'organizer'],
      sessionCache: cache,
    });
    const cached = await cache.get(hashSecret(organizer!.token));
    expect(cached).toEqual({
      principal: {
        userId: organizer!.userId,
        sessionId: organizer!.sessionId,
        email: organizer!.email,
        displayName: 'Org',
        roles: ['fan', 'organizer'],
        emailVerified: false,
      },
      expiresAt: organizer!.expiresAt,
    });
    expect((await env.api.get('/v1/organizer/events', { token: organizer!.token })).status).toBe(200);
  });

  it('with verified, each address is confirmed: in Postgres, in the session cache, and for GET /v1/me', async () => {
    const cache = new SessionCache(env.infra.redis, createKeys(env.config.REDIS_PREFIX));
    const before = Date.now();
    const [fan] = await insertBulkAccounts(db(), env.config, {
      accounts: [{ email: uniqueEmail('confirmed'), displayName: 'Confirmed' }],
      passwordHash,
      verified: true,
      sessionCache: cache,
    });
    const [row] = await db().select().from(users).where(eq(users.id, fan!.userId));
    expect(row!.emailVerifiedAt!.getTime()).toBeGreaterThanOrEqual(before - 1_000);
    expect(await cache.get(hashSecret(fan!.token))).toMatchObject({ principal: { emailVerified: true } });
    expect((await env.api.get('/v1/me', { token: fan!.token })).body).toMatchObject({ emailVerified: true });
  });

  it('an address already taken fails its batch: no account of it is left behind', async () => {
    const taken = uniqueEmail('taken');
    await env.api.register(taken, PASSWORD, 'First');
    const fresh = uniqueEmail('fresh');
    const attempt = insertBulkAccounts(db(), env.config, {
      accounts: [
        { email: fresh, displayName: 'Fresh' },
        { email: taken.toUpperCase(), displayName: 'Second' },
      ],
      passwordHash,
    });
    const err: unknown = await attempt.then(
      () => null,
      (e: unknown) => e,
    );
    expect(isUniqueViolation(err)).toBe(true);
    expect(await db().select({ id: users.id }).from(users).where(eq(users.email, fresh))).toEqual([]);
  });

  it('no accounts, no writes', async () => {
    expect(await insertBulkAccounts(db(), env.config, { accounts: [], passwordHash })).toEqual([]);
  });
});

describe('the drop simulator’s seed (seedFanAccounts)', () => {
  it('gives each fan index its account, which signs in with the simulator’s password', async () => {
    const runId = `t${Date.now().toString(36)}`;
    const seeded = await seedFanAccounts(
      env.infra.database.sql,
      [7, 3, 11],
      runId,
      env.config.PASSWORD_SCRYPT_LOG_N,
      env.config,
    );
    expect(seeded.map(([i]) => i)).toEqual([7, 3, 11]);
    const [i, account] = seeded[1]!;
    const me = await env.api.get('/v1/me', { token: account.token });
    // Confirmed, as a queue-mode waiting room asks of every fan by default.
    expect(me.body).toMatchObject({ id: account.userId, email: fanEmail(i, runId), emailVerified: true });
    expect((await env.api.post('/v1/auth/login', { email: fanEmail(i, runId), password: FAN_PASSWORD })).status).toBe(
      200,
    );
  });
});
