import { api, ApiError, problemFrom, session } from '../lib/api.js';
import { $, h, setStatus } from '../lib/dom.js';
import { accessibilityLabels, availabilityLabels, currentUser, localTime, money, renderHeader } from '../lib/layout.js';
import { renderSeatMap, type SeatMap, type SeatView } from '../lib/seatmap.js';
import { verifyFirstNotice } from '../lib/verify-first.js';
import { showWaitlist } from '../lib/waitlist.js';
import { clearPageProblem, showPageProblem } from '../lib/page-problem.js';
import { pageProblemWords } from '../lib/words.js';

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
}

const id = new URLSearchParams(location.search).get('id') ?? '';

/** The purchase token the waiting room page stored when this fan was admitted, while it lasts. */
function purchasePass(): { token: string; expiresAt: number } | null {
  try {
    const pass = JSON.parse(sessionStorage.getItem(`fairdrop.token.${id}`) ?? 'null') as {
      token: string;
      expiresAt: number;
    } | null;
    return pass && pass.expiresAt > Date.now() ? pass : null;
  } catch {
    return null;
  }
}
const status = $('#buy-status');
const selected = new Map<string, string>();
let event: EventDetail | undefined;
/** The form last loaded (with or without seats) and its ETag: a tag only revalidates its own form. */
let loaded = { url: '', etag: '' };

/** The buy form shows: an open sale, or a fan holding a waiting-room pass. */
function buyable(e: EventDetail, pass: ReturnType<typeof purchasePass>): boolean {
  // A queue sale sells only to fans whose number came up: they arrive here with a pass.
  return pass !== null || (e.availability.state === 'on_sale' && e.availability.queueOpensAt === null);
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

function render(e: EventDetail): void {
  document.title = `${e.title} — Fairdrop`;
  $('#title').textContent = e.title;
  const a = e.availability;
  $('#when').textContent =
    `${localTime(e.startsAt.utc, e.startsAt.timeZone)} (${e.startsAt.timeZone})${e.doorsAt ? ` · doors ${localTime(e.doorsAt, e.startsAt.timeZone)}` : ''}`;
  $('#where').textContent = `${e.venue.name}, ${e.venue.city}`;
  $('#state').replaceChildren(
    h('span', { class: `badge badge-${a.state}` }, availabilityLabels[a.state] ?? a.state),
    ` ${a.remaining.toLocaleString()} of ${a.capacity.toLocaleString()} tickets left`,
  );
  $('#description').textContent = e.description;
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
      ? e.accessibility.map((f) => h('li', {}, accessibilityLabels[f] ?? f))
      : [h('li', {}, 'No accessibility information yet')]),
  );
  $('#transit').replaceChildren(
    ...e.transit.stops.map((s) => h('li', {}, `${s.name} — ${s.lines.join(', ')} — ${s.walkingMinutes} min walk`)),
    ...(e.transit.parking ? [h('li', {}, `Parking: ${e.transit.parking}`)] : []),
  );
  const queue = $<HTMLAnchorElement>('#join-queue');
  queue.hidden = a.state !== 'queue_open';
  queue.href = `/queue.html?event=${e.id}`;
  const pass = purchasePass();
  $('#buy').hidden = !buyable(e, pass);
  $('#pass-note').textContent = pass
    ? `Your pass from the waiting room is valid until ${new Date(pass.expiresAt).toLocaleTimeString()}.`
    : '';
  if (a.state === 'on_sale' && a.queueOpensAt !== null && !pass) queue.hidden = false;
  const verify = $('#verify-first');
  verify.hidden = queue.hidden || verify.childElementCount === 0;
  if (!queue.hidden) void verifyFirstIfNeeded();
  if (a.state === 'not_yet' && a.onSaleAt)
    $('#sale-note').textContent = `Tickets go on sale ${localTime(a.onSaleAt, e.startsAt.timeZone)}.`;
  else if (a.state === 'queue_open')
    $('#sale-note').textContent =
      'The waiting room is open: everyone who joins before the sale starts gets the same chance in the draw.';
  else $('#sale-note').textContent = '';
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
await load();
// Cheap while nothing changes: the API answers 304 to the ETag.
setInterval(() => void load(), 5000);
