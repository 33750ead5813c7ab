import { api, ApiError, problemFrom, session } from '../lib/api.js';
import { $, h, setStatus } from '../lib/dom.js';
import { accessibilityLabel, currentUser, localTime, money, renderHeader } from '../lib/layout.js';
import { viewerTime } from '../lib/zoned-time.js';
import { drawnCrowd, phaseBadge, roomOpen, type SalePhase, type SaleView } from '../lib/sale-phase.js';
import { renderSeatMap, type SeatMap, type SeatView } from '../lib/seatmap.js';
import { verifyFirstNotice } from '../lib/verify-first.js';
import { showWaitlist } from '../lib/waitlist.js';
import { showResale } from '../lib/resale-listings.js';
import { clearPageProblem, showPageProblem } from '../lib/page-problem.js';
import { pageProblemWords } from '../lib/words.js';
import type { QueueSnapshot } from '../../../src/realtime/events.js';
import { loadPresales, presaleNow, renderPresale } from '../presales/event-presale.js';
import { showPicture } from '../lib/pictures.js';
import type { PictureView } from '../../../src/media/media.schemas.js';

interface Tier {
  id: string;
  name: string;
  kind: 'reserved' | 'ga';
  totalCents: number;
  currency: string;
  capacity: number;
  remaining: number;
}
interface EventDetail {
  id: string;
  title: string;
  description: string;
  performers: string[];
  status: string;
  /** Where the sale stands, decided by the server (src/sales/phase.ts): this page only puts it in words. */
  phase: SalePhase;
  sale: SaleView;
  cancellation: { reason: string; cancelledAt: string; refundsComplete: boolean } | null;
  manage: { draft: boolean } | null;
  startsAt: { utc: string; timeZone: string };
  doorsAt: string | null;
  availability: {
    state: string;
    remaining: number;
    capacity: number;
    queueOpensAt: string | null;
    onSaleAt: string | null;
  };
  venue: { name: string; city: string; country: string };
  accessibility: string[];
  transit: { stops: { name: string; lines: string[]; walkingMinutes: number }[]; parking: string | null };
  tiers: Tier[];
  /** Only with `include=seats`: see needsSeats. */
  seatMap?: SeatMap;
  policies?: { refundableUntil: string | null; transfersAllowed: boolean; perAccountLimit: number | null };
  /** The organizer's picture of the event (src/media). */
  image?: PictureView | null;
}

const id = new URLSearchParams(location.search).get('id') ?? '';

const PASS_KEY = `fairdrop.token.${id}`;

/**
 * The purchase token the waiting room page stored when this fan was admitted, while it lasts:
 * the event's own room's, or during a queue-mode presale the window's room's.
 */
function purchasePass(): { token: string; expiresAt: number } | null {
  const presale = presaleNow();
  const keys = [PASS_KEY, ...(presale?.mode === 'queue' ? [`fairdrop.token.${presale.windowId}`] : [])];
  for (const key of keys) {
    try {
      const pass = JSON.parse(sessionStorage.getItem(key) ?? 'null') as {
        token: string;
        expiresAt: number;
      } | null;
      if (pass && pass.expiresAt > Date.now()) return pass;
    } catch {
      // A damaged entry is no pass.
    }
  }
  return null;
}

/**
 * A signed-in fan's place in this event's waiting room (GET …/queue/me), asked once the page
 * knows the room is worth going to: undefined until asked, null when they are not in it.
 */
let place: QueueSnapshot | null | undefined;
async function loadPlace(): Promise<void> {
  place = null;
  if (!session.token()) return;
  place = await api<QueueSnapshot>('GET', `/v1/events/${encodeURIComponent(id)}/queue/me`).catch(() => null);
  // Admitted in another tab or on another device: the pass is the fan's here too.
  if (place?.token && place.tokenExpiresAt && place.status === 'admitted' && !purchasePass())
    sessionStorage.setItem(PASS_KEY, JSON.stringify({ token: place.token, expiresAt: place.tokenExpiresAt }));
  if (event) render(event);
}
const status = $('#buy-status');
const selected = new Map<string, string>();
let event: EventDetail | undefined;
/** The form last loaded (with or without seats) and its ETag: a tag only revalidates its own form. */
let loaded = { url: '', etag: '' };

/** The buy form shows: an open sale on sale, or a queue sale admitting a fan who holds its pass. */
function buyable(e: EventDetail, pass: ReturnType<typeof purchasePass>): boolean {
  // A queue sale sells only to fans whose number came up: they arrive here with a pass.
  if (e.phase === 'on_sale' || (e.phase === 'admitting' && pass !== null)) return true;
  // A presale on now that lets this fan buy: at once in an open one, with the window's pass in a queue one.
  const presale = presaleNow();
  return presale !== null && presale.eligible && (presale.mode === 'open' || pass !== null);
}

