import { ApiError } from '../lib/api.js';
import { failureFeedback, type Feedback } from '../lib/forms.js';

/**
 * The refusals only recovery forms meet, in people words: the status line, and what to put
 * beside the field the API names. The API's `detail` is not shown: it is written for developers.
 */
const OWN: Record<string, { text: string; field?: string }> = {
  'auth.reset_link_invalid': {
    text: 'This password-reset link has expired or was already used. Ask for a new one below: it works for 30 minutes, once.',
  },
  'auth.email_change_invalid': {
    text: 'This confirmation link has expired or was already used. Ask for the change again from your account page.',
  },
  'auth.email_taken': {
    text: 'Another Fairdrop account already uses this address, so yours cannot move to it. Sign in with it, or choose another address.',
  },
  'auth.password_wrong': {
    text: 'Your current password is needed to change your email.',
    field: 'This is not your current password.',
  },
  'auth.email_unchanged': { text: 'Your account already uses this address.', field: 'This is already your address.' },
};

/**
 * What a refused recovery form says: the words above for its own refusals; for bad input, too
 * many tries or a fault of ours, plain words (with how long to wait); otherwise what every form
 * says (lib/forms.ts). A link's token is not a field of any form, so it is never marked.
 */
export function recoveryFeedback(err: unknown): Feedback {
  const feedback = failureFeedback(err);
  if (!(err instanceof ApiError)) return feedback;
  const { code, retryAfter } = err.problem;
  const fields = (feedback.errors ?? []).filter((e) => e.field !== 'token');
  const own = OWN[code];
  if (own)
    return {
      kind: 'bad',
      text: own.text,
      errors: fields.map((e) => ({ field: e.field, message: own.field ?? e.message })),
    };
  if (code === 'request.invalid') return { kind: 'bad', text: 'Please check what you typed.', errors: fields };
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
  return { ...feedback, errors: fields };
}
