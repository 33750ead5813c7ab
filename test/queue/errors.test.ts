import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { queueError, unwrap } from '../../queue/errors.js';
import { AppError } from '../../src/shared/errors.js';

describe('script refusals', () => {
  it('map every code declared for the scripts to a named error, and nothing else', () => {
    const lua = readFileSync(new URL('../../queue/lua/includes/codes.lua', import.meta.url), 'utf8');
    const declared = [...lua.matchAll(/^local ERR_\w+ = (-\d+)/gm)].map((m) => Number(m[1]));
    expect(declared.length).toBeGreaterThan(5);
    for (const code of declared) {
      const error = queueError(code);
      expect(error).toBeInstanceOf(AppError);
      expect(error.code).toMatch(/^(queue\.[a-z_]+|rate_limited)$/);
      expect(error.status).not.toBe(500);
    }
    expect(queueError(-99)).toMatchObject({ status: 500, code: 'queue.script_failed' });
  });

  it('give the HTTP statuses the API promises', () => {
    expect(queueError(-7)).toMatchObject({ code: 'queue.token_expired', status: 410 });
    expect(queueError(-6)).toMatchObject({ code: 'queue.token_wrong_account', status: 403 });
    expect(queueError(-8)).toMatchObject({ code: 'queue.token_used', status: 409 });
    expect(queueError(-1)).toMatchObject({ code: 'queue.not_open', status: 409 });
    expect(queueError(-2)).toMatchObject({ code: 'queue.closed', status: 409 });
    expect(queueError(-11, { retryAfterMs: 2500, scope: 'account' })).toMatchObject({
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
      expect.objectContaining({ code: 'queue.closed', extra: { data: { eventId: 'e' } } }),
    );
    expect(() => unwrap([-11, 900, 'address'])).toThrow(expect.objectContaining({ code: 'rate_limited', status: 429 }));
  });
});
