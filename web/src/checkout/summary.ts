import { h } from '../lib/dom.js';
import { money } from '../lib/layout.js';
import { describeReceipt } from '../lib/receipt-words.js';
import { eventTime, viewerTime } from '../lib/zoned-time.js';
import type { EventInfo, HeldSeat, Hold, Order, Receipt } from './types.js';

/**
 * What the checkout says the fan is buying and what they bought: the event, when and where, the
 * seats, each line's price, the fees and the total, all from the hold's own prices (what the
 * order will charge), with the event's names and times beside them.
 */

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "Sat 5 Dec, 20:00 CET · doors 19:00 CET", in the event's zone. */
export function whenWords(event: EventInfo): string {
  const zone = event.startsAt.timeZone;
  const doors = event.doorsAt ? ` · doors ${eventTime(event.doorsAt, zone, { clockOnly: true })}` : '';
  return `${eventTime(event.startsAt.utc, zone)}${doors}`;
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
      .map((s) => `${s.number}${s.accessible ? ' (accessible)' : ''}`)
      .join(', ');
    return `Section ${first.section}, row ${first.row}, ${inRow.length === 1 ? 'seat' : 'seats'} ${numbers}`;
  });
}

/** The seat of one ticket in the holders' form: "Section A, row 3, seat 4", or null for general admission. */
export const seatOfTicket = (hold: Hold, index: number): string | null => {
  const seat = hold.seats[index];
  return seat ? `Section ${seat.section}, row ${seat.row}, seat ${seat.number}` : null;
};

const tierName = (hold: Hold, event: EventInfo | null) =>
  event?.tiers.find((t) => t.id === hold.tierId)?.name ?? (hold.kind === 'ga' ? 'General admission' : 'Tickets');

/** The price lines: the tickets, the fee, the total. */
function priceTable(hold: Hold, event: EventInfo | null): HTMLTableElement {
  const m = (cents: number) => money(cents, hold.currency);
  const line = (label: string, quantity: number, each: number) =>
    h(
      'tr',
      {},
      h('th', { scope: 'row' }, label),
      h('td', { class: 'num' }, String(quantity)),
      h('td', { class: 'num' }, m(each)),
      h('td', { class: 'num' }, m(quantity * each)),
    );
  return h(
    'table',
    { class: 'price-lines' },
    h('caption', { class: 'visually-hidden' }, 'Price breakdown'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Item'),
        h('th', { scope: 'col', class: 'num' }, 'Qty'),
        h('th', { scope: 'col', class: 'num' }, 'Each'),
        h('th', { scope: 'col', class: 'num' }, 'Amount'),
      ),
    ),
    h(
      'tbody',
      {},
      line(`${tierName(hold, event)} ticket`, hold.quantity, hold.unitPriceCents),
      hold.unitFeeCents > 0 ? line('Booking fee', hold.quantity, hold.unitFeeCents) : null,
    ),
    h(
      'tfoot',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'row', colspan: '3' }, hold.unitFeeCents > 0 ? 'Total, fees included' : 'Total (no fees)'),
        h('td', { class: 'num', id: 'total' }, m(hold.totalCents)),
      ),
    ),
  );
}

/** The event's name, time and place; a short line when the event could not be read. */
function eventBlock(hold: Hold, event: EventInfo | null): Node[] {
  if (!event)
    return [h('p', { class: 'muted' }, 'The event’s details could not be loaded; your tickets are held all the same.')];
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
    h('p', { id: 'ticket-count' }, `${plural(hold.quantity, 'ticket')}: ${tierName(hold, event)}`),
    ...(seats.length ? [h('ul', { id: 'held-seats', class: 'held-seats' }, ...seats.map((s) => h('li', {}, s)))] : []),
    priceTable(hold, event),
  );
}

/** Why a hold can no longer be paid for, in words, with where to go next. */
export function holdEnded(hold: Hold): { text: string; link: { href: string; text: string } } {
  const event = { href: `/event.html?id=${hold.eventId}`, text: 'Back to the event' };
  switch (hold.status) {
    case 'converted':
      return { text: 'These tickets are already bought.', link: { href: '/tickets.html', text: 'See my tickets' } };
    case 'released':
      return { text: 'You let these tickets go: they are back on sale.', link: event };
    default:
      return { text: 'Your hold has expired and its tickets went back on sale. You can choose again.', link: event };
  }
}

/** "€90.00 paid: €20.00 by gift card, €70.00 by card ending 4242." */
function paidWords(order: Order): string {
  const m = (cents: number) => money(cents, order.currency);
  const parts = order.payments
    .filter((p) => p.amountCents > 0)
    .map((p) =>
      p.method === 'gift_card'
        ? `${m(p.amountCents)} by gift card`
        : `${m(p.amountCents)} by card${p.cardLast4 ? ` ending ${p.cardLast4}` : ''}`,
    );
  const how = parts.length ? `: ${parts.join(', ')}` : '';
  return `${m(order.totalCents)} paid${how}${order.sandbox ? ' (a sandbox payment: no money moved)' : ''}.`;
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
    h('h2', {}, order.guaranteed ? 'Your tickets are guaranteed' : 'Payment received; confirming your seats…'),
    h('p', {}, 'Purchase id: ', h('code', {}, order.id)),
    ...(event
      ? [
          h('p', { class: 'event-name' }, event.title),
          h('p', {}, `${whenWords(event)} · ${event.venue.name}, ${event.venue.city}`),
        ]
      : []),
    h('p', {}, `${plural(hold.quantity, 'ticket')}: ${tierName(hold, event)}`),
    ...(seats.length ? [h('ul', { class: 'held-seats' }, ...seats.map((s) => h('li', {}, s)))] : []),
    h('p', { id: 'paid' }, paidWords(order)),
    h('h3', {}, 'What happened, step by step'),
    h(
      'p',
      { class: 'hint' },
      'Each step is a receipt signed by Fairdrop and chained to the one before it: proof of what happened and when.',
    ),
    h(
      'ol',
      { class: 'receipts' },
      ...receipts.map((r) =>
        h(
          'li',
          { 'data-kind': r.kind },
          `${describeReceipt(r, money)} · ${viewerTime(r.occurredAt, { clockOnly: true })} · receipt `,
          h('code', { title: `Signature ${r.signature}` }, r.hash.slice(0, 12)),
        ),
      ),
    ),
    h('p', {}, h('a', { href: '/tickets.html', class: 'button' }, 'See my tickets')),
  );
}
