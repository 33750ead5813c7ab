import { h } from '../lib/dom.js';
import { locale, number, t } from '../lib/i18n.js';
import { money } from '../lib/layout.js';
import { describeReceipt } from '../lib/receipt-words.js';
import { eventTime, viewerTime } from '../lib/zoned-time.js';
import type { EventInfo, HeldSeat, Hold, Order, Receipt } from './types.js';

/**
 * What the checkout says the fan is buying and what they bought: the event, when and where, the
 * seats, each line's price, the fees and the total, all from the hold's own prices (what the
 * order will charge), with the event's names and times beside them.
 */

/** "Sat 5 Dec, 20:00 CET · doors 19:00 CET", in the event's zone. */
export function whenWords(event: EventInfo): string {
  const zone = event.startsAt.timeZone;
  const start = eventTime(event.startsAt.utc, zone, { locale });
  if (!event.doorsAt) return start;
  return t('checkout:when.withDoors', { start, doors: eventTime(event.doorsAt, zone, { clockOnly: true, locale }) });
}

/** The seats row by row: "Section A, row 3, seats 4, 5 (accessible)". */
export function seatLines(seats: readonly HeldSeat[]): string[] {
  const rows = new Map<string, HeldSeat[]>();
  for (const seat of seats) {
    const key = `${seat.section}\u0000${seat.row}`;
    rows.set(key, [...(rows.get(key) ?? []), seat]);
  }
  return [...rows.values()].map((inRow) => {
    const first = inRow[0]!;
    const numbers = [...inRow]
      .sort((a, b) => a.number - b.number)
      .map((s) => (s.accessible ? t('checkout:seats.accessible', { seat: s.number }) : String(s.number)))
      .join(', ');
    return t('checkout:seats.row', { section: first.section, row: first.row, seats: numbers, count: inRow.length });
  });
}

/** The seat of one ticket in the holders' form: "Section A, row 3, seat 4", or null for general admission. */
export const seatOfTicket = (hold: Hold, index: number): string | null => {
  const seat = hold.seats[index];
  return seat ? t('checkout:seats.one', { section: seat.section, row: seat.row, seat: seat.number }) : null;
};

const tierName = (hold: Hold, event: EventInfo | null) =>
  event?.tiers.find((t) => t.id === hold.tierId)?.name ??
  (hold.kind === 'ga' ? t('checkout:summary.generalAdmission') : t('checkout:summary.tickets'));

/** "2 tickets: Stalls". */
const ticketCount = (hold: Hold, event: EventInfo | null) =>
  t('checkout:summary.count', { count: hold.quantity, tier: tierName(hold, event) });

/** The price lines: the tickets, the fee, the total. */
function priceTable(hold: Hold, event: EventInfo | null): HTMLTableElement {
  const m = (cents: number) => money(cents, hold.currency);
  const line = (label: string, quantity: number, each: number) =>
    h(
      'tr',
      {},
      h('th', { scope: 'row' }, label),
      h('td', { class: 'num' }, number(quantity)),
      h('td', { class: 'num' }, m(each)),
      h('td', { class: 'num' }, m(quantity * each)),
    );
  return h(
    'table',
    { class: 'price-lines' },
    h('caption', { class: 'visually-hidden' }, t('checkout:price.caption')),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, t('checkout:price.item')),
        h('th', { scope: 'col', class: 'num' }, t('checkout:price.qty')),
        h('th', { scope: 'col', class: 'num' }, t('checkout:price.each')),
        h('th', { scope: 'col', class: 'num' }, t('checkout:price.amount')),
      ),
    ),
    h(
      'tbody',
      {},
      line(t('checkout:price.tierTicket', { tier: tierName(hold, event) }), hold.quantity, hold.unitPriceCents),
      hold.unitFeeCents > 0 ? line(t('checkout:price.fee'), hold.quantity, hold.unitFeeCents) : null,
    ),
    h(
      'tfoot',
      {},
      h(
        'tr',
        {},
        h(
          'th',
          { scope: 'row', colspan: '3' },
          hold.unitFeeCents > 0 ? t('checkout:price.totalWithFees') : t('checkout:price.totalNoFees'),
        ),
        h('td', { class: 'num', id: 'total' }, m(hold.totalCents)),
      ),
    ),
  );
}

