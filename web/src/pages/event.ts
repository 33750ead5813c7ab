import { api, ApiError, problemFrom, session } from '../lib/api.js';
import { $, h, setStatus } from '../lib/dom.js';
import { locale, number, t } from '../lib/i18n.js';
import { accessibilityLabel, currentUser, localTime, money, renderHeader } from '../lib/layout.js';
import { viewerTime } from '../lib/zoned-time.js';
import { phaseBadge, roomOpen, type SalePhase, type SaleView } from '../lib/sale-phase.js';
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
  /** The language `description` is in: the reader's when the organizer wrote one in it, else English. */
  descriptionLanguage?: string;
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
  return buyable(e, pass) && e.tiers.some((x) => x.kind === 'reserved');
}

async function load(): Promise<void> {
  // No id at all (a link cut short): nothing to ask the API, which would answer with a search.
  if (!id) return showPageProblem(pageProblemWords({ status: 404, code: '' }, 'event'));
  // The description comes in the page's language (the API reads the same fd_lang cookie and
  // Accept-Language the page was chosen by), English where the organizer wrote none in it.
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
  const at = (iso: string | null) => (iso ? localTime(iso, e.startsAt.timeZone) : t('event:note.timeToBeSet'));
  const { sale } = e;
  const queue = sale.mode === 'queue';
  switch (e.phase) {
    case 'draft':
      return [t('event:note.draft')];
    case 'announced':
      return [t('event:note.announced')];
    case 'scheduled':
      return queue
        ? [t('event:note.scheduledQueue', { opens: at(sale.opensAt), draw: at(sale.startsAt) })]
        : [t('event:note.scheduled', { starts: at(sale.startsAt) })];
    case 'prequeue':
      return [t('event:note.prequeue', { draw: at(sale.startsAt) })];
    case 'drawing':
      return [t('event:note.drawing')];
    case 'admitting':
      return [
        sale.drawSize === null
          ? t('event:note.admittingUnknown')
          : t('event:note.admitting', { count: sale.drawSize, n: number(sale.drawSize) }),
      ];
    case 'on_sale':
      return [sale.endsAt ? t('event:note.onSaleUntil', { ends: at(sale.endsAt) }) : t('event:note.onSale')];
    case 'paused':
      return [queue ? t('event:note.pausedQueue') : t('event:note.paused')];
    case 'sold_out':
      return [queue ? t('event:note.soldOutQueue') : t('event:note.soldOut')];
    case 'ended':
      return [t('event:note.ended')];
    case 'postponed':
      return [t('event:note.postponed')];
    case 'completed':
      return [t('event:note.completed')];
    case 'cancelled': {
      const c = e.cancellation;
      return [
        h(
          'p',
          { class: 'status bad' },
          c ? t('event:note.cancelledBecause', { reason: c.reason }) : t('event:note.cancelled'),
        ),
        h(
          'p',
          {},
          t('event:note.refunds'),
          c?.refundsComplete ? t('event:note.refundsDone') : t('event:note.refundsPending'),
          h('a', { href: '/tickets.html' }, t('event:note.ordersLink')),
        ),
      ];
    }
  }
}

/** For a fan already in the waiting room: where they stand, and the link takes them there. */
function placeWords(p: QueueSnapshot): string {
  if (p.status === 'expired') return t('event:place.expired');
  if (p.status === 'admitted' || p.status === 'purchasing') return t('event:place.turn');
  if (p.ticketNumber === null) return t('event:place.awaitingDraw');
  return t('event:place.number', { number: number(p.ticketNumber) });
}

