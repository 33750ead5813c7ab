import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessions, users } from '../../src/auth/auth.table.js';
import { claimValues, deleteExpiredIdempotencyKeys, requestHash } from '../../src/http/idempotency.js';
import { retentionModule } from '../../src/jobs/retention.jobs.js';
import { idempotencyKeys } from '../../src/http/idempotency.table.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn, uniqueEmail } from '../support/fixtures.js';
import { until } from '../support/tickets-fixtures.js';

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

  it('keeps nothing a copy of the table could replay: no raw key, no token, no plain hash of the body', async () => {
    const k = key();
    const body = registration();
    const first = await env.api.post('/v1/auth/register', body, { headers: { 'idempotency-key': k } });
    expect(first.status).toBe(201);
    const rows = await env.infra.database.sql`select * from idempotency_keys where scope = 'anon'`;
    const text = JSON.stringify(rows);
    expect(text).not.toContain(k);
    expect(text).not.toContain(first.body.token);
    expect(text).not.toContain(body.password);
    expect(text).not.toContain(requestHash('post', '/v1/auth/register', body));
    // The client that holds the key still gets its answer back.
    const again = await env.api.post('/v1/auth/register', body, { headers: { 'idempotency-key': k } });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
  });

  it('forgets an answer after IDEMPOTENCY_TTL_HOURS: a retry then runs again, and the sweep deletes it', async () => {
    const fan = await signedIn(env);
    const k = key();
    const rename = (displayName: string, headers: Record<string, string> = {}) =>
      env.api.patch('/v1/me', { displayName }, { token: fan.token, headers });
    expect((await rename('First', { 'idempotency-key': k })).status).toBe(200);
    expect((await rename('Changed since')).status).toBe(200);
    const scope = `user:${fan.userId}`;
    const { key: id } = claimValues(scope, k, '');
    const age = async (hours: number) =>
      env.infra.database
        .sql`update idempotency_keys set created_at = now() - make_interval(hours => ${hours}) where scope = ${scope} and key = ${id}`;
    const displayName = async () =>
      (await env.infra.database.sql`select display_name from users where id = ${fan.userId}`)[0]!.display_name;

    // Inside the TTL: the stored answer, and the work is not done again.
    await age(23);
    const replayed = await rename('First', { 'idempotency-key': k });
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(await displayName()).toBe('Changed since');

    // Past it: a new request, run again (before any sweep).
    await age(25);
    const rerun = await rename('First', { 'idempotency-key': k });
    expect(rerun.status).toBe(200);
    expect(rerun.headers.get('idempotent-replayed')).toBeNull();
    expect(await displayName()).toBe('First');

    // The retention job deletes what has expired, and only that.
    await age(25);
    const fresh = key();
    expect((await rename('Fresh', { 'idempotency-key': fresh })).status).toBe(200);
    const keys = async () =>
      (await env.infra.database.sql`select key from idempotency_keys where scope = ${scope}`).map((r) => r.key);
    const sweeper = await retentionModule().start(env.infra);
    try {
      await until(async () => !(await keys()).includes(id));
    } finally {
      await sweeper.close();
    }
    expect(await keys()).toEqual([claimValues(scope, fresh, '').key]);
  });

  it('sweeps in batches until nothing expired is left', async () => {
    const scope = `sweep-test:${crypto.randomUUID()}`;
    await env.infra.database.sql`
      insert into idempotency_keys (scope, key, request_hash, created_at)
      select ${scope}, 'k' || i, 'h', now() - interval '2 days' from generate_series(1, 25) as i`;
    await env.infra.database
      .sql`insert into idempotency_keys (scope, key, request_hash) values (${scope}, 'live', 'h')`;
    expect(await deleteExpiredIdempotencyKeys(env.infra.database.db, new Date(Date.now() - 3_600_000), 10)).toBe(25);
    const left = await env.infra.database.sql`select key from idempotency_keys where scope = ${scope}`;
    expect(left.map((r) => r.key)).toEqual(['live']);
  });

  it('refuses a malformed key', async () => {
    const res = await env.api.post('/v1/auth/register', registration(), { headers: { 'idempotency-key': 'short' } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('idempotency.invalid_key');
  });
});
