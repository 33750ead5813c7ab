import { ApiError } from '../lib/api.js';
import { failureFeedback, type Feedback } from '../lib/forms.js';

/**
 * What a refused recovery form says, in people words: the API's own sentence for a refusal it
 * explains (an expired link, a taken address, a wrong password), a plain one for bad input
 * (its fields are marked beside them) and for too many tries (with how long to wait).
 */
export function recoveryFeedback(err: unknown): Feedback {
  const feedback = failureFeedback(err);
  if (!(err instanceof ApiError)) return feedback;
  const { code, retryAfter } = err.problem;
  if (code === 'request.invalid') return { ...feedback, text: 'Please check what you typed.' };
  if (code === 'rate_limited') {
    const minutes = Math.max(1, Math.ceil(Number(retryAfter ?? 60) / 60));
    return {
      kind: 'bad',
      text: `Too many tries for now. Please wait ${minutes === 1 ? 'a minute' : `${minutes} minutes`} and try again.`,
      errors: [],
    };
  }
  if (code.startsWith('idempotency.') || code === 'internal')
    return { kind: 'bad', text: 'Something went wrong on our side. Please try again.', errors: [] };
  // The link's own token is not a field of the form: its problem is said in the status line only.
  return { ...feedback, errors: (feedback.errors ?? []).filter((e) => e.field !== 'token') };
}
