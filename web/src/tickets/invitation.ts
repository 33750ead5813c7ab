import { api, ApiError, session } from '../lib/api.js';
import { $, h, setStatus } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
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
  setStatus(status, 'busy', t('tickets:invitation.accepting'));
  try {
    await api('POST', `/v1/transfers/${transferId}/accept`, token ? { token } : undefined);
    setStatus(status, 'ok', t('tickets:invitation.accepted'));
    return true;
  } catch (err) {
    setStatus(status, 'bad', err instanceof ApiError ? err.describe() : t('tickets:networkError'));
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
  const transfer = transfers.find((offer) => offer.id === invite.transferId);
  const event = transfer ? await eventInfo(transfer.eventId) : null;
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const intro = transfer
    ? transfer.status === 'pending'
      ? event
        ? t('tickets:invitation.offeredAt', {
            event: event.title,
            when: eventStart(event),
            venue: event.venue.name,
            name: me.displayName,
          })
        : t('tickets:invitation.offered', { event: t('tickets:invitation.anEvent'), name: me.displayName })
      : transfer.status === 'accepted'
        ? t('tickets:invitation.state.accepted')
        : t('tickets:invitation.state.cancelled')
    : t('tickets:invitation.notYours', { email: me.email });
  const accept = h('button', { type: 'button', id: 'accept-transfer' }, t('tickets:transfer.accept'));
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
    h('h2', { id: 'invitation-title' }, t('tickets:invitation.title')),
    h('p', {}, intro),
    ...(transfer?.message ? [h('blockquote', { class: 'gift-message' }, transfer.message)] : []),
    h('p', { class: 'hint' }, t('tickets:invitation.free')),
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
    h('h3', {}, t('tickets:invitation.haveAccount')),
    h('label', { for: 'invite-email' }, t('tickets:invitation.email')),
    h('input', { id: 'invite-email', name: 'email', type: 'email', required: true, autocomplete: 'email' }),
    h('label', { for: 'invite-password' }, t('tickets:invitation.password')),
    h('input', {
      id: 'invite-password',
      name: 'password',
      type: 'password',
      required: true,
      autocomplete: 'current-password',
    }),
    h('button', { type: 'submit' }, t('tickets:invitation.signInAccept')),
    h('p', { class: 'status', role: 'status', 'aria-live': 'polite' }),
  );
  const claim = h(
    'form',
    { id: 'invite-claim', class: 'invite-form' },
    h('h3', {}, t('tickets:invitation.newHere')),
    h('label', { for: 'claim-name' }, t('tickets:invitation.name')),
    h('input', { id: 'claim-name', name: 'displayName', required: true, autocomplete: 'name' }),
    h('label', { for: 'claim-password' }, t('tickets:invitation.choosePassword')),
    h('input', {
      id: 'claim-password',
      name: 'password',
      type: 'password',
      required: true,
      minlength: '10',
      autocomplete: 'new-password',
    }),
    h('button', { type: 'submit' }, t('tickets:invitation.createAccept')),
    h('p', { class: 'status', role: 'status', 'aria-live': 'polite' }),
  );
  const value = (form: HTMLFormElement, name: string) => (form.elements.namedItem(name) as HTMLInputElement).value;

  signIn.addEventListener('submit', async (e) => {
    e.preventDefault();
    const status = $('.status', signIn);
    setStatus(status, 'busy', t('tickets:invitation.signingIn'));
    try {
      const grant = await api<{ token: string }>('POST', '/v1/auth/login', {
        email: value(signIn, 'email'),
        password: value(signIn, 'password'),
      });
      session.set(grant.token);
      // Reloaded signed in, the fragment still holds the invitation: the page offers it with its details.
      location.reload();
    } catch (err) {
      setStatus(status, 'bad', err instanceof ApiError ? err.describe() : t('tickets:networkError'));
    }
  });
  claim.addEventListener('submit', async (e) => {
    e.preventDefault();
    const status = $('.status', claim);
    if (!invite.token) return;
    setStatus(status, 'busy', t('tickets:invitation.creating'));
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
      setStatus(status, 'bad', err instanceof ApiError ? err.describe() : t('tickets:networkError'));
    }
  });
  panel.replaceChildren(
    h('h2', { id: 'invitation-title' }, t('tickets:invitation.someoneSent')),
    h('p', {}, invite.token ? t('tickets:invitation.withToken') : t('tickets:invitation.withoutToken')),
    // Creating an account needs the mail's token (it proves the address); the in-app link has none.
    h('div', { class: 'grid' }, signIn, invite.token ? claim : null),
  );
  panel.hidden = false;
}