function render(e: EventDetail): void {
  document.title = t('event:documentTitle', { event: e.title });
  $('#title').textContent = e.title;
  const a = e.availability;
  const time = localTime(e.startsAt.utc, e.startsAt.timeZone);
  $('#when').textContent = e.doorsAt
    ? t('event:whenDoors', { time, doors: localTime(e.doorsAt, e.startsAt.timeZone) })
    : time;
  $('#where').textContent = `${e.venue.name}, ${e.venue.city}`;
  $('#state').replaceChildren(
    phaseBadge(e.phase),
    STOCK_SHOWN.includes(e.phase)
      ? ` ${t('event:stock', { remaining: number(a.remaining), capacity: number(a.capacity) })}`
      : '',
  );
  $('#description').textContent = e.description;
  // Marked with its language when it is not the page's (English where the organizer wrote none).
  if (e.descriptionLanguage) $('#description').lang = e.descriptionLanguage;
  else $('#description').removeAttribute('lang');
  showPicture($('#picture'), e.image, 'hero', { eager: true });
  const p = e.policies;
  $('#policies').replaceChildren(
    h(
      'li',
      {},
      p?.refundableUntil
        ? t('event:policy.refundsUntil', { time: localTime(p.refundableUntil, e.startsAt.timeZone) })
        : t('event:policy.noRefunds'),
    ),
    h('li', {}, p?.transfersAllowed ? t('event:policy.transfers') : t('event:policy.noTransfers')),
    ...(p?.perAccountLimit
      ? [h('li', {}, t('event:policy.limit', { count: p.perAccountLimit, n: number(p.perAccountLimit) }))]
      : []),
  );
  $('#performers').textContent = e.performers.join(', ');
  $('#access').replaceChildren(
    ...(e.accessibility.length
      ? e.accessibility.map((f) => h('li', {}, accessibilityLabel(f)))
      : [h('li', {}, t('event:noAccessibility'))]),
  );
  $('#transit').replaceChildren(
    ...e.transit.stops.map((s) =>
      h('li', {}, t('event:stop', { stop: s.name, lines: s.lines.join(', '), minutes: number(s.walkingMinutes) })),
    ),
    ...(e.transit.parking ? [h('li', {}, t('event:parking', { parking: e.transit.parking }))] : []),
  );
  const pass = purchasePass();
  const buying = buyable(e, pass);
  const queue = $<HTMLAnchorElement>('#join-queue');
  queue.href = `/queue.html?event=${e.id}`;
  // The way to the waiting room, unless this fan's pass brought them here to buy.
  queue.hidden = e.sale.mode !== 'queue' || !roomOpen(e.phase) || buying;
  if (roomOpen(e.phase) && e.sale.mode === 'queue' && place === undefined) void loadPlace();
  const inRoom = place?.joined ? place : null;
  queue.textContent = inRoom ? t('event:goToPlace') : t('event:joinQueue');
  const placeNote = $('#place-note');
  placeNote.hidden = queue.hidden || !inRoom;
  placeNote.textContent = inRoom ? placeWords(inRoom) : '';
  $('#buy').hidden = !buying;
  $('#pass-note').textContent = pass ? t('event:passNote', { time: viewerTime(pass.expiresAt, { locale }) }) : '';
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
    ...e.tiers.map((tier) =>
      h(
        'option',
        { value: tier.id, selected: tier.id === current },
        t('event:tierOption', {
          tier: tier.name,
          price: money(tier.totalCents, tier.currency),
          remaining: number(tier.remaining),
        }),
      ),
    ),
  );
  renderSeats();
  showWaitlist(e);
}

function renderSeats(): void {
  if (!event) return;
  const tier = event.tiers.find((x) => x.id === $<HTMLSelectElement>('#tier').value) ?? event.tiers[0];
  const reserved = tier?.kind === 'reserved';
  $('#seat-area').hidden = !reserved;
  $('#quantity-area').hidden = false;
  if (!reserved || !tier) return;
  if (!event.seatMap) {
    $('#seats').replaceChildren(h('p', { class: 'muted' }, t('event:loadingSeats')));
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
        ? t('event:chosen', { seats: [...selected.values()].join('; ') })
        : t('event:noSeats');
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
  setStatus(status, 'busy', t('event:holding'));
  try {
    const hold = await api<{ id: string }>('POST', '/v1/holds', body);
    location.href = `/checkout.html?hold=${hold.id}`;
  } catch (err) {
    setStatus(status, 'bad', err instanceof ApiError ? err.describe() : t('event:network'));
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
    setStatus($('#watch-status'), 'ok', t('event:watching'));
  } catch (err) {
    setStatus($('#watch-status'), 'bad', err instanceof ApiError ? err.describe() : t('event:networkShort'));
  }
});

void renderHeader();
if (id) void loadPresales(id, () => event && render(event));
if (id) void showResale(id);
await load();
// Cheap while nothing changes: the API answers 304 to the ETag.
setInterval(() => void load(), 5000);
