import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessions, users } from '../../src/auth/auth.table.js';
import { claimValues, requestHash } from '../../src/http/idempotency.js';
import { idempotencyKeys } from '../../src/http/idempotency.table.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn, uniqueEmail } from '../support/fixtures.js';

let env: TestEnv;
beforeAll(async () => {
  // Long enough for a registration's scrypt on a loaded machine: the duplicates wait for the first.
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '10000', IDEMPOTENCY_WAIT_MS: '3000' });
});
afterAll(() => env?.close());

const key = () => `test-${crypto.randomUUID()}`;
const registration = () => ({ email: uniqueEmail(), password: 'a long passphrase', displayName: 'Idem' });

describe('Idempotency-Key', () => {
  it('replays the first answer to a retry and does the work once', async () => {
    const k = key();
    const body = registration();
    const first = await env.api.post('/v1/auth/register', body, { headers: { 'idempotency-key': k } });
    const second = await env.api.post('/v1/auth/register', body, { headers: { 'idempotency-key': k } });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    const rows = await env.infra.database.db.select().from(users).where(eq(users.email, body.email));
    expect(rows).toHaveLength(1);
    expect(await env.infra.database.db.select().from(sessions).where(eq(sessions.userId, rows[0]!.id))).toHaveLength(1);
  });

  it('answers 422 when the same key comes with a different body', async () => {
    const k = key();
    await env.api.post('/v1/auth/register', registration(), { headers: { 'idempotency-key': k } });
    const other = registration();
    const res = await env.api.post('/v1/auth/register', other, { headers: { 'idempotency-key': k } });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('idempotency.key_reused');
    expect(res.body.errors[0]).toMatchObject({ in: 'header', field: 'Idempotency-Key' });
    expect(await env.infra.database.db.select().from(users).where(eq(users.email, other.email))).toHaveLength(0);
  });

  it('treats reordered JSON keys as the same request', async () => {
    const k = key();
    const { email, password, displayName } = registration();
    const a = await env.api.post(
      '/v1/auth/register',
      { email, password, displayName },
      { headers: { 'idempotency-key': k } },
    );
    const b = await env.api.post(
      '/v1/auth/register',
      { displayName, password, email },
      { headers: { 'idempotency-key': k } },
    );
    expect(b.status).toBe(201);
    expect(b.body.user.id).toBe(a.body.user.id);
  });

  it('runs concurrent duplicates once; every caller gets the same answer', async () => {
    const k = key();
    const body = registration();
    const results = await Promise.all(
      Array.from({ length: 10 }, () => env.api.post('/v1/auth/register', body, { headers: { 'idempotency-key': k } })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(201));
    expect(new Set(results.map((r) => r.body.user.id)).size).toBe(1);
    expect(new Set(results.map((r) => r.body.token)).size).toBe(1);
    expect(await env.infra.database.db.select().from(users).where(eq(users.email, body.email))).toHaveLength(1);
  });

  it('answers 409 with Retry-After when the first request is still running past the wait', async () => {
    const fan = await signedIn(env);
    const k = key();
    // A claim held by a request that is still running (inserted as the first request would).
    await env.infra.database.db
      .insert(idempotencyKeys)
      .values(claimValues(`user:${fan.userId}`, k, requestHash('patch', '/v1/me', { displayName: 'Busy' })));
    const busy = await env.api.patch(
      '/v1/me',
      { displayName: 'Busy' },
      { token: fan.token, headers: { 'idempotency-key': k } },
    );
    expect(busy.status).toBe(409);
    expect(busy.body.code).toBe('idempotency.in_progress');
    expect(busy.headers.get('retry-after')).toBe('1');
    const [row] = await env.infra.database.db.select().from(users).where(eq(users.id, fan.userId));
    expect(row!.displayName).not.toBe('Busy');
  });

  it('scopes keys to the account: two accounts may use the same key', async () => {
    const a = await signedIn(env);
    const b = await signedIn(env);
    const k = key();
    const ra = await env.api.patch(
      '/v1/me',
      { displayName: 'A' },
      { token: a.token, headers: { 'idempotency-key': k } },
    );
    const rb = await env.api.patch(
      '/v1/me',
      { displayName: 'B' },
      { token: b.token, headers: { 'idempotency-key': k } },
    );
    expect(ra.body.displayName).toBe('A');
    expect(rb.body.displayName).toBe('B');
  });

  it('stores a refusal as the answer, and frees the key when the server failed', async () => {
    const email = uniqueEmail();
    await env.api.register(email);
    const k = key();
    const body = { email, password: 'a long passphrase', displayName: 'Dup' };
    const first = await env.api.post('/v1/auth/register', body, { headers: { 'idempotency-key': k } });
    const again = await env.api.post('/v1/auth/register', body, { headers: { 'idempotency-key': k } });
    expect(first.body.code).toBe('auth.email_taken');
    expect(again.status).toBe(409);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.contentType).toContain('application/problem+json');
  });

  it('refuses a malformed key', async () => {
    const res = await env.api.post('/v1/auth/register', registration(), { headers: { 'idempotency-key': 'short' } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('idempotency.invalid_key');
  });
});
