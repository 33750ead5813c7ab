import { api, ApiError } from '../lib/api.js';
import { h, setStatus } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import type { Me } from '../lib/layout.js';
import { verifyFirstNotice } from '../lib/verify-first.js';
import { acceptTransfer } from './invitation.js';
import { eventStart, eventInfo, mineAt, slot, withNodes } from './shared.js';
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
  const items = transfers.map((offer, i) => {
    const event = infos[i] ?? null;
    const what = event
      ? t('tickets:transfer.what', { event: event.title, when: eventStart(event) })
      : t('tickets:transfer.aTicket');
    const mine = offer.fromUserId === me.id;
    const email = offer.toEmail;
    const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
    let line: string;
    let action: HTMLElement | null = null;
    if (mine) {
      line =
        offer.status === 'pending'
          ? t('tickets:transfer.mine.pending', { what, email })
          : offer.status === 'accepted'
            ? t('tickets:transfer.mine.accepted', { what, email })
            : t('tickets:transfer.mine.cancelled', { what, email });
      if (offer.status === 'pending') {
        action = h('button', { type: 'button', class: 'secondary' }, t('tickets:transfer.cancel'));
        action.addEventListener('click', async () => {
          setStatus(status, 'busy', t('tickets:transfer.cancelling'));
          try {
            await api('DELETE', `/v1/transfers/${offer.id}`);
            onChange();
          } catch (err) {
            setStatus(status, 'bad', err instanceof ApiError ? err.describe() : t('tickets:networkError'));
          }
        });
      }
    } else {
      line =
        offer.status === 'pending'
          ? t('tickets:transfer.theirs.pending', { what })
          : offer.status === 'accepted'
            ? t('tickets:transfer.theirs.accepted', { what })
            : t('tickets:transfer.theirs.cancelled', { what });
      if (offer.status === 'pending' && me.emailVerified) {
        action = h('button', { type: 'button' }, t('tickets:transfer.accept'));
        action.addEventListener('click', async () => {
          if (await acceptTransfer(offer.id, null, status)) onChange();
        });
      } else if (offer.status === 'pending') action = verifyFirstNotice(me, 'accept it');
    }
    const when = mine
      ? t('tickets:transfer.sentAt', { time: slot('time') })
      : t('tickets:transfer.receivedAt', { time: slot('time') });
    return h(
      'li',
      { 'data-transfer': offer.id, class: `transfer-item transfer-${offer.status}` },
      h('p', {}, line, offer.message ? h('span', { class: 'muted' }, ` “${offer.message}”`) : null),
      h('p', { class: 'hint' }, ...withNodes(when, { time: mineAt(offer.createdAt) })),
      action,
      status,
    );
  });
  list.replaceChildren(...(items.length ? items : [h('li', { class: 'muted' }, t('tickets:transfer.none'))]));
}
