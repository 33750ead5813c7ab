import { recoveryFeedback } from '../account/feedback.js';
import { api, ApiError, session } from '../lib/api.js';
import { $, formValues } from '../lib/dom.js';
import { formKey, renderFeedback } from '../lib/forms.js';
import { t } from '../lib/i18n.js';
import { renderHeader } from '../lib/layout.js';

void renderHeader();

/**
 * Two steps on one page: without a token, "send me a link"; with the token of the mailed link,
 * "choose a new password". The token arrives in the URL fragment, so it never reaches a server
 * log or a Referer header, and leaves the address bar at once.
 */
const token = new URLSearchParams(location.hash.slice(1)).get('token');
history.replaceState(null, '', location.pathname);
// A link pasted into this same tab changes only the fragment: start again with its token.
window.addEventListener('hashchange', () => location.reload());

const requestSection = $('#request-section');
const chooseSection = $('#choose-section');
const doneSection = $('#done-section');

function bindRequest(): void {
  const form = $<HTMLFormElement>('#request');
  const status = $('.status', form);
  const key = formKey(form);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    renderFeedback(form, status, { kind: 'busy', text: t('account:reset.sending') });
    const email = (formValues(form).email ?? '').trim();
    try {
      await api('POST', '/v1/auth/password-reset', { email }, { idempotencyKey: key.current() });
    } catch (err) {
      renderFeedback(form, status, recoveryFeedback(err));
      return;
    }
    key.reset();
    // The same words whether or not the address has an account: the mail itself says which.
    renderFeedback(form, status, {
      kind: 'ok',
      text: t('account:reset.sent', { email }),
    });
  });
}

function bindChoose(linkToken: string): void {
  const form = $<HTMLFormElement>('#choose');
  const status = $('.status', form);
  const key = formKey(form);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    renderFeedback(form, status, { kind: 'busy', text: t('account:reset.setting') });
    let done: { email: string };
    try {
      done = await api<{ email: string }>(
        'POST',
        '/v1/auth/password-reset/confirm',
        { token: linkToken, password: formValues(form).password ?? '' },
        { idempotencyKey: key.current() },
      );
    } catch (err) {
      renderFeedback(form, status, recoveryFeedback(err));
      // A dead link: the way on is a new one.
      if (err instanceof ApiError && err.problem.code === 'auth.reset_link_invalid') requestSection.hidden = false;
      return;
    }
    // Every session of the account ended, this device's too.
    session.clear();
    chooseSection.hidden = true;
    $('#done-text').textContent = t('account:reset.doneTextAs', { email: done.email });
    doneSection.hidden = false;
    $('#done-title').focus();
  });
}

bindRequest();
if (token) {
  requestSection.hidden = true;
  chooseSection.hidden = false;
  bindChoose(token);
  $<HTMLInputElement>('#choose-password').focus();
}