/**
 * The seat map is drawn only in the buy form, for a reserved tier; every other visitor (a crowd
 * reading the page before its waiting room opens) gets the event without it, sparing ~150 bytes
 * a seat (~1 MB at 7,000 seats) per load and per change. A fan with a pass gets it at once.
 */
function needsSeats(e: EventDetail | undefined): boolean {
  const pass = purchasePass();
  if (!e) return pass !== null;
  return buyable(e, pass) && e.tiers.some((t) => t.kind === 'reserved');
}

async function load(): Promise<void> {
  // No id at all (a link cut short): nothing to ask the API, which would answer with a search.
  if (!id) return showPageProblem(pageProblemWords({ status: 404, code: '' }, 'event'));
  const url = `/v1/events/${encodeURIComponent(id)}${needsSeats(event) ? '?include=seats' : ''}`;
  let res: Response;
  try {
    res = await fetch(url, { headers: url === loaded.url && loaded.etag ? { 'if-none-match': loaded.etag } : {} });
  } catch {
    // Offline: a page already shown stays as it is until the next poll gets through.
    if (!event) showPageProblem(pageProblemWords(null, 'event'));
    return;
  }
  if (res.status === 304) return;
  if (!res.ok) {
    // Not found says so; busy (5xx) says so until the next poll gets through, but never
    // replaces an event already shown.
    const words = pageProblemWords(await problemFrom(res), 'event');
    if (!event || !words.retrying) showPageProblem(words);
    return;
  }
  clearPageProblem();
  loaded = { url, etag: res.headers.get('etag') ?? '' };
  event = (await res.json()) as EventDetail;
  render(event);
  // The sale opened since the last copy: fetch the seats to pick from now rather than at the next poll.
  if (!event.seatMap && needsSeats(event)) await load();
}

let verifyAsked = false;
/**
 * A signed-in fan whose address is not confirmed, on an event whose waiting room asks for a
 * confirmed one, is told here, before going to join (the waiting room would refuse them).
 * Asked once per page, and only by such a fan.
 */
async function verifyFirstIfNeeded(): Promise<void> {
  if (verifyAsked) return;
  verifyAsked = true;
  const me = await currentUser();
  if (!me || me.emailVerified) return;
  const onsale = await api<{ requireVerifiedEmail?: boolean }>(
    'GET',
    `/v1/events/${encodeURIComponent(id)}/onsale`,
  ).catch(() => null);
  if (!onsale?.requireVerifiedEmail) return;
  const slot = $('#verify-first');
  slot.replaceChildren(verifyFirstNotice(me, 'join the waiting room'));
  slot.hidden = $('#join-queue').hidden;
}

/** Phases in which "n of m tickets left" says something (not once it is over, nor when it is all gone). */
const STOCK_SHOWN: readonly SalePhase[] = [
  'draft',
  'announced',
  'scheduled',
  'prequeue',
  'drawing',
  'admitting',
  'on_sale',
  'paused',
];

