import { api, ApiError, session, type Problem } from '../lib/api.js';
import { h, setStatus } from '../lib/dom.js';
import { secondsUntil } from '../lib/zoned-time.js';
import { clockAt, eventAt, eventInfo, mineAt } from './shared.js';
import type { EventInfo, Ticket, TicketCode, TicketStatus, Transfer } from './types.js';
import { pictureElement } from '../lib/pictures.js';

/**
 * The ticket cards: each valid ticket's rotating QR (fetched again when its 30-second step
 * ends, so a screenshot is useless at the door), its status in words, seat and event, and the
 * transfer/gift form.
 */

const STATUS_WORDS: Record<TicketStatus | 'transferred', [string, string]> = {
  valid: [
    'Valid',
    'Show this code at the door. It changes every 30 seconds, so a screenshot or a photo will not work.',
  ],
  used: ['Used', 'This ticket has been checked in.'],
  revoked: [
    'Revoked',
    'This ticket no longer admits anyone: the event was cancelled or the ticket was replaced. Any refund is shown under your orders.',
  ],
  refunded: ['Refunded', 'You cancelled this ticket and its price was refunded.'],
  transferred: ['Transferred', 'This ticket now belongs to someone else; your code for it no longer works.'],
};

/** One timer per shown QR; cleared when the list is drawn again. */
const timers = new Map<string, ReturnType<typeof setTimeout>>();
/** Each shown QR's countdown and when (on this device's clock) its code changes. */
const countdowns = new Map<HTMLElement, number>();
let ticking: ReturnType<typeof setInterval> | undefined;
/** Server clock minus ours, from the Date header: a phone whose clock is off still refreshes on the server's step. */
let skewMs = 0;
/** Longest wait between refreshes: one step plus a margin, whatever refreshAt says. */
const MAX_WAIT_MS = 31_000;
/** Ask a little after the step changes, so the server is surely on the new one. */
const AFTER_STEP_MS = 300;
/** How often the countdowns are redrawn: a quarter second keeps each one within that of the true second. */
const TICK_MS = 250;

export function stopCodes(): void {
  for (const t of timers.values()) clearTimeout(t);
  timers.clear();
  countdowns.clear();
  clearInterval(ticking);
  ticking = undefined;
}

/** "New code in 12 s", then "New code now…" until the next one is shown. Written only when the words change. */
function drawCountdown(el: HTMLElement, changesAt: number): void {
  const left = secondsUntil(changesAt);
  const words = left > 0 ? `New code in ${left} s` : 'New code now…';
  if (el.textContent !== words) el.textContent = words;
}

function tick(): void {
  for (const [el, changesAt] of countdowns) {
    if (el.isConnected) drawCountdown(el, changesAt);
    else countdowns.delete(el);
  }
}

/**
 * The countdown beside a QR. A timer role, not a live region: a screen reader reads it when the
 * fan moves to it and is not interrupted every second (the code's description says it changes
 * every 30 seconds).
 */
function countdownOf(note: HTMLElement, changesAt: number): void {
  let el = note.querySelector<HTMLElement>('.qr-countdown');
  if (!el) {
    el = h('span', { class: 'qr-countdown', role: 'timer', 'aria-live': 'off', 'aria-atomic': 'true' });
    note.replaceChildren(el);
  }
  countdowns.set(el, changesAt);
  drawCountdown(el, changesAt);
  ticking ??= setInterval(tick, TICK_MS);
}

