import { api, ApiError } from './api.js';
import { h, setStatus } from './dom.js';
import type { Me } from './layout.js';

/**
 * "Confirm your email first", in words, with a button that sends the link again
 * (POST /v1/auth/resend-verification). Shown where an unconfirmed account would otherwise be
 * refused: joining a waiting room that asks for a confirmed address, accepting a ticket.
 * `what` finishes "To …, open the link in the mail we sent to <address>".
 */
export function verifyFirstNotice(me: Pick<Me, 'email'>, what: string): HTMLElement {
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const resend = h(
    'button',
    { type: 'button', class: 'secondary', 'data-action': 'resend-verification' },
    'Send the link again',
  );
  resend.addEventListener('click', async () => {
    resend.disabled = true;
    setStatus(status, 'busy', 'Sending…');
    try {
      await api('POST', '/v1/auth/resend-verification');
      setStatus(status, 'ok', `A new link is on its way to ${me.email}. Open it, then come back to this page.`);
    } catch (err) {
      setStatus(status, 'bad', err instanceof ApiError ? err.describe() : 'Network error; try again.');
    } finally {
      resend.disabled = false;
    }
  });
  return h(
    'div',
    { class: 'verify-first', 'data-notice': 'verify-email' },
    h(
      'p',
      {},
      h('strong', {}, 'Confirm your email first. '),
      `To ${what}, open the link in the mail we sent to ${me.email}.`,
    ),
    resend,
    status,
  );
}
