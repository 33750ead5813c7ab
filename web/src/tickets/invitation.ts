import { api, ApiError, session } from '../lib/api.js';
import { $, h, setStatus } from '../lib/dom.js';
import type { Me } from '../lib/layout.js';
import { verifyFirstNotice } from '../lib/verify-first.js';
import { eventInfo, eventStart } from './shared.js';
import type { Transfer } from './types.js';

/**
 * A ticket offered to me. The invitation mail links to /transfer.html#id=…&token=…, the in-app
 * notice to /transfer.html#id=…; either forwards here as #transfer=…[&token=…] (fragments never
 * reach a server log or a Referer). Signed in with a confirmed address, the recipient accepts
 * (the token is not needed then); with an unconfirmed one, they are asked to confirm it first.
 * Signed out, they sign in here or, with the mail's token, create their account from the
 * invitation (POST /v1/transfers/:id/claim), without losing the link.
 */

export interface Invitation {
  transferId: string;
  /** The mail's token; the in-app link carries none. */
  token: string | null;
}

export function invitationFromHash(): Invitation | null {
  const params = new URLSearchParams(location.hash.slice(1));
  const transferId = params.get('transfer');
  return transferId ? { transferId, token: params.get('token') } : null;
}

const forget = () => history.replaceState(null, '', location.pathname + location.search);

/** Accepts (with the mail's token when the page has it); true when the ticket is now mine. */
export async function acceptTransfer(transferId: string, token: string | null, status: HTMLElement): Promise<boolean> {
  setStatus(status, 'busy', 'Accepting the ticket…');
  try {
    await api('POST', `/v1/transfers/${transferId}/accept`, token ? { token } : undefined);
    setStatus(
      status,
      'ok',
      'The ticket is yours: its door code is in your tickets below. The sender’s code no longer works.',
    );
    return true;
  } catch (err) {
    setStatus(status, 'bad', err instanceof ApiError ? err.describe() : 'Network error; try again.');
    return false;
  }
}

/** Signed in: who sent it, for which event, and the accept button. */
export async function showInvitation(
  invite: Invitation,
  me: Me,
  transfers: Transfer[],
  onAccepted: () => void,
): Promise<void> {
  const panel = $('#invitation');
  const transfer = transfers.find((t) => t.id === invite.transferId);
  const event = transfer ? await eventInfo(transfer.eventId) : null;
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const intro = transfer
    ? transfer.status === 'pending'
      ? `A ticket for ${event?.title ?? 'an event'}${event ? ` (${eventStart(event)}, ${event.venue.name})` : ''} is offered to you, ${me.displayName}.`
      : `This transfer is ${transfer.status}.`
    : `This invitation is not addressed to ${me.email}. If it was sent to another address of yours, sign out and sign in with that one.`;
  const accept = h('button', { type: 'button', id: 'accept-transfer' }, 'Accept this ticket');
  accept.hidden = transfer?.status !== undefined && transfer.status !== 'pending';
  // An unconfirmed address cannot take the ticket: the page says what to do instead of offering a button that fails.
  const verifyFirst = transfer?.status === 'pending' && !me.emailVerified;
  if (verifyFirst) accept.hidden = true;
  accept.addEventListener('click', async () => {
    accept.disabled = true;
    if (await acceptTransfer(invite.transferId, invite.token, status)) {
      accept.hidden = true;
      forget();
      onAccepted();
    } else accept.disabled = false;
  });
  panel.replaceChildren(
    h('h2', { id: 'invitation-title' }, 'A ticket for you'),
    h('p', {}, intro),
    ...(transfer?.message ? [h('blockquote', { class: 'gift-message' }, transfer.message)] : []),
    h('p', { class: 'hint' }, 'Transfers on Fairdrop are free. Never pay anyone for a ticket sent this way.'),
    ...(verifyFirst ? [verifyFirstNotice(me, 'accept this ticket')] : []),
    accept,
    status,
  );
  panel.hidden = false;
}

/** Signed out: sign in (existing account) or create the account the ticket was offered to. */
export function showSignedOutInvitation(invite: Invitation): void {
  const panel = $('#invitation');
  const signIn = h(
    'form',
    { id: 'invite-signin', class: 'invite-form' },
    h('h3', {}, 'I have a Fairdrop account'),
    h('label', { for: 'invite-email' }, 'Email'),
    h('input', { id: 'invite-email', name: 'email', type: 'email', required: true, autocomplete: 'email' }),
    h('label', { for: 'invite-password' }, 'Password'),
    h('input', {
      id: 'invite-password',
      name: 'password',
      type: 'password',
      required: true,
      autocomplete: 'current-password',
    }),
    h('button', { type: 'submit' }, 'Sign in and accept'),
    h('p', { class: 'status', role: 'status', 'aria-live': 'polite' }),
  );
  const claim = h(
    'form',
    { id: 'invite-claim', class: 'invite-form' },
    h('h3', {}, 'I am new to Fairdrop'),
    h('label', { for: 'claim-name' }, 'Your name'),
    h('input', { id: 'claim-name', name: 'displayName', required: true, autocomplete: 'name' }),
    h('label', { for: 'claim-password' }, 'Choose a password (10 characters or more)'),
    h('input', {
      id: 'claim-password',
      name: 'password',
      type: 'password',
      required: true,
      minlength: '10',
      autocomplete: 'new-password',
    }),
    h('button', { type: 'submit' }, 'Create my account and accept'),
    h('p', { class: 'status', role: 'status', 'aria-live': 'polite' }),
  );
  const value = (form: HTMLFormElement, name: string) => (form.elements.namedItem(name) as HTMLInputElement).value;

  signIn.addEventListener('submit', async (e) => {
    e.preventDefault();
    const status = $('.status', signIn);
    setStatus(status, 'busy', 'Signing in…');
    try {
      const grant = await api<{ token: string }>('POST', '/v1/auth/login', {
        email: value(signIn, 'email'),
        password: value(signIn, 'password'),
      });
      session.set(grant.token);
      // Reloaded signed in, the fragment still holds the invitation: the page offers it with its details.
      location.reload();
    } catch (err) {
      setStatus(status, 'bad', err instanceof ApiError ? err.describe() : 'Network error; try again.');
    }
  });
  claim.addEventListener('submit', async (e) => {
    e.preventDefault();
    const status = $('.status', claim);
    if (!invite.token) return;
    setStatus(status, 'busy', 'Creating your account…');
    try {
      const grant = await api<{ token: string }>('POST', `/v1/transfers/${invite.transferId}/claim`, {
        token: invite.token,
        password: value(claim, 'password'),
        displayName: value(claim, 'displayName'),
      });
      session.set(grant.token);
      forget();
      location.reload();
    } catch (err) {
      setStatus(status, 'bad', err instanceof ApiError ? err.describe() : 'Network error; try again.');
    }
  });
  panel.replaceChildren(
    h('h2', { id: 'invitation-title' }, 'Someone sent you a ticket'),
    h(
      'p',
      {},
      invite.token
        ? 'Sign in with the address the invitation was sent to, or create your account: the ticket then becomes yours and its door code appears on this page.'
        : 'Sign in with the address the ticket was sent to. New to Fairdrop? Open the link in the invitation mail: it lets you create your account.',
    ),
    // Creating an account needs the mail's token (it proves the address); the in-app link has none.
    h('div', { class: 'grid' }, signIn, invite.token ? claim : null),
  );
  panel.hidden = false;
}
