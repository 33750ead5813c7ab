import { api, ApiError, session, type Problem } from '../lib/api.js';
import { h, setStatus } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { secondsUntil } from '../lib/zoned-time.js';
import { clockAt, eventAt, eventInfo, mineAt, slot, withNodes } from './shared.js';
import type { EventInfo, Ticket, TicketCode, TicketStatus, Transfer } from './types.js';
import { pictureElement } from '../lib/pictures.js';

/**
 * The ticket cards: each valid ticket's rotating QR (fetched again when its 30-second step
 * ends, so a screenshot is useless at the door), its status in words, seat and event, and the
 * transfer/gift form.
 */

const STATUS_WORDS: Record<TicketStatus | 'transferred', () => [string, string]> = {
  valid: () => [t('tickets:status.valid'), t('tickets:explain.valid')],
  used: () => [t('tickets:status.used'), t('tickets:explain.used')],
  revoked: () => [t('tickets:status.revoked'), t('tickets:explain.revoked')],
  refunded: () => [t('tickets:status.refunded'), t('tickets:explain.refunded')],
  transferred: () => [t('tickets:status.transferred'), t('tickets:explain.transferred')],
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
  for (const timer of timers.values()) clearTimeout(timer);
  timers.clear();
  countdowns.clear();
  clearInterval(ticking);
  ticking = undefined;
}

/** "New code in 12 s", then "New code now…" until the next one is shown. Written only when the words change. */
function drawCountdown(el: HTMLElement, changesAt: number): void {
  const left = secondsUntil(changesAt);
  const words = left > 0 ? t('tickets:card.newCodeIn', { seconds: left }) : t('tickets:card.newCodeNow');
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
    img.alt = t('tickets:card.qrAlt', { title, seat: ticket.seatLabel });
    img.dataset.step = String(code.step);
    text.textContent = code.code;
    const changesAt = Date.parse(code.refreshAt) - skewMs;
    countdownOf(note, changesAt);
    wait = Math.min(MAX_WAIT_MS, Math.max(1000, changesAt - Date.now() + AFTER_STEP_MS));
  } catch (err) {
    // The ticket changed under us (transferred, revoked): the list is redrawn by the caller's next load.
    const countdown = note.querySelector<HTMLElement>('.qr-countdown');
    if (countdown) countdowns.delete(countdown);
    note.textContent = err instanceof ApiError ? err.describe() : t('tickets:card.offline');
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
    h('label', { for: `to-${id}` }, t('tickets:transfer.email')),
    h('input', { id: `to-${id}`, name: 'toEmail', type: 'email', required: true, autocomplete: 'email' }),
    h(
      'label',
      { for: `msg-${id}` },
      t('tickets:transfer.message'),
      ' ',
      h('span', { class: 'muted' }, t('tickets:transfer.optional')),
    ),
    h('textarea', { id: `msg-${id}`, name: 'message', rows: '2', maxlength: '500' }),
    h('p', { class: 'hint' }, t('tickets:transfer.hint')),
    h('button', { type: 'submit' }, t('tickets:transfer.send')),
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
    setStatus(status, 'busy', t('tickets:transfer.sending'));
    try {
      await api(
        'POST',
        `/v1/tickets/${ticket.id}/transfers`,
        { toEmail, ...(message ? { message } : {}) },
        { idempotencyKey: key },
      );
      setStatus(status, 'ok', t('tickets:transfer.sent', { email: toEmail }));
      onChange();
    } catch (err) {
      setStatus(status, 'bad', err instanceof ApiError ? err.describe() : t('tickets:networkError'));
    }
  });
  return h('details', { class: 'transfer' }, h('summary', {}, t('tickets:transfer.summary')), form);
}

function pendingOffer(transfer: Transfer, onChange: () => void): HTMLElement {
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const cancel = h('button', { type: 'button', class: 'secondary' }, t('tickets:transfer.cancel'));
  cancel.addEventListener('click', async () => {
    setStatus(status, 'busy', t('tickets:transfer.cancelling'));
    try {
      await api('DELETE', `/v1/transfers/${transfer.id}`);
      onChange();
    } catch (err) {
      setStatus(status, 'bad', err instanceof ApiError ? err.describe() : t('tickets:networkError'));
    }
  });
  return h(
    'div',
    { class: 'pending-offer' },
    h('p', {}, t('tickets:transfer.offeredTo', { email: transfer.toEmail })),
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
  const [word, explanation] = STATUS_WORDS[ticket.status]();
  const title = event?.title ?? ticket.event.title;
  const used =
    ticket.status === 'used' && ticket.firstUsedAt
      ? [
          ' ',
          ...withNodes(
            ticket.firstGate
              ? t('tickets:card.checkedInGate', { time: slot('time'), gate: ticket.firstGate })
              : t('tickets:card.checkedIn', { time: slot('time') }),
            { time: clockAt(ticket.firstUsedAt, event) },
          ),
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
          h('img', { alt: t('tickets:card.loadingCodeAlt'), width: '220', height: '220' }),
          h('p', { class: 'qr-note hint' }, t('tickets:card.loadingCode')),
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
          h('dt', {}, t('tickets:card.seat')),
          h(
            'dd',
            {},
            ticket.seat
              ? t('tickets:card.seatLine', {
                  section: ticket.seat.section,
                  row: ticket.seat.row,
                  number: ticket.seat.number,
                })
              : t('tickets:card.generalAdmission'),
          ),
        ),
        h('div', {}, h('dt', {}, t('tickets:card.type')), h('dd', {}, ticket.tier)),
        ticket.attendeeName
          ? h('div', {}, h('dt', {}, t('tickets:card.name')), h('dd', {}, ticket.attendeeName))
          : null,
      ),
      showQr
        ? h(
            'details',
            { class: 'code-details' },
            h('summary', {}, t('tickets:card.showText')),
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
  const [word, explanation] = STATUS_WORDS.transferred();
  return h(
    'li',
    { class: 'card ticket ticket-transferred', 'data-ticket': transfer.ticketId },
    h(
      'div',
      { class: 'ticket-info' },
      h('h3', {}, event?.title ?? t('tickets:card.passedOn')),
      event ? h('p', { class: 'meta' }, eventAt(event.startsAt.utc, event), ` · ${event.venue.name}`) : null,
      h(
        'p',
        {},
        h('span', { class: 'badge ticket-badge-transferred' }, word),
        ' ',
        `${explanation} `,
        ...(transfer.decidedAt
          ? withNodes(t('tickets:card.acceptedByOn', { email: transfer.toEmail, time: slot('time') }), {
              time: mineAt(transfer.decidedAt),
            })
          : [t('tickets:card.acceptedBy', { email: transfer.toEmail })]),
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
