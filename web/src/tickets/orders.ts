import { api, ApiError } from '../lib/api.js';
import { h, setStatus } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { money } from '../lib/layout.js';
import { eventAt, eventInfo, mineAt, shortId, slot, withNodes } from './shared.js';
import type { EventInfo, Order, Ticket } from './types.js';

/**
 * My orders with their state in words and, where the event's policy allows, cancel for a refund
 * (with a confirm step) of the tickets that are still the fan's: not those transferred, used, or
 * on offer (the server refuses those too; the page says why instead of offering the button).
 */

/** An order's state in a sentence, and in a word for its badge. */
const ORDER_WORDS: Record<Order['status'], () => { line: string; badge: string }> = {
  pending: () => ({ line: t('tickets:orders.state.pending'), badge: t('tickets:orders.badge.pending') }),
  authorized: () => ({ line: t('tickets:orders.state.authorized'), badge: t('tickets:orders.badge.authorized') }),
  confirmed: () => ({ line: t('tickets:orders.state.confirmed'), badge: t('tickets:orders.badge.confirmed') }),
  captured: () => ({ line: t('tickets:orders.state.captured'), badge: t('tickets:orders.badge.captured') }),
  failed: () => ({ line: t('tickets:orders.state.failed'), badge: t('tickets:orders.badge.failed') }),
  voided: () => ({ line: t('tickets:orders.state.voided'), badge: t('tickets:orders.badge.voided') }),
  cancelled: () => ({ line: t('tickets:orders.state.cancelled'), badge: t('tickets:orders.badge.cancelled') }),
};

/**
 * Why some tickets of the order are no longer the fan's to cancel, in words: a transferred
 * ticket is its new holder's, a used one is spent, and one on offer must be withdrawn first.
 */
function standingNotes(order: Order, held: Ticket[]): string[] {
  const { transferred, used, offered } = order.ticketCounts;
  const notes: string[] = [];
  if (transferred > 0) notes.push(t('tickets:orders.transferred', { count: transferred }));
  if (used > 0) notes.push(t('tickets:orders.used', { count: used }));
  if (offered > 0) {
    const seats = held.filter((ticket) => ticket.pendingTransferId).map((ticket) => ticket.seatLabel);
    notes.push(
      seats.length
        ? t('tickets:orders.offeredSeats', { count: offered, seats: seats.join(', ') })
        : t('tickets:orders.offered', { count: offered }),
    );
  }
  return notes;
}

/**
 * What a cancelled event means for this order's money: only money that was taken is refunded;
 * an order that was never paid (declined, expired, released) says that nothing was charged.
 */
function cancelledEventWords(order: Order): string {
  const amount = money(order.refundedCents, order.currency);
  switch (order.status) {
    case 'captured':
      return t('tickets:orders.eventCancelled.captured');
    case 'confirmed':
    case 'authorized':
    case 'pending':
      return t('tickets:orders.eventCancelled.unpaid');
    case 'cancelled':
      return order.refundedCents > 0
        ? t('tickets:orders.eventCancelled.refunded', { amount })
        : t('tickets:orders.eventCancelled.nothingCharged');
    case 'failed':
    case 'voided':
      return t('tickets:orders.eventCancelled.neverPaid');
  }
}

/** Whether the fan may cancel now, and the sentences that say so (or why not). */
function refundPolicy(
  order: Order,
  event: EventInfo | null,
  held: Ticket[],
  now = Date.now(),
): { allowed: boolean; text: (string | Node)[] } {
  if (event?.status === 'cancelled') return { allowed: false, text: [cancelledEventWords(order)] };
  if (order.status !== 'captured') return { allowed: false, text: [] };
  const { changeable, offered } = order.ticketCounts;
  const notes = standingNotes(order, held).map((n) => `${n} `);
  if (changeable === 0 && offered === 0) return { allowed: false, text: [...notes, t('tickets:orders.noneLeft')] };
  const until = event?.policies?.refundableUntil;
  if (!until) return { allowed: false, text: [t('tickets:orders.notRefundable')] };
  const time = { time: eventAt(until, event) };
  if (Date.parse(until) < now)
    return { allowed: false, text: withNodes(t('tickets:orders.refundsClosed', { time: slot('time') }), time) };
  return {
    allowed: offered === 0,
    text: [...notes, ...withNodes(t('tickets:orders.refundUntil', { time: slot('time') }), time)],
  };
}