async function fetchCode(ticketId: string): Promise<TicketCode> {
  const token = session.token();
  const sent = Date.now();
  const res = await fetch(`/v1/tickets/${ticketId}/code`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  const body: unknown = await res.json();
  if (!res.ok) throw new ApiError(body as Problem);
  const serverDate = Date.parse(res.headers.get('date') ?? '');
  // The Date header has whole seconds: +500 ms is its expected midpoint; our midpoint is halfway through the round trip.
  if (Number.isFinite(serverDate)) skewMs = serverDate + 500 - (sent + Date.now()) / 2;
  return body as TicketCode;
}

const qrSrc = (svg: string) => `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;

/** Shows the ticket's current code, counts down to the next one, and fetches it then. */
async function showCode(card: HTMLElement, ticket: Ticket, title: string): Promise<void> {
  const img = card.querySelector<HTMLImageElement>('.ticket-qr img');
  const text = card.querySelector<HTMLElement>('.code-text');
  const note = card.querySelector<HTMLElement>('.qr-note');
  if (!img || !text || !note) return;
  let wait = MAX_WAIT_MS;
  try {
    const code = await fetchCode(ticket.id);
    img.src = qrSrc(code.qrSvg);
    img.alt = `Door code for ${title}, ${ticket.seatLabel}. It changes every 30 seconds.`;
    img.dataset.step = String(code.step);
    text.textContent = code.code;
    const changesAt = Date.parse(code.refreshAt) - skewMs;
    countdownOf(note, changesAt);
    wait = Math.min(MAX_WAIT_MS, Math.max(1000, changesAt - Date.now() + AFTER_STEP_MS));
  } catch (err) {
    // The ticket changed under us (transferred, revoked): the list is redrawn by the caller's next load.
    const countdown = note.querySelector<HTMLElement>('.qr-countdown');
    if (countdown) countdowns.delete(countdown);
    note.textContent =
      err instanceof ApiError ? err.describe() : 'Offline: the code will come back when the connection does.';
    wait = 5000;
  }
  if (!card.isConnected) return;
  timers.set(
    ticket.id,
    setTimeout(() => void showCode(card, ticket, title), wait),
  );
}

function transferForm(ticket: Ticket, onChange: () => void): HTMLElement {
  const id = ticket.id.slice(0, 8);
  const form = h(
    'form',
    { class: 'transfer-form', novalidate: true },
    h('label', { for: `to-${id}` }, 'Their email'),
    h('input', { id: `to-${id}`, name: 'toEmail', type: 'email', required: true, autocomplete: 'email' }),
    h('label', { for: `msg-${id}` }, 'Message ', h('span', { class: 'muted' }, '(optional)')),
    h('textarea', { id: `msg-${id}`, name: 'message', rows: '2', maxlength: '500' }),
    h(
      'p',
      { class: 'hint' },
      'Transfers are free and at face value: never pay anyone for a ticket. Your code stops working once they accept.',
    ),
    h('button', { type: 'submit' }, 'Send ticket'),
    h('p', { class: 'status', role: 'status', 'aria-live': 'polite' }),
  );
  const status = form.querySelector<HTMLElement>('.status')!;
  // One key per offer until it succeeds or is edited: a double click does not offer twice.
  let key = crypto.randomUUID();
  form.addEventListener('input', () => void (key = crypto.randomUUID()));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const toEmail = (form.elements.namedItem('toEmail') as HTMLInputElement).value.trim();
    const message = (form.elements.namedItem('message') as HTMLTextAreaElement).value.trim();
    setStatus(status, 'busy', 'Sending…');
    try {
      await api(
        'POST',
        `/v1/tickets/${ticket.id}/transfers`,
        { toEmail, ...(message ? { message } : {}) },
        { idempotencyKey: key },
      );
      setStatus(status, 'ok', `Sent to ${toEmail}. The ticket stays yours until they accept.`);
      onChange();
    } catch (err) {
      setStatus(status, 'bad', err instanceof ApiError ? err.describe() : 'Network error; try again.');
    }
  });
  return h('details', { class: 'transfer' }, h('summary', {}, 'Transfer or gift this ticket'), form);
}

function pendingOffer(transfer: Transfer, onChange: () => void): HTMLElement {
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel transfer');
  cancel.addEventListener('click', async () => {
    setStatus(status, 'busy', 'Cancelling…');
    try {
      await api('DELETE', `/v1/transfers/${transfer.id}`);
      onChange();
    } catch (err) {
      setStatus(status, 'bad', err instanceof ApiError ? err.describe() : 'Network error; try again.');
    }
  });
  return h(
    'div',
    { class: 'pending-offer' },
    h('p', {}, `Offered to ${transfer.toEmail}; waiting for them to accept.`),
    cancel,
    status,
  );
}

function card(
  ticket: Ticket,
  event: EventInfo | null,
  pending: Transfer | undefined,
  onChange: () => void,
): HTMLElement {
  const [word, explanation] = STATUS_WORDS[ticket.status];
  const title = event?.title ?? ticket.event.title;
  const used =
    ticket.status === 'used' && ticket.firstUsedAt
      ? [
          ' Checked in at ',
          clockAt(ticket.firstUsedAt, event),
          `${ticket.firstGate ? `, gate ${ticket.firstGate}` : ''}.`,
        ]
      : [];
  const showQr = ticket.status === 'valid';
  return h(
    'li',
    { class: `card ticket ticket-${ticket.status}`, 'data-ticket': ticket.id },
    showQr
      ? h(
          'div',
          { class: 'ticket-qr' },
          h('img', { alt: 'Loading the door code…', width: '220', height: '220' }),
          h('p', { class: 'qr-note hint' }, 'Loading the code…'),
        )
      : null,
    h(
      'div',
      { class: 'ticket-info' },
      event?.image ? pictureElement(event.image, 'card', { class: 'ticket-picture' }) : null,
      h('h3', {}, title),
      h('p', { class: 'meta' }, eventAt(ticket.event.startsAt, event), ` · ${ticket.event.venue}`),
      h(
        'p',
        {},
        h('span', { class: `badge ticket-badge-${ticket.status}` }, word),
        ' ',
        h('span', { class: 'ticket-explain' }, explanation, ...used),
      ),
      h(
        'dl',
        { class: 'ticket-facts' },
        h(
          'div',
          {},
          h('dt', {}, 'Seat'),
          h(
            'dd',
            {},
            ticket.seat
              ? `${ticket.seat.section}, row ${ticket.seat.row}, seat ${ticket.seat.number}`
              : 'General admission',
          ),
        ),
        h('div', {}, h('dt', {}, 'Ticket type'), h('dd', {}, ticket.tier)),
        ticket.attendeeName ? h('div', {}, h('dt', {}, 'Name'), h('dd', {}, ticket.attendeeName)) : null,
      ),
      showQr
        ? h(
            'details',
            { class: 'code-details' },
            h('summary', {}, 'Show the code as text'),
            h('code', { class: 'code-text' }, '…'),
          )
        : null,
      pending
        ? pendingOffer(pending, onChange)
        : ticket.transferable && ticket.status === 'valid'
          ? transferForm(ticket, onChange)
          : null,
    ),
  );
}

function transferredCard(transfer: Transfer, event: EventInfo | null): HTMLElement {
  const [word, explanation] = STATUS_WORDS.transferred;
  return h(
    'li',
    { class: 'card ticket ticket-transferred', 'data-ticket': transfer.ticketId },
    h(
      'div',
      { class: 'ticket-info' },
      h('h3', {}, event?.title ?? 'A ticket you passed on'),
      event ? h('p', { class: 'meta' }, eventAt(event.startsAt.utc, event), ` · ${event.venue.name}`) : null,
      h(
        'p',
        {},
        h('span', { class: 'badge ticket-badge-transferred' }, word),
        ' ',
        `${explanation} Accepted by ${transfer.toEmail}`,
        ...(transfer.decidedAt ? [' on ', mineAt(transfer.decidedAt)] : []),
        '.',
      ),
    ),
  );
}

/** Draws every ticket (and those passed on), then starts each valid one's QR rotation. */
export async function renderTickets(
  list: HTMLElement,
  tickets: Ticket[],
  transfers: Transfer[],
  myId: string,
  onChange: () => void,
): Promise<void> {
  stopCodes();
  const pendingOf = new Map(
    transfers.filter((t) => t.status === 'pending' && t.fromUserId === myId).map((t) => [t.ticketId, t]),
  );
  const held = new Set(tickets.map((t) => t.id));
  // A ticket I passed on and do not hold again (it can come back by another transfer).
  const passedOn = transfers.filter((t) => t.status === 'accepted' && t.fromUserId === myId && !held.has(t.ticketId));
  const infos = await Promise.all([
    ...tickets.map((t) => eventInfo(t.eventId)),
    ...passedOn.map((t) => eventInfo(t.eventId)),
  ]);
  const cards = tickets.map((t, i) => card(t, infos[i] ?? null, pendingOf.get(t.id), onChange));
  list.replaceChildren(...cards, ...passedOn.map((t, i) => transferredCard(t, infos[tickets.length + i] ?? null)));
  tickets.forEach((t, i) => {
    if (t.status === 'valid') void showCode(cards[i]!, t, infos[i]?.title ?? t.event.title);
  });
}
