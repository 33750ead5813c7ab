import { api, ApiError } from '../lib/api.js';
import { h, setStatus } from '../lib/dom.js';
import type { Me } from '../lib/layout.js';
import { verifyFirstNotice } from '../lib/verify-first.js';
import { acceptTransfer } from './invitation.js';
import { eventStart, eventInfo, mineAt } from './shared.js';
import type { Transfer } from './types.js';

/**
 * Transfers I sent and received. An offer to me can be accepted here as well as from the mail,
 * once my address is confirmed (that is the proof; no token is needed); before that, the page
 * says to confirm it.
 */
export async function renderTransfers(
  list: HTMLElement,
  transfers: Transfer[],
  me: Me,
  onChange: () => void,
): Promise<void> {
  const infos = await Promise.all(transfers.map((t) => eventInfo(t.eventId)));
  const items = transfers.map((t, i) => {
    const event = infos[i] ?? null;
    const what = event ? `${event.title} (${eventStart(event)})` : 'a ticket';
    const mine = t.fromUserId === me.id;
    const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
    let line: string;
    let action: HTMLElement | null = null;
    if (mine) {
      line =
        t.status === 'pending'
          ? `You offered ${what} to ${t.toEmail}; waiting for them to accept.`
          : t.status === 'accepted'
            ? `${t.toEmail} accepted ${what}.`
            : `You cancelled your offer of ${what} to ${t.toEmail}.`;
      if (t.status === 'pending') {
        action = h('button', { type: 'button', class: 'secondary' }, 'Cancel transfer');
        action.addEventListener('click', async () => {
          setStatus(status, 'busy', 'Cancelling…');
          try {
            await api('DELETE', `/v1/transfers/${t.id}`);
            onChange();
          } catch (err) {
            setStatus(status, 'bad', err instanceof ApiError ? err.describe() : 'Network error; try again.');
          }
        });
      }
    } else {
      line =
        t.status === 'pending'
          ? `${what} is offered to you.`
          : t.status === 'accepted'
            ? `You received ${what}.`
            : `An offer of ${what} to you was cancelled by the sender.`;
      if (t.status === 'pending' && me.emailVerified) {
        action = h('button', { type: 'button' }, 'Accept this ticket');
        action.addEventListener('click', async () => {
          if (await acceptTransfer(t.id, null, status)) onChange();
        });
      } else if (t.status === 'pending') action = verifyFirstNotice(me, 'accept it');
    }
    return h(
      'li',
      { 'data-transfer': t.id, class: `transfer-item transfer-${t.status}` },
      h('p', {}, line, t.message ? h('span', { class: 'muted' }, ` “${t.message}”`) : null),
      h('p', { class: 'hint' }, `${mine ? 'Sent' : 'Received'} `, mineAt(t.createdAt)),
      action,
      status,
    );
  });
  list.replaceChildren(...(items.length ? items : [h('li', { class: 'muted' }, 'No transfers yet.')]));
}
