import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createKeys } from '../../queue/keys.js';
import { solveChallenge } from '../../src/waitingroom/pow.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { bulkAccounts, createSale } from '../support/sales.js';
import { queueSale } from '../support/waitingroom.js';

/**
 * The waiting room's hot routes (join, where am I, stats, lottery) are answered on the lean
 * path (src/http/lean.ts). Driven here through HTTP on a running server: status, headers,
 * bodies and what Redis holds afterwards, including 304s, rate limits and problem answers.
 */
let env: TestEnv;
let organizer: { userId: string; token: string };

beforeAll(async () => {
  env = await createTestEnv({ QUEUE_JOIN_LIMIT_PER_IP: '100000', QUEUE_JOIN_LIMIT_PER_ACCOUNT: '3' });
  organizer = await signedIn(env, ['organizer']);
});
afterAll(async () => {
  await env?.close();
});

const db = () => env.infra.database.db;
const keysOf = (eventId: string) => createKeys(env.config.REDIS_PREFIX).queue(eventId);
const join = (eventId: string, token: string | undefined, body: unknown = {}, headers: Record<string, string> = {}) =>
  env.api.post(`/v1/events/${eventId}/queue`, body, { ...(token ? { token } : {}), headers });
const me = (eventId: string, token: string, headers: Record<string, string> = {}) =>
  env.api.get(`/v1/events/${eventId}/queue/me`, { token, headers });

/** What every answer carries, lean or not: the request id, the node, the security headers. */
function expectCommonHeaders(headers: Headers, requestId?: string): void {
  if (requestId) expect(headers.get('x-request-id')).toBe(requestId);
  else expect(headers.get('x-request-id')).toMatch(/^[\w.:-]+$/);
  expect(headers.get('x-fairdrop-node')).toBe(env.config.NODE_ID);
  expect(headers.get('content-security-policy')).toContain("default-src 'self'");
  expect(headers.get('x-content-type-options')).toBe('nosniff');
  expect(headers.get('x-powered-by')).toBeNull();
}

