import { AppError, tooManyRequests } from '../src/shared/errors.js';
import type { RateLimited } from './scripts.js';

/**
 * The one place where a script's negative return code becomes a named error. The numbers
 * are defined in queue/lua/includes/codes.lua; the dotted codes are what clients and tests
 * match on.
 */
const refusals: Record<number, { status: number; code: string; detail: string }> = {
  [-1]: { status: 409, code: 'queue.not_open', detail: 'The waiting room for this event is not open.' },
  [-2]: { status: 409, code: 'queue.closed', detail: 'The waiting room for this event is closed.' },
  [-3]: { status: 409, code: 'queue.wrong_phase', detail: 'The waiting room is not in a phase that allows this.' },
  [-4]: { status: 409, code: 'queue.entry_id_taken', detail: 'The proposed entry id is taken.' },
  [-5]: { status: 403, code: 'queue.token_invalid', detail: 'This purchase token is not valid for this event.' },
  [-6]: {
    status: 403,
    code: 'queue.token_wrong_account',
    detail: 'This purchase token was issued to another account.',
  },
  [-7]: { status: 410, code: 'queue.token_expired', detail: 'This purchase token has expired.' },
  [-8]: { status: 409, code: 'queue.token_used', detail: 'This purchase token has already been used.' },
  [-9]: { status: 409, code: 'queue.token_not_claimed', detail: 'This purchase token is not claimed by a hold.' },
  [-10]: { status: 409, code: 'queue.draw_incomplete', detail: 'The lottery draw has not written every ticket yet.' },
  // The API's one code for every rate limit, so clients handle a busy join like any other 429.
  [-11]: { status: 429, code: 'rate_limited', detail: 'Too many joins in a short time.' },
};

/** Codes the engine handles itself instead of throwing. */
export const ENTRY_ID_TAKEN = -4;
export const WRONG_PHASE = -3;
/** The one refusal that comes with details: `{-11, retryAfterMs, scope}`. */
export const RATE_LIMITED = -11;

/** The error for a script refusal; an unknown code is a bug, reported as a 500 with the number. */
export function queueError(code: number, context?: Record<string, unknown>): AppError {
  const known = refusals[code];
  if (!known) return new AppError(500, 'queue.script_failed', `A queue script answered the unknown code ${code}.`);
  if (code === RATE_LIMITED) {
    const retryAfterMs = Number(context?.retryAfterMs ?? 1000);
    const scope = typeof context?.scope === 'string' ? ` from this ${context.scope}` : '';
    return tooManyRequests(
      known.code,
      `${known.detail.slice(0, -1)}${scope}; try again in ${Math.ceil(retryAfterMs / 1000)} s.`,
      retryAfterMs / 1000,
    );
  }
  return new AppError(known.status, known.code, known.detail, context ? { data: context } : {});
}

/** A script's reply, or the named error when it is a negative code. */
export function unwrap<T>(reply: number | RateLimited | T, context?: Record<string, unknown>): T {
  if (typeof reply === 'number' && reply < 0) throw queueError(reply, context);
  if (Array.isArray(reply) && reply[0] === RATE_LIMITED)
    throw queueError(RATE_LIMITED, { retryAfterMs: reply[1], scope: reply[2] });
  return reply as T;
}