/** The Tickets card's words for the sale's phase: what is happening, and what a fan can do about it. */
function saleNote(e: EventDetail): (string | HTMLElement)[] {
  const at = (iso: string | null) => (iso ? localTime(iso, e.startsAt.timeZone) : 'a time still to be set');
  const { sale } = e;
  const queue = sale.mode === 'queue';
  switch (e.phase) {
    case 'draft':
      return ['Draft: only you can see this event until you publish it from the organizer console.'];
    case 'announced':
      return ['Tickets are not on sale yet. Watch this event to hear when they are.'];
    case 'scheduled':
      return queue
        ? [
            `The waiting room opens ${at(sale.opensAt)} and the draw is at ${at(sale.startsAt)}. Everyone who joins before the draw gets the same chance, however early.`,
          ]
        : [`Tickets go on sale ${at(sale.startsAt)}.`];
    case 'prequeue':
      return [
        `The waiting room is open until the draw at ${at(sale.startsAt)}: everyone who joins before then gets the same chance, however early.`,
      ];
    case 'drawing':
      return [
        'The draw is under way: everyone who joined before the start is getting a number. Joining now puts you after them, in order of arrival.',
      ];
    case 'admitting':
      return [
        `On sale through the waiting room, in the order of its numbers. The draw is done: joining now puts you after ${drawnCrowd(sale)}, in order of arrival.`,
      ];
    case 'on_sale':
      return [sale.endsAt ? `On sale now, until ${at(sale.endsAt)}.` : 'On sale now.'];
    case 'paused':
      return [
        queue
          ? 'The organizer has paused the sale. Fans in the waiting room keep their places; admission continues when it resumes.'
          : 'The organizer has paused the sale. Watch this event to hear when it resumes.',
      ];
    case 'sold_out':
      return [
        queue
          ? 'Sold out. Tickets not paid for in time go back to fans in the waiting room, in the order of their numbers.'
          : 'Sold out. Watch this event to hear if tickets come back.',
      ];
    case 'ended':
      return ['Sales for this event have ended.'];
    case 'postponed':
      return [
        'Postponed to the date above. Tickets stay valid for the new date; if you cannot come, you may cancel your order for a refund from My tickets. Sales are stopped for now.',
      ];
    case 'completed':
      return ['This event has taken place.'];
    case 'cancelled': {
      const c = e.cancellation;
      return [
        h('p', { class: 'status bad' }, c ? `This event is cancelled: “${c.reason}”` : 'This event is cancelled.'),
        h(
          'p',
          {},
          'Every ticket has been withdrawn and every paid order is refunded automatically to the card and gift card that paid it: you have nothing to do. ',
          c?.refundsComplete
            ? 'All refunds have been made. '
            : 'Refunds are on their way; a card refund can take a few days to show. ',
          h('a', { href: '/tickets.html' }, 'Your orders and refunds'),
        ),
      ];
    }
  }
}

/** For a fan already in the waiting room: where they stand, and the link takes them there. */
function placeWords(p: QueueSnapshot): string {
  if (p.status === 'expired') return 'Your pass from the waiting room has expired.';
  if (p.status === 'admitted' || p.status === 'purchasing') return 'It is your turn in the waiting room.';
  if (p.ticketNumber === null) return 'You are in the waiting room: the draw gives you a number.';
  return `You are in the waiting room with number ${p.ticketNumber.toLocaleString()}.`;
}

function render(e: EventDetail): void {
  document.title = `${e.title} — Fairdrop`;
  $('#title').textContent = e.title;
  const a = e.availability;
  $('#when').textContent =
    `${localTime(e.startsAt.utc, e.startsAt.timeZone)}${e.doorsAt ? ` · doors ${localTime(e.doorsAt, e.startsAt.timeZone)}` : ''}`;
  $('#where').textContent = `${e.venue.name}, ${e.venue.city}`;
  $('#state').replaceChildren(
    phaseBadge(e.phase),
    STOCK_SHOWN.includes(e.phase)
      ? ` ${a.remaining.toLocaleString()} of ${a.capacity.toLocaleString()} tickets left`
      : '',
  );
  $('#description').textContent = e.description;
  showPicture($('#picture'), e.image, 'hero', { eager: true });
  const p = e.policies;
  $('#policies').replaceChildren(
    h(
      'li',
      {},
      p?.refundableUntil
        ? `Refunds until ${localTime(p.refundableUntil, e.startsAt.timeZone)}`
        : 'No refunds once bought (unless the event is cancelled)',
    ),
    h(
      'li',
      {},
      p?.transfersAllowed
        ? 'Tickets can be transferred or gifted to a named person, at face value'
        : 'Tickets cannot be transferred',
    ),
    ...(p?.perAccountLimit ? [h('li', {}, `At most ${p.perAccountLimit} tickets per account`)] : []),
  );
  $('#performers').textContent = e.performers.join(', ');
  $('#access').replaceChildren(
    ...(e.accessibility.length
      ? e.accessibility.map((f) => h('li', {}, accessibilityLabel(f)))
      : [h('li', {}, 'No accessibility information yet')]),
  );
  $('#transit').replaceChildren(
    ...e.transit.stops.map((s) => h('li', {}, `${s.name} — ${s.lines.join(', ')} — ${s.walkingMinutes} min walk`)),
    ...(e.transit.parking ? [h('li', {}, `Parking: ${e.transit.parking}`)] : []),
  );
  const pass = purchasePass();
  const buying = buyable(e, pass);
  const queue = $<HTMLAnchorElement>('#join-queue');
  queue.href = `/queue.html?event=${e.id}`;
  // The way to the waiting room, unless this fan's pass brought them here to buy.
  queue.hidden = e.sale.mode !== 'queue' || !roomOpen(e.phase) || buying;
  if (roomOpen(e.phase) && e.sale.mode === 'queue' && place === undefined) void loadPlace();
  const inRoom = place?.joined ? place : null;
  queue.textContent = inRoom ? 'Go to your place in the waiting room' : 'Join the waiting room';
  const placeNote = $('#place-note');
  placeNote.hidden = queue.hidden || !inRoom;
  placeNote.textContent = inRoom ? placeWords(inRoom) : '';
  $('#buy').hidden = !buying;
  $('#pass-note').textContent = pass
    ? `It is your turn. Your pass from the waiting room is valid until ${viewerTime(pass.expiresAt)}.`
    : '';
  const verify = $('#verify-first');
  verify.hidden = queue.hidden || inRoom !== null || verify.childElementCount === 0;
  if (!queue.hidden && !inRoom) void verifyFirstIfNeeded();
  $('#sale-note').replaceChildren(...saleNote(e).map((part) => (typeof part === 'string' ? h('p', {}, part) : part)));
  renderPresale($('#presale'), e.id, e.startsAt.timeZone, () => event && render(event));
  // Nothing left to watch for once it is over.
  $('#watch').hidden = e.phase === 'cancelled' || e.phase === 'completed';
  const tierSelect = $<HTMLSelectElement>('#tier');
  const current = tierSelect.value;
  tierSelect.replaceChildren(
    ...e.tiers.map((t) =>
      h(
        'option',
        { value: t.id, selected: t.id === current },
        `${t.name} — ${money(t.totalCents, t.currency)} all-in (${t.remaining} left)`,
      ),
    ),
  );
  renderSeats();
  showWaitlist(e);
}

