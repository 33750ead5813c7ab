import { api } from './api.js';
import { $, h } from './dom.js';
import { t } from './i18n.js';
import { money } from './layout.js';
import type { ListingView } from '../../../src/resale/resale.schemas.js';

/**
 * The event page's resale section: tickets fans sell at face value or less (GET
 * /v1/events/:id/resale), each with a link to buy it on /resale.html. A listing still offered to
 * the waitlist says so instead. Hidden while there is none.
 */

function item(l: ListingView): HTMLElement {
  const seat = l.seat
    ? t('resale:listings.seat', { tier: l.tierName, section: l.seat.section, row: l.seat.row, number: l.seat.number })
    : t('resale:listings.seatGa', { tier: l.tierName });
  const price = money(l.priceCents, l.currency);
  const action = l.mine
    ? h('span', { class: 'muted' }, t('resale:listings.mine'))
    : l.openToAll || l.offeredToYou
      ? h('a', { class: 'button', href: `/resale.html?listing=${l.id}` }, t('resale:listings.buy', { price }))
      : h('span', { class: 'muted' }, t('resale:listings.waitlist'));
  return h('li', { class: 'resale-item' }, h('span', {}, t('resale:listings.line', { seat, price })), ' ', action);
}

export async function showResale(eventId: string): Promise<void> {
  const refresh = async () => {
    const { listings } = await api<{ listings: ListingView[] }>('GET', `/v1/events/${eventId}/resale`).catch(() => ({
      listings: [] as ListingView[],
    }));
    $('#resale-listings').replaceChildren(...listings.map(item));
    $('#resale').hidden = listings.length === 0;
  };
  await refresh();
  setInterval(() => void refresh(), 15_000);
}
