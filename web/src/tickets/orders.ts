import { api, ApiError } from '../lib/api.js';
import { h, setStatus } from '../lib/dom.js';
import { money } from '../lib/layout.js';
import { eventAt, eventInfo, mineAt, shortId } from './shared.js';
import type { EventInfo, Order, Ticket } from './types.js';

/**
 * My orders with their state in words and, where the event's policy allows, cancel for a refund
 * (with a confirm step) of the tickets that are still the fan's: not those transferred, used, or
 * on offer (the server refuses those too; the page says why instead of offering the button).
 */

const ORDER_WORDS: Record<Order['status'], string> = {
  pending: 'Payment pending',
  authorized: 'Card authorised; confirming your seats',
  confirmed: 'Confirmed: your seats are guaranteed',
  captured: 'Paid: your seats are guaranteed',
  failed: 'Payment failed: nothing was charged',
  voided: 'Cancelled before payment: nothing was charged',
  cancelled: 'Cancelled',
};

/**
 * Why some tickets of the order are no longer the fan's to cancel, in words: a transferred
 * ticket is its new holder's, a used one is spent, and one on offer must be withdrawn first.
 */
function standingNotes(order: Order, held: Ticket[]): string[] {
  const { transferred, used, offered } = order.ticketCounts;
  const notes: string[] = [];
  if (transferred === 1)
    notes.push(
      'One ticket you transferred belongs to its new holder: it stays valid for them and you can no longer cancel it.',
    );
  if (transferred > 1)
    notes.push(
      `${transferred} tickets you transferred belong to their new holders: they stay valid for them and you can no longer cancel them.`,
    );
  if (used === 1) notes.push('One ticket was used at the door: it is not refundable.');
  if (used > 1) notes.push(`${used} tickets were used at the door: they are not refundable.`);
  if (offered > 0) {
    const seats = held.filter((t) => t.pendingTransferId).map((t) => t.seatLabel);
    const which = seats.length ? ` (${seats.join(', ')})` : '';
    notes.push(
      offered === 1
        ? `One ticket${which} is on offer to someone: use “Cancel transfer” on it before cancelling the order.`
        : `${offered} tickets${which} are on offer to someone: use “Cancel transfer” on them before cancelling the order.`,
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
      return 'The event was cancelled: this order is being refunded automatically to the card and gift card that paid it.';
    case 'confirmed':
    case 'authorized':
    case 'pending':
      return 'The event was cancelled: the payment is being released and nothing will be charged.';
    case 'cancelled':
      return order.refundedCents > 0
        ? `The event was cancelled: ${amount} was refunded to the card and gift card that paid.`
        : 'The event was cancelled: nothing was charged for this order.';
    case 'failed':
    case 'voided':
      return 'The event was cancelled. This order was never paid, so nothing was charged and there is nothing to refund.';
  }
}

/** Whether the fan may cancel now, and the sentences that say so (or why not). */
function refundPolicy(
  order: Order,
  event: EventInfo | null,
  held: Ticket[],
  now = Date.now(),
): { allowed: boolean; text: (string | HTMLElement)[] } {
  if (event?.status === 'cancelled') return { allowed: false, text: [cancelledEventWords(order)] };
  if (order.status !== 'captured') return { allowed: false, text: [] };
  const { changeable, offered } = order.ticketCounts;
  const notes = standingNotes(order, held).map((n) => `${n} `);
  if (changeable === 0 && offered === 0)
    return { allowed: false, text: [...notes, 'No tickets of this order are left for you to cancel.'] };
  const until = event?.policies?.refundableUntil;
  if (!until)
    return { allowed: false, text: ['Not refundable under the organizer’s policy (unless the event is cancelled).'] };
  if (Date.parse(until) < now) return { allowed: false, text: ['Refunds closed ', eventAt(until, event), '.'] };
  return {
    allowed: offered === 0,
    text: [...notes, 'You can cancel for a refund until ', eventAt(until, event), '.'],
  };
}

/** What the confirm step asks: all of the order, or only the tickets the fan still holds. */
function confirmQuestion(order: Order): string {
  const { changeable, transferred, used } = order.ticketCounts;
  const kept = transferred + used;
  const these = changeable === 1 ? 'the ticket' : `the ${changeable} tickets`;
  if (kept === 0)
    return `Cancel ${changeable === 1 ? 'your ticket' : `all ${changeable} valid tickets`} of this order?`;
  return `Cancel ${these} you still hold? ${kept === 1 ? 'The other one stays as it is' : 'The others stay as they are'}, with no refund.`;
}

function cancelControls(order: Order, onChange: () => void): HTMLElement {
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const start = h(
    'button',
    { type: 'button', class: 'secondary', 'data-cancel-order': order.id },
    'Cancel for a refund…',
  );
  const confirmBox = h(
    'div',
    { class: 'confirm', role: 'group', 'aria-label': 'Confirm cancellation', hidden: true },
    h(
      'p',
      {},
      `${confirmQuestion(order)} The refund goes back to the gift card first, then to your card. This cannot be undone.`,
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', class: 'danger', 'data-confirm-cancel': order.id }, 'Yes, cancel and refund'),
      h('button', { type: 'button', class: 'secondary' }, 'Keep my tickets'),
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
    setStatus(status, 'busy', 'Cancelling and refunding…');
    try {
      const done = await api<Order>('PATCH', `/v1/orders/${order.id}`, { cancel: {} }, { idempotencyKey: key });
      setStatus(status, 'ok', `Cancelled. ${money(done.refundedCents, done.currency)} refunded.`);
      confirmBox.hidden = true;
      onChange();
    } catch (err) {
      yes!.disabled = false;
      setStatus(
        status,
        'bad',
        err instanceof ApiError ? err.describe() : 'Network error: nothing was cancelled twice; try again.',
      );
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
      tickets.filter((t) => t.orderId === o.id),
    );
    const paid = [
      o.giftCardCents ? `${money(o.giftCardCents, o.currency)} gift card` : '',
      o.cardCents ? `${money(o.cardCents, o.currency)} card` : '',
    ]
      .filter(Boolean)
      .join(' + ');
    return h(
      'li',
      { class: 'order', 'data-order': o.id },
      h(
        'h3',
        {},
        event?.title ?? 'Order',
        ' ',
        h('span', { class: `badge order-${o.status}` }, ORDER_WORDS[o.status].split(':')[0]!),
      ),
      h(
        'p',
        {},
        ORDER_WORDS[o.status],
        o.sandbox ? h('span', { class: 'muted' }, ' (sandbox payment, no money moved)') : null,
      ),
      h(
        'p',
        { class: 'meta' },
        `Purchase ${shortId(o.id)} · ordered `,
        mineAt(o.createdAt),
        ` · ${money(o.totalCents, o.currency)}${paid ? ` (${paid})` : ''}`,
        o.refundedCents ? ` · ${money(o.refundedCents, o.currency)} refunded` : '',
      ),
      policy.text.length ? h('p', { class: 'hint' }, ...policy.text) : null,
      policy.allowed ? cancelControls(o, onChange) : null,
    );
  });
  list.replaceChildren(...(items.length ? items : [h('li', { class: 'muted' }, 'No orders yet.')]));
}
