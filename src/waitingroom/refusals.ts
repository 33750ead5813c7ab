import { queueError, type QueueError, type QueueErrorCode } from '../../queue/errors.js';
import { AppError, tooManyRequests } from '../shared/errors.js';

/**
 * The one place where the engine's refusals (queue/errors.ts: a code and a detail, no HTTP)
 * become the API's problems. The engine is built with `refuse: asProblem` (room.ts), so every
 * refusal it throws into src/ is already an AppError with the status below.
 */
const STATUS: Record<QueueErrorCode, number> = {
  'queue.not_open': 409,
  'queue.closed': 409,
  'queue.wrong_phase': 409,
  'queue.entry_id_taken': 409,
  // A token for another event or account is refused as forbidden; one that ran out is gone (410).
  'queue.token_invalid': 403,
  'queue.token_wrong_account': 403,
  'queue.token_expired': 410,
  'queue.token_used': 409,
  'queue.token_not_claimed': 409,
  'queue.draw_incomplete': 409,
  rate_limited: 429,
  // A script answered a code the engine does not know: a bug, reported as one.
  'queue.script_failed': 500,
};

export function asProblem(err: QueueError): AppError {
  if (err.code === 'rate_limited') return tooManyRequests(err.code, err.message, (err.retryAfterMs ?? 1000) / 1000);
  return new AppError(STATUS[err.code], err.code, err.message, err.data ? { data: err.data } : {});
}

/** The problem for a script's refusal code, for a service that meets the same refusal itself (a spent token). */
export const queueProblem = (code: number, context?: Record<string, unknown>): AppError =>
  asProblem(queueError(code, context));
