import { api, ApiError } from '../lib/api.js';
import { h, setStatus } from '../lib/dom.js';
import { formKey, showError, toMinorUnits } from '../lib/forms.js';
import { number, t } from '../lib/i18n.js';
import { money } from '../lib/layout.js';
import { problemText } from '../lib/words.js';
import type { ListingView, QuoteView } from '../../../src/resale/resale.schemas.js';
import type { Ticket } from './types.js';

/**
 * "Sell at face value" on each ticket that still admits (GET/POST /v1/tickets/:id/resale): the
 * page states the highest price, the fee and what the seller gets before anything is listed.
 * A listed ticket shows its listing and "Withdraw listing" instead of the transfer form: a
 * listed ticket cannot be passed on until it is withdrawn.
 */

const cents = (value: number) => (value / 100).toFixed(2);

function listed(listing: ListingView, onChange: () => void): HTMLElement {
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const withdraw = h('button', { type: 'button', class: 'secondary resale-withdraw' }, t('resale:sell.withdraw'));
  withdraw.addEventListener('click', async () => {
    setStatus(status, 'busy', t('resale:sell.withdrawing'));
    try {
      await api('POST', `/v1/resale/${listing.id}/withdraw`);
      onChange();
    } catch (err) {
      setStatus(status, 'bad', err instanceof ApiError ? err.describe() : t('tickets:networkError'));
    }
  });
  const waitlist = listing.openToAll ? t('resale:sell.openToAll') : t('resale:sell.waitlistFirst');
  return h(
    'div',
    { class: 'resale-listed' },
    h(
      'p',
      {},
      h('span', { class: 'badge' }, t('resale:sell.badge')),
      ` ${t('resale:sell.listed', {
        price: money(listing.priceCents, listing.currency),
        payout: money(listing.payoutCents ?? 0, listing.currency),
      })} ${waitlist}`,
    ),
    withdraw,
    status,
  );
}

function sellForm(ticket: Ticket, onChange: () => void): HTMLElement {
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const body = h('div', { class: 'resale-body' }, h('p', { class: 'hint' }, t('resale:sell.loading')));
  const details = h('details', { class: 'resale' }, h('summary', {}, t('resale:sell.summary')), body, status);
  let loaded = false;
  details.addEventListener('toggle', async () => {
    if (!details.open || loaded) return;
    loaded = true;
    try {
      const quote = await api<QuoteView>('GET', `/v1/tickets/${ticket.id}/resale`);
      body.replaceChildren(quote.listable ? form(ticket, quote, status, onChange) : refusal(quote));
    } catch (err) {
      loaded = false;
      setStatus(status, 'bad', err instanceof ApiError ? err.describe() : t('tickets:networkError'));
    }
  });
  return details;
}

function refusal(quote: QuoteView): HTMLElement {
  return h('p', {}, problemText({ status: 409, code: quote.refusal ?? 'resale.not_allowed' }));
}

function form(ticket: Ticket, quote: QuoteView, status: HTMLElement, onChange: () => void): HTMLElement {
  const id = `resale-price-${ticket.id}`;
  const input = h('input', {
    id,
    name: 'priceCents',
    type: 'number',
    inputmode: 'decimal',
    step: '0.01',
    min: cents(quote.minPriceCents),
    max: cents(quote.maxPriceCents),
    value: cents(quote.maxPriceCents),
    required: true,
    'aria-describedby': `${id}-terms`,
  });
  const terms = h('p', { id: `${id}-terms`, class: 'resale-terms' });
  const fee = (price: number) => Math.round((price * quote.feePercent) / 100);
  const describeTerms = () => {
    const price = toMinorUnits(input.value, quote.currency) ?? 0;
    terms.textContent = t('resale:sell.terms', {
      paid: money(quote.faceValueCents, quote.currency),
      max: money(quote.maxPriceCents, quote.currency),
      // "5 %": a space before the sign in all three languages' usage, and in the English this page always wrote.
      percent: `${number(quote.feePercent)} %`,
      fee: money(fee(price), quote.currency),
      payout: money(Math.max(0, price - fee(price)), quote.currency),
    });
  };
  describeTerms();
  input.addEventListener('input', describeTerms);
  const el = h(
    'form',
    { class: 'resale-form', novalidate: true },
    h('label', { for: id }, t('resale:sell.price', { currency: quote.currency })),
    input,
    terms,
    h('button', { type: 'submit' }, t('resale:sell.submit')),
  );
  const key = formKey(el);
  el.addEventListener('submit', async (e) => {
    e.preventDefault();
    setStatus(status, 'busy', t('resale:sell.listing'));
    try {
      const priceCents = toMinorUnits(input.value, quote.currency);
      await api('POST', `/v1/tickets/${ticket.id}/resale`, { priceCents }, { idempotencyKey: key.current() });
      setStatus(status, 'ok', t('resale:sell.done'));
      onChange();
    } catch (err) {
      showError(el, status, err);
    }
  });
  return el;
}

/** Adds the resale part to each card of a ticket that still admits: its listing, or the "Sell" form. */
export async function addResaleActions(list: HTMLElement, tickets: Ticket[], onChange: () => void): Promise<void> {
  const { listings } = await api<{ listings: ListingView[] }>('GET', '/v1/me/resale').catch(() => ({
    listings: [] as ListingView[],
  }));
  const live = new Map(listings.filter((l) => l.status === 'listed').map((l) => [l.ticketId, l]));
  for (const ticket of tickets) {
    if (ticket.status !== 'valid') continue;
    const info = list.querySelector<HTMLElement>(`[data-ticket="${ticket.id}"] .ticket-info`);
    if (!info || info.querySelector('.resale, .resale-listed')) continue;
    const listing = live.get(ticket.id);
    if (listing) {
      // A listed ticket is not passed on: its transfer form gives way to the listing.
      info.querySelector('details.transfer')?.remove();
      info.append(listed(listing, onChange));
    } else if (!ticket.pendingTransferId) {
      info.append(sellForm(ticket, onChange));
    }
  }
}
