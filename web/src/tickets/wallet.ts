import { api, ApiError, problemFrom, session } from '../lib/api.js';
import { h, setStatus } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import type { Ticket } from './types.js';

/**
 * "Add to Apple Wallet" and "Save to Google Wallet" on each ticket that still admits, when the
 * server has that wallet set up (GET /v1/wallet). The pass carries a code the door checks
 * without a network; it stops working when the ticket is passed on, exchanged or cancelled,
 * and the wallet updates it.
 */

let offered: Promise<{ apple: boolean; google: boolean }> | null = null;
const providers = () =>
  (offered ??= api<{ apple: boolean; google: boolean }>('GET', '/v1/wallet').catch(() => {
    offered = null;
    return { apple: false, google: false };
  }));

/** Fetches the .pkpass with the session and hands it to the browser (Safari opens "Add to Wallet"). */
async function addToApple(ticket: Ticket, status: HTMLElement): Promise<void> {
  setStatus(status, 'busy', t('tickets:wallet.preparing'));
  const token = session.token();
  const res = await fetch(`/v1/tickets/${ticket.id}/pass.pkpass`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  if (!res.ok) throw new ApiError(await problemFrom(res));
  const url = URL.createObjectURL(await res.blob());
  const link = h('a', { href: url, download: 'ticket.pkpass', hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  setStatus(status, 'ok', t('tickets:wallet.appleReady'));
}

async function saveToGoogle(ticket: Ticket, status: HTMLElement): Promise<void> {
  setStatus(status, 'busy', t('tickets:wallet.preparing'));
  const { url } = await api<{ url: string }>('GET', `/v1/tickets/${ticket.id}/google-wallet`);
  location.assign(url);
}

function buttons(ticket: Ticket, wallets: { apple: boolean; google: boolean }): HTMLElement {
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const run = (action: (ticket: Ticket, s: HTMLElement) => Promise<void>) => () =>
    void action(ticket, status).catch((err: unknown) =>
      setStatus(status, 'bad', err instanceof ApiError ? err.describe() : t('tickets:networkError')),
    );
  const apple = wallets.apple
    ? h('button', { type: 'button', class: 'secondary wallet-apple' }, t('tickets:wallet.apple'))
    : null;
  const google = wallets.google
    ? h('button', { type: 'button', class: 'secondary wallet-google' }, t('tickets:wallet.google'))
    : null;
  apple?.addEventListener('click', run(addToApple));
  google?.addEventListener('click', run(saveToGoogle));
  return h(
    'div',
    { class: 'wallet-buttons' },
    apple,
    google,
    h('p', { class: 'hint' }, t('tickets:wallet.hint')),
    status,
  );
}

/** Adds the wallet buttons to the cards of tickets that still admit (not used, not passed on, not cancelled). */
export async function addWalletButtons(list: HTMLElement, tickets: Ticket[]): Promise<void> {
  const wallets = await providers();
  if (!wallets.apple && !wallets.google) return;
  for (const ticket of tickets) {
    if (ticket.status !== 'valid') continue;
    const info = list.querySelector<HTMLElement>(`[data-ticket="${ticket.id}"] .ticket-info`);
    if (info && !info.querySelector('.wallet-buttons')) info.append(buttons(ticket, wallets));
  }
}