/** What the confirm step asks: all of the order, or only the tickets the fan still holds. */
function confirmQuestion(order: Order): string {
  const { changeable, transferred, used } = order.ticketCounts;
  const kept = transferred + used;
  if (kept === 0) return t('tickets:orders.cancelAll', { count: changeable });
  return kept === 1
    ? t('tickets:orders.cancelHeldKeepOne', { count: changeable })
    : t('tickets:orders.cancelHeldKeepMany', { count: changeable });
}

function cancelControls(order: Order, onChange: () => void): HTMLElement {
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const start = h(
    'button',
    { type: 'button', class: 'secondary', 'data-cancel-order': order.id },
    t('tickets:orders.cancelStart'),
  );
  const confirmBox = h(
    'div',
    { class: 'confirm', role: 'group', 'aria-label': t('tickets:orders.confirmLabel'), hidden: true },
    h('p', {}, `${confirmQuestion(order)} ${t('tickets:orders.refundGoesBack')}`),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', class: 'danger', 'data-confirm-cancel': order.id }, t('tickets:orders.confirmYes')),
      h('button', { type: 'button', class: 'secondary' }, t('tickets:orders.keep')),
    ),
  );
  const [yes, no] = [...confirmBox.querySelectorAll('button')] as HTMLButtonElement[];
  // One key for this confirmation: a double click or a retry after a dropped connection refunds once.
  let key = crypto.randomUUID();
  start.addEventListener('click', () => {
    key = crypto.randomUUID();
    confirmBox.hidden = false;
    start.hidden = true;
    yes!.focus();
  });
  no!.addEventListener('click', () => {
    confirmBox.hidden = true;
    start.hidden = false;
    start.focus();
  });
  yes!.addEventListener('click', async () => {
    yes!.disabled = true;
    setStatus(status, 'busy', t('tickets:orders.cancelling'));
    try {
      const done = await api<Order>('PATCH', `/v1/orders/${order.id}`, { cancel: {} }, { idempotencyKey: key });
      setStatus(status, 'ok', t('tickets:orders.cancelled', { amount: money(done.refundedCents, done.currency) }));
      confirmBox.hidden = true;
      onChange();
    } catch (err) {
      yes!.disabled = false;
      setStatus(status, 'bad', err instanceof ApiError ? err.describe() : t('tickets:orders.network'));
    }
  });
  return h('div', { class: 'order-cancel' }, start, confirmBox, status);
}

export async function renderOrders(
  list: HTMLElement,
  orders: Order[],
  tickets: Ticket[],
  onChange: () => void,
): Promise<void> {
  const infos = await Promise.all(orders.map((o) => eventInfo(o.eventId)));
  const items = orders.map((o, i) => {
    const event = infos[i] ?? null;
    const policy = refundPolicy(
      o,
      event,
      tickets.filter((ticket) => ticket.orderId === o.id),
    );
    const paid = [
      o.giftCardCents ? t('tickets:orders.giftCardPart', { amount: money(o.giftCardCents, o.currency) }) : '',
      o.cardCents ? t('tickets:orders.cardPart', { amount: money(o.cardCents, o.currency) }) : '',
    ]
      .filter(Boolean)
      .join(' + ');
    const total = money(o.totalCents, o.currency);
    const words = ORDER_WORDS[o.status]();
    return h(
      'li',
      { class: 'order', 'data-order': o.id },
      h(
        'h3',
        {},
        event?.title ?? t('tickets:orders.order'),
        ' ',
        h('span', { class: `badge order-${o.status}` }, words.badge),
      ),
      h('p', {}, words.line, o.sandbox ? h('span', { class: 'muted' }, ` ${t('tickets:orders.sandbox')}`) : null),
      h(
        'p',
        { class: 'meta' },
        ...withNodes(
          paid
            ? t('tickets:orders.metaPaid', { id: shortId(o.id), time: slot('time'), total, paid })
            : t('tickets:orders.meta', { id: shortId(o.id), time: slot('time'), total }),
          { time: mineAt(o.createdAt) },
        ),
        o.refundedCents ? ` · ${t('tickets:orders.refundedPart', { amount: money(o.refundedCents, o.currency) })}` : '',
      ),
      policy.text.length ? h('p', { class: 'hint' }, ...policy.text) : null,
      policy.allowed ? cancelControls(o, onChange) : null,
    );
  });
  list.replaceChildren(...(items.length ? items : [h('li', { class: 'muted' }, t('tickets:orders.none'))]));
}
