import { ApiError } from '../lib/api.js';
import { failureFeedback, type Feedback } from '../lib/forms.js';
import { t } from '../lib/i18n.js';

/**
 * The refusals only recovery forms meet, in people words: the status line, and what to put
 * beside the field the API names. The API's `detail` is not shown: it is written for developers.
 */
const OWN: Record<string, () => { text: string; field?: string }> = {
  'auth.reset_link_invalid': () => ({ text: t('account:recovery.resetLinkInvalid') }),
  'auth.email_change_invalid': () => ({ text: t('account:recovery.emailChangeInvalid') }),
  'auth.email_taken': () => ({ text: t('account:recovery.emailTaken') }),
  'auth.password_wrong': () => ({
    text: t('account:recovery.passwordWrong'),
    field: t('account:recovery.passwordWrongField'),
  }),
  'auth.email_unchanged': () => ({
    text: t('account:recovery.emailUnchanged'),
    field: t('account:recovery.emailUnchangedField'),
  }),
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
  const own = OWN[code]?.();
  if (own)
    return {
      kind: 'bad',
      text: own.text,
      errors: fields.map((e) => ({ field: e.field, message: own.field ?? e.message })),
    };
  if (code === 'request.invalid') return { kind: 'bad', text: t('account:recovery.checkInput'), errors: fields };
  if (code === 'rate_limited') {
    const minutes = Math.max(1, Math.ceil(Number(retryAfter ?? 60) / 60));
    return {
      kind: 'bad',
      text: t('account:recovery.wait', { count: minutes }),
      errors: [],
    };
  }
  if (code.startsWith('idempotency.') || code === 'internal')
    return { kind: 'bad', text: t('account:recovery.ours'), errors: [] };
  return { ...feedback, errors: fields };
}
