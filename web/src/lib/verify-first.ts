import { api, ApiError } from './api.js';
import { h, setStatus } from './dom.js';
import { t } from './i18n.js';
import type { Me } from './layout.js';

/**
 * "Confirm your email first", in words, with a button that sends the link again
 * (POST /v1/auth/resend-verification). Shown where an unconfirmed account would otherwise be
 * refused: joining a waiting room that asks for a confirmed address, accepting a ticket.
 * `what` says what the fan was about to do: each is a whole sentence in every language.
 */
const PURPOSES = {
  'join this waiting room': (email: string) => t('sale:verifyFirst.joinThisRoom', { email }),
  'join the waiting room': (email: string) => t('sale:verifyFirst.joinRoom', { email }),
  'accept this ticket': (email: string) => t('sale:verifyFirst.acceptTicket', { email }),
  'accept it': (email: string) => t('sale:verifyFirst.acceptIt', { email }),
} as const;
export type VerifyPurpose = keyof typeof PURPOSES;

export function verifyFirstNotice(me: Pick<Me, 'email'>, what: VerifyPurpose): HTMLElement {
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const resend = h(
    'button',
    { type: 'button', class: 'secondary', 'data-action': 'resend-verification' },
    t('sale:verifyFirst.resend'),
  );
  resend.addEventListener('click', async () => {
    resend.disabled = true;
    setStatus(status, 'busy', t('sale:verifyFirst.sending'));
    try {
      await api('POST', '/v1/auth/resend-verification');
      setStatus(status, 'ok', t('sale:verifyFirst.sent', { email: me.email }));
    } catch (err) {
      setStatus(status, 'bad', err instanceof ApiError ? err.describe() : t('sale:verifyFirst.network'));
    } finally {
      resend.disabled = false;
    }
  });
  return h(
    'div',
    { class: 'verify-first', 'data-notice': 'verify-email' },
    h('p', {}, h('strong', {}, t('sale:verifyFirst.title')), ' ', PURPOSES[what](me.email)),
    resend,
    status,
  );
}
