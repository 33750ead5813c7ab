import type { RateLimited } from './scripts.js';

/**
 * The one place where a script's negative return code becomes a named refusal. The numbers
 * are defined in queue/lua/includes/codes.lua; the dotted codes are what clients and tests
 * match on. The engine knows no HTTP: a host that serves these refusals gives each a status
 * of its own (src/waitingroom/refusals.ts for the API).
 */
const refusals = {
  [-1]: { code: 'queue.not_open', detail: 'The waiting room for this event is not open.' },
  [-2]: { code: 'queue.closed', detail: 'The waiting room for this event is closed.' },
  [-3]: { code: 'queue.wrong_phase', detail: 'The waiting room is not in a phase that allows this.' },
  [-4]: { code: 'queue.entry_id_taken', detail: 'The proposed entry id is taken.' },
  [-5]: { code: 'queue.token_invalid', detail: 'This purchase token is not valid for this event.' },
  [-6]: { code: 'queue.token_wrong_account', detail: 'This purchase token was issued to another account.' },
  [-7]: { code: 'queue.token_expired', detail: 'This purchase token has expired.' },
  [-8]: { code: 'queue.token_used', detail: 'This purchase token has already been used.' },
  [-9]: { code: 'queue.token_not_claimed', detail: 'This purchase token is not claimed by a hold.' },
  [-10]: { code: 'queue.draw_incomplete', detail: 'The lottery draw has not written every ticket yet.' },
  // The API's one code for every rate limit, so clients handle a busy join like any other.
  [-11]: { code: 'rate_limited', detail: 'Too many joins in a short time.' },
} as const;

/** Every code a refusal can carry; `queue.script_failed` is a script answering a number not listed above (a bug). */
export type QueueErrorCode = (typeof refusals)[keyof typeof refusals]['code'] | 'queue.script_failed';

/** A refusal by the engine: a stable dotted code, a human detail, and what the caller passed as context. */
export class QueueError extends Error {
  constructor(
    readonly code: QueueErrorCode,
    detail: string,
    /** The caller's context (`{ eventId }`), for the host to pass on. */
    readonly data?: Record<string, unknown>,
    /** `rate_limited` only: when the caller may try again. */
    readonly retryAfterMs?: number,
  ) {
    super(detail);
    this.name = 'QueueError';
  }
}

/** How a refusal is thrown: the engine's QueueError by default; a host may turn it into its own error type. */
export type Refuse = (err: QueueError) => Error;
export const asQueueError: Refuse = (err) => err;

/** Codes the engine handles itself instead of throwing. */
export const ENTRY_ID_TAKEN = -4;
export const WRONG_PHASE = -3;
/** The one refusal that comes with details: `{-11, retryAfterMs, scope}`. */
export const RATE_LIMITED = -11;

/** The refusal for a script's code; an unknown code is a bug, reported with the number. */
export function queueError(code: number, context?: Record<string, unknown>): QueueError {
  const known = (refusals as Record<number, { code: QueueErrorCode; detail: string } | undefined>)[code];
  if (!known) return new QueueError('queue.script_failed', `A queue script answered the unknown code ${code}.`);
  if (code === RATE_LIMITED) {
    const retryAfterMs = Number(context?.retryAfterMs ?? 1000);
    const scope = typeof context?.scope === 'string' ? ` from this ${context.scope}` : '';
    const detail = `${known.detail.slice(0, -1)}${scope}; try again in ${Math.ceil(retryAfterMs / 1000)} s.`;
    return new QueueError(known.code, detail, undefined, retryAfterMs);
  }
  return new QueueError(known.code, known.detail, context);
}

/** A script's reply, or its refusal thrown (through `refuse`) when it is a negative code. */
export function unwrap<T>(
  reply: number | RateLimited | T,
  context?: Record<string, unknown>,
  refuse: Refuse = asQueueError,
): T {
  if (typeof reply === 'number' && reply < 0) throw refuse(queueError(reply, context));
  if (Array.isArray(reply) && reply[0] === RATE_LIMITED)
    throw refuse(queueError(RATE_LIMITED, { retryAfterMs: reply[1], scope: reply[2] }));
  return reply as T;
}
