import { api } from '../lib/api.js';
import { $, formValues } from '../lib/dom.js';
import { formKey, renderFeedback } from '../lib/forms.js';
import { t } from '../lib/i18n.js';
import { recoveryFeedback } from './feedback.js';

/**
 * The account page's "Change your email" form: a link goes to the new address, a notice to the
 * current one; the account moves only once the link is opened (confirm-email.html).
 */
export function bindEmailChange(): void {
  const form = $<HTMLFormElement>('#email-change');
  const status = $('.status', form);
  const key = formKey(form);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    renderFeedback(form, status, { kind: 'busy', text: t('account:emailChange.sending') });
    const { email = '', password = '' } = formValues(form);
    try {
      await api('POST', '/v1/me/email', { email, password }, { idempotencyKey: key.current() });
    } catch (err) {
      renderFeedback(form, status, recoveryFeedback(err));
      return;
    }
    key.reset();
    form.reset();
    renderFeedback(form, status, {
      kind: 'ok',
      text: t('account:emailChange.sent', { email: email.trim() }),
    });
  });
}
