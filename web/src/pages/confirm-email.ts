import { recoveryFeedback } from '../account/feedback.js';
import { api } from '../lib/api.js';
import { $, setStatus } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { renderHeader } from '../lib/layout.js';

void renderHeader();

/**
 * The link mailed to a new address. Nothing changes on load (a mail scanner that opens links
 * must not move an account): the reader confirms with the button. The token arrives in the
 * URL fragment, so it never reaches a server log or a Referer header.
 */
const token = new URLSearchParams(location.hash.slice(1)).get('token');
history.replaceState(null, '', location.pathname);

const ask = $('#ask');
const result = $('#result');
const confirm = $<HTMLButtonElement>('#confirm');

if (!token) {
  ask.hidden = true;
  setStatus(result, 'bad', t('account:confirmEmail.incomplete'));
} else {
  confirm.addEventListener('click', async () => {
    confirm.disabled = true;
    setStatus(result, 'busy', t('account:confirmEmail.confirming'));
    try {
      const changed = await api<{ email: string }>('POST', '/v1/auth/email-change/confirm', { token });
      ask.hidden = true;
      setStatus(result, 'ok', t('account:confirmEmail.done', { email: changed.email }));
    } catch (err) {
      const feedback = recoveryFeedback(err);
      setStatus(result, feedback.kind, feedback.text);
      confirm.disabled = false;
    }
  });
}