/** The event's name, time and place; a short line when the event could not be read. */
function eventBlock(hold: Hold, event: EventInfo | null): Node[] {
  if (!event) return [h('p', { class: 'muted' }, t('checkout:summary.noEvent'))];
  return [
    h(
      'h3',
      { id: 'event-title', class: 'event-name' },
      h('a', { href: `/event.html?id=${hold.eventId}` }, event.title),
    ),
    h('p', { id: 'event-when' }, whenWords(event)),
    h('p', { id: 'event-where' }, `${event.venue.name}, ${event.venue.city}`),
  ];
}

export function renderSummary(root: HTMLElement, hold: Hold, event: EventInfo | null): void {
  const seats = seatLines(hold.seats);
  root.replaceChildren(
    ...eventBlock(hold, event),
    h('p', { id: 'ticket-count' }, ticketCount(hold, event)),
    ...(seats.length ? [h('ul', { id: 'held-seats', class: 'held-seats' }, ...seats.map((s) => h('li', {}, s)))] : []),
    priceTable(hold, event),
  );
}

/** Why a hold can no longer be paid for, in words, with where to go next. */
export function holdEnded(hold: Hold): { text: string; link: { href: string; text: string } } {
  const event = { href: `/event.html?id=${hold.eventId}`, text: t('checkout:ended.backToEvent') };
  switch (hold.status) {
    case 'converted':
      return {
        text: t('checkout:ended.converted'),
        link: { href: '/tickets.html', text: t('checkout:ended.seeTickets') },
      };
    case 'released':
      return { text: t('checkout:ended.released'), link: event };
    default:
      return { text: t('checkout:ended.expired'), link: event };
  }
}

/** "€90.00 paid: €20.00 by gift card, €70.00 by card ending 4242." */
function paidWords(order: Order): string {
  const m = (cents: number) => money(cents, order.currency);
  const parts = order.payments
    .filter((p) => p.amountCents > 0)
    .map((p) =>
      p.method === 'gift_card'
        ? t('checkout:paid.giftCard', { amount: m(p.amountCents) })
        : p.cardLast4
          ? t('checkout:paid.cardEnding', { amount: m(p.amountCents), last4: p.cardLast4 })
          : t('checkout:paid.card', { amount: m(p.amountCents) }),
    );
  const amount = m(order.totalCents);
  const how = parts.join(', ');
  if (order.sandbox)
    return how ? t('checkout:paid.totalHowSandbox', { amount, how }) : t('checkout:paid.totalSandbox', { amount });
  return how ? t('checkout:paid.totalHow', { amount, how }) : t('checkout:paid.total', { amount });
}

export function renderConfirmation(
  root: HTMLElement,
  order: Order,
  hold: Hold,
  event: EventInfo | null,
  receipts: readonly Receipt[],
): void {
  const seats = seatLines(hold.seats);
  root.replaceChildren(
    h('h2', {}, order.guaranteed ? t('checkout:confirmation.guaranteed') : t('checkout:confirmation.received')),
    h('p', {}, t('checkout:confirmation.purchaseId'), ' ', h('code', {}, order.id)),
    ...(event
      ? [
          h('p', { class: 'event-name' }, event.title),
          h('p', {}, `${whenWords(event)} · ${event.venue.name}, ${event.venue.city}`),
        ]
      : []),
    h('p', {}, ticketCount(hold, event)),
    ...(seats.length ? [h('ul', { class: 'held-seats' }, ...seats.map((s) => h('li', {}, s)))] : []),
    h('p', { id: 'paid' }, paidWords(order)),
    h('h3', {}, t('checkout:confirmation.steps')),
    h('p', { class: 'hint' }, t('checkout:confirmation.stepsHint')),
    h(
      'ol',
      { class: 'receipts' },
      ...receipts.map((r) =>
        h(
          'li',
          { 'data-kind': r.kind },
          t('checkout:confirmation.receiptLine', {
            what: describeReceipt(r, money),
            time: viewerTime(r.occurredAt, { clockOnly: true, locale }),
          }),
          ' ',
          h('code', { title: t('checkout:confirmation.signature', { signature: r.signature }) }, r.hash.slice(0, 12)),
        ),
      ),
    ),
    h('p', {}, h('a', { href: '/tickets.html', class: 'button' }, t('checkout:ended.seeTickets'))),
  );
}
