import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { QueueError, queueError, unwrap } from '../../queue/errors.js';
import { AppError } from '../../src/shared/errors.js';
import { asProblem, queueProblem } from '../../src/waitingroom/refusals.js';

describe('script refusals', () => {
  it('map every code declared for the scripts to a named error, and nothing else', () => {
    const lua = readFileSync(new URL('../../queue/lua/includes/codes.lua', import.meta.url), 'utf8');
    const declared = [...lua.matchAll(/^local ERR_\w+ = (-\d+)/gm)].map((m) => Number(m[1]));
    expect(declared.length).toBeGreaterThan(5);
    for (const code of declared) {
      const error = queueError(code);
      expect(error).toBeInstanceOf(QueueError);
      expect(error.code).toMatch(/^(queue\.[a-z_]+|rate_limited)$/);
      expect(error.code).not.toBe('queue.script_failed');
      expect(asProblem(error).status).not.toBe(500);
    }
    expect(queueError(-99)).toMatchObject({ code: 'queue.script_failed' });
    expect(queueProblem(-99)).toMatchObject({ status: 500, code: 'queue.script_failed' });
  });

  it('carry no HTTP status: the engine knows none', () => {
    expect(queueError(-7)).not.toHaveProperty('status');
    expect(queueError(-7)).not.toBeInstanceOf(AppError);
  });

  it('give the HTTP statuses the API promises, once mapped by the API', () => {
    expect(queueProblem(-7)).toMatchObject({ code: 'queue.token_expired', status: 410 });
    expect(queueProblem(-6)).toMatchObject({ code: 'queue.token_wrong_account', status: 403 });
    expect(queueProblem(-8)).toMatchObject({ code: 'queue.token_used', status: 409 });
    expect(queueProblem(-1)).toMatchObject({ code: 'queue.not_open', status: 409 });
    expect(queueProblem(-2)).toMatchObject({ code: 'queue.closed', status: 409 });
    expect(queueProblem(-11, { retryAfterMs: 2500, scope: 'account' })).toMatchObject({
      code: 'rate_limited',
      status: 429,
      message: 'Too many joins in a short time from this account; try again in 3 s.',
      extra: { headers: { 'Retry-After': '3' } },
    });
  });

  it('pass replies through and throw on negative codes only', () => {
    expect(unwrap([1, 'x'])).toEqual([1, 'x']);
    expect(unwrap(0)).toBe(0);
    expect(() => unwrap(-2, { eventId: 'e' })).toThrow(
      expect.objectContaining({ code: 'queue.closed', data: { eventId: 'e' } }),
    );
    expect(() => unwrap([-11, 900, 'address'])).toThrow(
      expect.objectContaining({ code: 'rate_limited', retryAfterMs: 900 }),
    );
    // Through the API's mapping, as room.ts builds the engine.
    expect(() => unwrap(-2, { eventId: 'e' }, asProblem)).toThrow(
      expect.objectContaining({ code: 'queue.closed', status: 409, extra: { data: { eventId: 'e' } } }),
    );
    expect(() => unwrap([-11, 900, 'address'], undefined, asProblem)).toThrow(
      expect.objectContaining({ code: 'rate_limited', status: 429 }),
    );
  });
});