function renderSeats(): void {
  if (!event) return;
  const tier = event.tiers.find((t) => t.id === $<HTMLSelectElement>('#tier').value) ?? event.tiers[0];
  const reserved = tier?.kind === 'reserved';
  $('#seat-area').hidden = !reserved;
  $('#quantity-area').hidden = false;
  if (!reserved || !tier) return;
  if (!event.seatMap) {
    $('#seats').replaceChildren(h('p', { class: 'muted' }, 'Loading the seat map…'));
    return;
  }
  const map: SeatMap = {
    sections: event.seatMap.sections
      .map((s) => ({
        ...s,
        rows: s.rows
          .map((r) => ({ ...r, seats: r.seats.filter((seat) => seat.tierId === tier.id) }))
          .filter((r) => r.seats.length),
      }))
      .filter((s) => s.rows.length),
  };
  $('#seats').replaceChildren(
    renderSeatMap(map, new Set(selected.keys()), (seat: SeatView, label: string) => {
      if (selected.has(seat.id)) selected.delete(seat.id);
      else selected.set(seat.id, label);
      $('#choice').textContent = selected.size
        ? `Chosen: ${[...selected.values()].join('; ')}`
        : 'No seats chosen: we will pick the best available.';
      renderSeats();
      (document.querySelector(`[data-seat="${seat.id}"]`) as HTMLElement | null)?.focus();
    }),
  );
}

$('#tier').addEventListener('change', () => {
  selected.clear();
  renderSeats();
});

$<HTMLFormElement>('#buy').addEventListener('submit', async (e) => {
  e.preventDefault();
  if (!(await currentUser())) {
    location.href = `/account.html?next=${encodeURIComponent(location.pathname + location.search)}`;
    return;
  }
  const tierId = $<HTMLSelectElement>('#tier').value;
  const quantity = Number($<HTMLInputElement>('#quantity').value);
  const pass = purchasePass();
  const body = {
    eventId: id,
    tierId,
    ...(selected.size
      ? { seats: [...selected.keys()] }
      : { quantity, ...($<HTMLInputElement>('#together').checked ? { together: true } : {}) }),
    ...(pass ? { purchaseToken: pass.token } : {}),
  };
  setStatus(status, 'busy', 'Holding your tickets…');
  try {
    const hold = await api<{ id: string }>('POST', '/v1/holds', body);
    location.href = `/checkout.html?hold=${hold.id}`;
  } catch (err) {
    setStatus(status, 'bad', err instanceof ApiError ? err.describe() : 'Network error; try again.');
    await load();
  }
});

$('#watch').addEventListener('click', async () => {
  if (!session.token()) {
    location.href = '/account.html';
    return;
  }
  try {
    await api('POST', `/v1/events/${id}/watch`);
    setStatus($('#watch-status'), 'ok', 'Watching: we will tell you when the waiting room opens or tickets come back.');
  } catch (err) {
    setStatus($('#watch-status'), 'bad', err instanceof ApiError ? err.describe() : 'Network error.');
  }
});

void renderHeader();
if (id) void loadPresales(id, () => event && render(event));
if (id) void showResale(id);
await load();
// Cheap while nothing changes: the API answers 304 to the ETag.
setInterval(() => void load(), 5000);
