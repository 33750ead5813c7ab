import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailVerifications, sessions, users } from '../../src/auth/auth.table.js';
import { outbox } from '../../src/notifications/outbox.table.js';
import { createKeys } from '../../queue/keys.js';
import { SessionCache } from '../../src/auth/session-cache.js';
import { hashSecret } from '../../src/shared/tokens.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn, uniqueEmail } from '../support/fixtures.js';
import { mailText, verificationToken } from '../support/mail.js';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '1000', LOGIN_FAILURES_PER_ACCOUNT_IP: '5', TRUST_PROXY: 'loopback' });
});
afterAll(() => env?.close());
const keys = () => createKeys(env.infra.config.REDIS_PREFIX);
const cache = () => new SessionCache(env.infra.redis, keys());

describe('accounts and sessions', () => {
  it('registers, reads /v1/me, and logs out', async () => {
    const email = uniqueEmail();
    const reg = await env.api.post('/v1/auth/register', {
      email: email.toUpperCase(),
      password: 'a long passphrase',
      displayName: 'Ada',
    });
    expect(reg.status).toBe(201);
    expect(reg.body.user).toMatchObject({ email, displayName: 'Ada', roles: ['fan'], emailVerified: false });
    expect(reg.body.token).toMatch(/^fds_/);

    const [stored] = await env.infra.database.db.select().from(users).where(eq(users.email, email));
    expect(stored!.passwordHash).toMatch(/^scrypt\$10\$8\$1\$/);
    expect(stored!.passwordHash).not.toContain('a long passphrase');
    const [session] = await env.infra.database.db.select().from(sessions).where(eq(sessions.userId, stored!.id));
    expect(session!.tokenHash).not.toBe(reg.body.token);

    const me = await env.api.get('/v1/me', { token: reg.body.token });
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(stored!.id);

    expect((await env.api.post('/v1/auth/logout', undefined, { token: reg.body.token })).status).toBe(204);
    const after = await env.api.get('/v1/me', { token: reg.body.token });
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('auth.session_invalid');
    expect(await env.infra.database.db.select().from(sessions).where(eq(sessions.userId, stored!.id))).toHaveLength(0);
  });

  it('logs in with the right password and refuses a wrong one', async () => {
    const email = uniqueEmail();
    await env.api.register(email, 'right password 1');
    const ok = await env.api.post('/v1/auth/login', { email, password: 'right password 1' });
    expect(ok.status).toBe(200);
    expect((await env.api.get('/v1/me', { token: ok.body.token })).status).toBe(200);

    const wrong = await env.api.post('/v1/auth/login', { email, password: 'wrong password 1' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('auth.invalid_credentials');
    const unknown = await env.api.post('/v1/auth/login', { email: uniqueEmail('nobody'), password: 'whatever it is' });
    expect(unknown.status).toBe(401);
    expect(unknown.body.code).toBe('auth.invalid_credentials');
  });

  it('refuses an expired session', async () => {
    const { token, userId } = await signedIn(env);
    await env.infra.database.db
      .update(sessions)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(sessions.userId, userId));
    // Time passing would also have dropped the cached copy (it never outlives the session).
    await cache().forgetAccount(userId);
    const res = await env.api.get('/v1/me', { token });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('auth.session_expired');
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('refuses a missing or malformed Authorization header', async () => {
    expect((await env.api.get('/v1/me')).body.code).toBe('auth.required');
    const malformed = await env.api.get('/v1/me', { headers: { authorization: 'Basic abc' } });
    expect(malformed.status).toBe(401);
    expect(malformed.body.code).toBe('auth.malformed_header');
  });

  it('refuses a second account with the same email, whatever its case', async () => {
    const email = uniqueEmail();
    await env.api.register(email);
    const again = await env.api.post('/v1/auth/register', {
      email: email.toUpperCase(),
      password: 'another passphrase',
      displayName: 'X',
    });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('auth.email_taken');
    expect(await env.infra.database.db.select().from(users).where(eq(users.email, email))).toHaveLength(1);
  });

  it('verifies the email address through the token mailed via the outbox', async () => {
    const { token, userId } = await signedIn(env);
    const [mail] = await env.infra.database.db.select().from(outbox).where(eq(outbox.userId, userId));
    expect(mail).toMatchObject({ kind: 'auth.verify_email', channel: 'email', status: 'pending' });
    const verifyToken = await verificationToken(env, userId);
    expect(await mailText(env, 'auth.verify_email', mail!.recipient)).toContain(`#token=${verifyToken}`);

    const verified = await env.api.post('/v1/auth/verify-email', { token: verifyToken });
    expect(verified.status).toBe(200);
    expect(verified.body.emailVerified).toBe(true);
    const reused = await env.api.post('/v1/auth/verify-email', { token: verifyToken });
    expect(reused.status).toBe(400);
    expect(reused.body.code).toBe('auth.verification_invalid');
    const [row] = await env.infra.database.db
      .select()
      .from(emailVerifications)
      .where(eq(emailVerifications.userId, userId));
    expect(row!.usedAt).not.toBeNull();
    const again = await env.api.post('/v1/auth/resend-verification', undefined, { token });
    expect(again.body.code).toBe('auth.already_verified');
  });

  it('updates the profile and validates it field by field', async () => {
    const { token, userId } = await signedIn(env);
    const ok = await env.api.patch(
      '/v1/me',
      {
        interests: ['jazz', 'comedy'],
        home: { label: 'Kreuzberg', lat: 52.49, lng: 13.42 },
        accessibilityNeeds: ['step_free'],
        budgetCents: 6000,
      },
      { token },
    );
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      interests: ['jazz', 'comedy'],
      home: { lat: 52.49, lng: 13.42, label: 'Kreuzberg' },
      budgetCents: 6000,
    });
    const [row] = await env.infra.database.db.select().from(users).where(eq(users.id, userId));
    expect(row).toMatchObject({ homeLat: 52.49, homeLng: 13.42, accessibilityNeeds: ['step_free'] });

    const bad = await env.api.patch(
      '/v1/me',
      { interests: ['knitting'], home: { lat: 123, lng: 0 }, role: 'admin' },
      { token },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('request.invalid');
    const fields = bad.body.errors.map((e: { field: string }) => e.field).sort();
    expect(fields).toEqual(['home.lat', 'interests.0', 'role']);
    const [unchanged] = await env.infra.database.db.select().from(users).where(eq(users.id, userId));
    expect(unchanged!.interests).toEqual(['jazz', 'comedy']);
    expect(unchanged!.roles).toEqual(['fan']);

    const cleared = await env.api.patch('/v1/me', { home: null }, { token });
    expect(cleared.body.home).toBeNull();
  });
});

describe('the session cache', () => {
  const venue = {
    name: 'Hall',
    address: '1 Road',
    city: 'Lyon',
    country: 'FR',
    latitude: 45.76,
    longitude: 4.83,
    timeZone: 'Europe/Paris',
  };

  it('serves a session from Redis once signed in, and from Postgres again when Redis lost it', async () => {
    const { token, userId } = await signedIn(env);
    const key = keys().session(hashSecret(token));
    expect(JSON.parse((await env.infra.redis.get(key))!)).toMatchObject({ userId, roles: ['fan'] });
    await env.infra.redis.del(key);
    expect((await env.api.get('/v1/me', { token })).status).toBe(200);
    expect(JSON.parse((await env.infra.redis.get(key))!)).toMatchObject({ userId });
  });

  it('applies a role change to sessions already cached, at once', async () => {
    const target = await signedIn(env);
    expect(
      (
        await env.api.post('/v1/venues', venue, {
          token: target.token,
          headers: { 'idempotency-key': crypto.randomUUID() },
        })
      ).status,
    ).toBe(403);
    const admin = await signedIn(env, ['admin']);
    expect(
      (await env.api.put(`/v1/users/${target.userId}/roles`, { roles: ['fan', 'organizer'] }, { token: admin.token }))
        .status,
    ).toBe(200);
    expect(
      (
        await env.api.post('/v1/venues', venue, {
          token: target.token,
          headers: { 'idempotency-key': crypto.randomUUID() },
        })
      ).status,
    ).toBe(201);
  });

  it('keeps a logged-out session out even when a request that read it a moment before caches it late', async () => {
    const { token, userId } = await signedIn(env);
    const before = await env.api.get('/v1/me', { token });
    expect(before.status).toBe(200);
    const [session] = await env.infra.database.db.select().from(sessions).where(eq(sessions.userId, userId));
    expect((await env.api.post('/v1/auth/logout', undefined, { token })).status).toBe(204);
    // The late fill of a request that found the session in Postgres just before the logout.
    const principal = {
      userId,
      sessionId: session!.id,
      email: before.body.email,
      displayName: before.body.displayName,
      roles: ['fan' as const],
      emailVerified: false,
    };
    await cache().put(hashSecret(token), principal, session!.expiresAt, 'fill');
    const after = await env.api.get('/v1/me', { token });
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('auth.session_invalid');
  });
});

describe('roles', () => {
  it('keeps fans out of admin routes and lets an admin grant roles', async () => {
    const fan = await signedIn(env);
    const target = await signedIn(env);
    const denied = await env.api.put(
      `/v1/users/${target.userId}/roles`,
      { roles: ['organizer'] },
      { token: fan.token },
    );
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('auth.forbidden');

    const admin = await signedIn(env, ['admin']);
    const granted = await env.api.put(
      `/v1/users/${target.userId}/roles`,
      { roles: ['fan', 'organizer'] },
      { token: admin.token },
    );
    expect(granted.status).toBe(200);
    const [row] = await env.infra.database.db.select().from(users).where(eq(users.id, target.userId));
    expect(row!.roles).toEqual(['fan', 'organizer']);

    const unknown = await env.api.put(
      '/v1/users/00000000-0000-4000-8000-000000000000/roles',
      { roles: ['fan'] },
      { token: admin.token },
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('auth.user_not_found');
  });
});

describe('rate limits', () => {
  it('limits failed logins per account and address with 429 and Retry-After, for that address only', async () => {
    const email = uniqueEmail();
    await env.api.register(email);
    const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await env.api.post('/v1/auth/login', { email, password: 'not the password' }, from('192.0.2.1'));
      statuses.push(res.status);
      if (res.status === 429) {
        expect(res.body.code).toBe('rate_limited');
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(env.config.LOGIN_FAILURE_WINDOW_SECONDS);
      }
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    // Even the right password waits out the window from that address: it is the guesser's...
    const right = { email, password: 'correct horse battery' };
    expect((await env.api.post('/v1/auth/login', right, from('192.0.2.1'))).status).toBe(429);
    // ...not the owner's, who signs in from elsewhere.
    expect((await env.api.post('/v1/auth/login', right, from('192.0.2.2'))).status).toBe(200);
  });

  it('forgives an address its failures once it signs in', async () => {
    const email = uniqueEmail();
    await env.api.register(email);
    const attempt = (password: string) =>
      env.api.post('/v1/auth/login', { email, password }, { headers: { 'x-forwarded-for': '192.0.2.9' } });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await attempt('a typo of mine')).status);
    statuses.push((await attempt('correct horse battery')).status);
    for (let i = 0; i < 4; i++) statuses.push((await attempt('a typo of mine')).status);
    expect(statuses).toEqual([401, 401, 401, 401, 200, 401, 401, 401, 401]);
  });

  it('limits register calls per IP', async () => {
    const tight = await createTestEnv({ AUTH_LIMIT_PER_IP: '3' });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 5; i++) {
        codes.push(
          (
            await tight.api.post('/v1/auth/register', {
              email: uniqueEmail(),
              password: 'a long passphrase',
              displayName: 'X',
            })
          ).status,
        );
      }
      expect(codes).toEqual([201, 201, 201, 429, 429]);
      expect(await tight.infra.database.db.select().from(users)).toHaveLength(3);
    } finally {
      await tight.close();
    }
  });
});
