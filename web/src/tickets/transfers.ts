import { api, ApiError } from '../lib/api.js';
import { h, setStatus } from '../lib/dom.js';
import type { Me } from '../lib/layout.js';
import { acceptTransfer } from './invitation.js';
import { at, eventInfo } from './shared.js';
import type { FeedItem, Transfer } from './types.js';

/**
 * Transfers I sent and received. An offer to me can be accepted here as well as from the mail:
 * the in-app `transfer.received` notification carries the same token as the invitation link.
 */
export async function renderTransfers(
  list: HTMLElement,
  transfers: Transfer[],
  me: Me,
  notifications: FeedItem[],
  onChange: () => void,
): Promise<void> {
  const tokens = new Map<string, string>();
  for (const n of notifications) {
    if (n.kind === 'transfer.received' && typeof n.data.transferId === 'string' && typeof n.data.token === 'string')
      tokens.set(n.data.transferId, n.data.token);
  }
  const infos = await Promise.all(transfers.map((t) => eventInfo(t.eventId)));
  const items = transfers.map((t, i) => {
    const event = infos[i] ?? null;
    const what = event ? `${event.title} (${at(event.startsAt.utc, event)})` : 'a ticket';
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
      const token = tokens.get(t.id);
      if (t.status === 'pending' && token) {
        action = h('button', { type: 'button' }, 'Accept this ticket');
        action.addEventListener('click', async () => {
          if (await acceptTransfer(t.id, token, status)) onChange();
        });
      } else if (t.status === 'pending') line += ' Open the link in the invitation mail to accept it.';
    }
    return h(
      'li',
      { 'data-transfer': t.id, class: `transfer-item transfer-${t.status}` },
      h('p', {}, line, t.message ? h('span', { class: 'muted' }, ` “${t.message}”`) : null),
      h('p', { class: 'hint' }, `${mine ? 'Sent' : 'Received'} ${at(t.createdAt, event)}`),
      action,
      status,
    );
  });
  list.replaceChildren(...(items.length ? items : [h('li', { class: 'muted' }, 'No transfers yet.')]));
}