describe('the lean waiting-room routes over HTTP', () => {
  it('joins once per account (201, then 200 with the same entry), a signed receipt, one entry in Redis', async () => {
    const sale = await queueSale(env, organizer.userId);
    const [fan] = await bulkAccounts(db(), 1);
    const first = await join(
      sale.eventId,
      fan!.token,
      {},
      { 'x-request-id': 'lean-join-1', 'idempotency-key': 'k-12345678' },
    );
    expect(first.status).toBe(201);
    expectCommonHeaders(first.headers, 'lean-join-1');
    expect(first.contentType).toBe('application/json; charset=utf-8');
    expect(first.body).toMatchObject({
      eventId: sale.eventId,
      userId: fan!.userId,
      phase: 'prequeue',
      ticketNumber: null,
      position: null,
      eta: null,
      keyId: expect.any(String),
      signature: expect.any(String),
    });
    const again = await join(sale.eventId, fan!.token);
    expect(again.status).toBe(200);
    expect(again.body.entryId).toBe(first.body.entryId);

    const k = keysOf(sale.eventId);
    const redis = env.infra.redis;
    expect(await redis.hget(k.accounts, fan!.userId)).toBe(first.body.entryId);
    expect(await redis.llen(k.prequeue)).toBe(1);
  });

  it('answers where the fan stands with an ETag and Retry-After, then 304 with the same headers', async () => {
    const sale = await queueSale(env, organizer.userId);
    const [fan, stranger] = await bulkAccounts(db(), 2);
    await join(sale.eventId, fan!.token);
    const view = await me(sale.eventId, fan!.token);
    expect(view.status).toBe(200);
    expectCommonHeaders(view.headers);
    expect(view.body).toMatchObject({
      eventId: sale.eventId,
      joined: true,
      status: 'entered',
      pollAfter: expect.any(Number),
    });
    const etag = view.headers.get('etag')!;
    expect(etag).toMatch(/^W\/"/);
    expect(view.headers.get('cache-control')).toBe('private, no-cache');
    expect(view.headers.get('vary')).toBe('Authorization');
    expect(Number(view.headers.get('retry-after'))).toBe(view.body.pollAfter);

    const unchanged = await me(sale.eventId, fan!.token, { 'if-none-match': etag, 'cache-control': 'max-age=0' });
    expect(unchanged.status).toBe(304);
    expect(unchanged.body).toBeUndefined();
    expect(unchanged.headers.get('etag')).toBe(etag);
    expect(unchanged.headers.get('retry-after')).toBe(view.headers.get('retry-after'));
    expectCommonHeaders(unchanged.headers);

    // Another account's ETag is not this one's: a full answer, not joined.
    const other = await me(sale.eventId, stranger!.token, { 'if-none-match': etag, 'cache-control': 'max-age=0' });
    expect(other.status).toBe(200);
    expect(other.body).toMatchObject({ joined: false, status: 'not_joined', pollAfter: 60 });
  });

  it('limits joins per account: 429 problem with Retry-After, and nothing more counted', async () => {
    const sale = await queueSale(env, organizer.userId);
    const [fan] = await bulkAccounts(db(), 1);
    for (let i = 0; i < 3; i++) expect((await join(sale.eventId, fan!.token)).status).toBeLessThan(300);
    const refused = await join(sale.eventId, fan!.token);
    expect(refused.status).toBe(429);
    expect(refused.contentType).toBe('application/problem+json; charset=utf-8');
    expect(refused.body).toMatchObject({ code: 'rate_limited', status: 429, requestId: expect.any(String) });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.headers.get('x-request-id')).toBe(refused.body.requestId);
    expect(await env.infra.redis.llen(keysOf(sale.eventId).prequeue)).toBe(1);
  });

  it('answers refusals as problem documents: no session, bad id, bad body, bad JSON, bad key, not a queue sale', async () => {
    const sale = await queueSale(env, organizer.userId);
    const [fan] = await bulkAccounts(db(), 1);
    const unsigned = await join(sale.eventId, undefined);
    expect(unsigned.status).toBe(401);
    expect(unsigned.headers.get('www-authenticate')).toBe('Bearer');
    expect(unsigned.body).toMatchObject({ code: 'auth.required', instance: `/v1/events/${sale.eventId}/queue` });

    const badId = await me('not-a-uuid', fan!.token);
    expect(badId.status).toBe(400);
    expect(badId.body).toMatchObject({
      code: 'request.invalid',
      errors: [expect.objectContaining({ in: 'params', field: 'id' })],
    });

    const unknownField = await join(sale.eventId, fan!.token, { role: 'admin' });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.errors).toEqual([
      expect.objectContaining({ in: 'body', field: 'role', code: 'unknown_field' }),
    ]);

    const malformed = await env.api.post(`/v1/events/${sale.eventId}/queue`, undefined, {
      token: fan!.token,
      raw: '{"challenge":',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('request.malformed_json');

    const badKey = await join(sale.eventId, fan!.token, {}, { 'idempotency-key': 'short' });
    expect(badKey.status).toBe(400);
    expect(badKey.body.code).toBe('idempotency.invalid_key');

    const open = await createSale(env, organizer.userId);
    const notQueue = await join(open.eventId, fan!.token);
    expect(notQueue.status).toBe(409);
    expect(notQueue.contentType).toBe('application/problem+json; charset=utf-8');
    expect(notQueue.body.code).toBe('queue.not_queue_mode');
    // None of these made an entry.
    expect(await env.infra.redis.hlen(keysOf(sale.eventId).accounts)).toBe(0);
  });

  it('asks for a proof of work where the sale sets one, and joins with a solved challenge', async () => {
    const sale = await queueSale(env, organizer.userId, { onsale: { powDifficulty: 6 } });
    const [fan] = await bulkAccounts(db(), 1);
    const unsolved = await join(sale.eventId, fan!.token);
    expect(unsolved.status).toBe(400);
    expect(unsolved.body.code).toBe('queue.pow_required');
    const { body: challenge } = await env.api.get(`/v1/events/${sale.eventId}/queue/challenge`, { token: fan!.token });
    const solved = await join(sale.eventId, fan!.token, {
      challenge: challenge.challenge,
      nonce: solveChallenge(challenge.challenge, challenge.difficulty),
    });
    expect(solved.status).toBe(201);
  });

  it('serves the public stats and lottery record, cacheable for a second, with their ETags', async () => {
    const sale = await queueSale(env, organizer.userId);
    const [fan] = await bulkAccounts(db(), 1);
    await join(sale.eventId, fan!.token);
    const stats = await env.api.get(`/v1/events/${sale.eventId}/queue/stats`);
    expect(stats.status).toBe(200);
    expectCommonHeaders(stats.headers);
    expect(stats.headers.get('cache-control')).toBe('public, max-age=1');
    expect(stats.body).toMatchObject({ eventId: sale.eventId, phase: 'prequeue', entrants: 1, prequeue: 1 });
    const etag = stats.headers.get('etag')!;
    const again = await env.api.get(`/v1/events/${sale.eventId}/queue/stats`, {
      headers: { 'if-none-match': etag, 'cache-control': 'max-age=0' },
    });
    expect(again.status).toBe(304);

    const lottery = await env.api.get(`/v1/events/${sale.eventId}/lottery`);
    expect(lottery.status).toBe(200);
    expect(lottery.body).toMatchObject({
      eventId: sale.eventId,
      rule: 'fairdrop-lottery-v2',
      commitment: expect.stringMatching(/^[0-9a-f]{64}$/),
      prequeueSize: 1,
      seed: null,
    });
    const unknown = await env.api.get('/v1/events/00000000-0000-4000-8000-000000000000/lottery');
    expect(unknown.status).toBe(404);
    expect(unknown.contentType).toBe('application/problem+json; charset=utf-8');
  });

  it('builds the public figures once per event for every request of the moment, anew after a change', async () => {
    const sale = await queueSale(env, organizer.userId);
    const service = env.server.app.services.waitingRoom;
    const [a, b] = await Promise.all([service.stats(sale.eventId), service.stats(sale.eventId)]);
    expect(a).toBe(b);
    const [l1, l2] = await Promise.all([service.lottery(sale.eventId), service.lottery(sale.eventId)]);
    expect(l1).toBe(l2);
    // An organizer's change (here: closing) is seen at once by the node that made it.
    expect((await env.api.post(`/v1/events/${sale.eventId}/onsale/close`, {}, { token: organizer.token })).status).toBe(
      200,
    );
    expect((await env.api.get(`/v1/events/${sale.eventId}/queue/stats`)).body.phase).toBe('closed');
  });

  it('serves the light event page with its ETag and 304, public unsigned and private signed in', async () => {
    const sale = await queueSale(env, organizer.userId);
    const [fan] = await bulkAccounts(db(), 1);
    const page = await env.api.get(`/v1/events/${sale.eventId}`);
    expect(page.status).toBe(200);
    expectCommonHeaders(page.headers);
    expect(page.body).toMatchObject({ id: sale.eventId });
    expect(page.headers.get('cache-control')).toBe('public, no-cache');
    const etag = page.headers.get('etag')!;
    const again = await env.api.get(`/v1/events/${sale.eventId}`, {
      headers: { 'if-none-match': etag, 'cache-control': 'max-age=0' },
    });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    const signed = await env.api.get(`/v1/events/${sale.eventId}`, { token: fan!.token });
    expect(signed.status).toBe(200);
    expect(signed.headers.get('cache-control')).toBe('private, no-cache');
    const missing = await env.api.get('/v1/events/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(missing.contentType).toBe('application/problem+json; charset=utf-8');
  });

  it('answers the hot routes without Express, and leaves the others to it', async () => {
    const sale = await queueSale(env, organizer.userId);
    const [fan] = await bulkAccounts(db(), 1);
    const app = env.server.app;
    const express = vi.spyOn(app, 'express');
    try {
      await join(sale.eventId, fan!.token);
      await me(sale.eventId, fan!.token);
      await env.api.get(`/v1/events/${sale.eventId}/queue/stats`);
      await env.api.get(`/v1/events/${sale.eventId}/lottery`);
      await env.api.get(`/v1/events/${sale.eventId}`);
      expect(express).not.toHaveBeenCalled();
      // Not lean: the challenge, HEAD, and a join whose body Express' parser must read.
      await env.api.get(`/v1/events/${sale.eventId}/queue/challenge`, { token: fan!.token });
      await env.api.call('HEAD', `/v1/events/${sale.eventId}/queue/stats`);
      await env.api.post(`/v1/events/${sale.eventId}/queue`, undefined, {
        token: fan!.token,
        raw: '{}',
        headers: { 'content-type': 'text/plain' },
      });
      expect(express).toHaveBeenCalledTimes(3);
    } finally {
      express.mockRestore();
    }
  });

  it('counts lean answers in the request metrics under their route pattern', async () => {
    const sale = await queueSale(env, organizer.userId);
    await env.api.get(`/v1/events/${sale.eventId}/queue/stats`);
    const metrics = await env.api.get('/metrics');
    expect(metrics.body).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/v1\/events\/:id\/queue\/stats",status="200"\} [1-9]/,
    );
  });
});
