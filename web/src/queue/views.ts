import type { QueueSnapshot } from '../../../src/realtime/events.js';
import { $, setStatus, type StatusKind } from '../lib/dom.js';
import { localTime } from '../lib/layout.js';
import { drawnCrowd, phaseBadge, roomOpen, type SalePhase } from '../lib/sale-phase.js';
import type { Store } from '../lib/store.js';
import { verifyFirstNotice } from '../lib/verify-first.js';
import type { actions, QueueState } from './state.js';

/** The waiting room's views: each part of the page drawn from the state (see lib/store.ts). */

type QueueStore = Store<QueueState, typeof actions>;

const steps = ['prequeue', 'draw', 'number', 'admitted', 'held', 'paid', 'guaranteed'] as const;
type Step = (typeof steps)[number];

const fmt = (n: number) => n.toLocaleString();
const eta = (seconds: number | null) =>
  seconds === null ? 'unknown yet' : seconds < 60 ? 'under a minute' : `about ${Math.round(seconds / 60)} min`;

/** "Your pass expires in 9 min 58 s", "… now" once it has passed. */
export function countdownWords(until: number, now: number, prefix: string): string {
  const left = until - now;
  if (left <= 0) return `${prefix} now`;
  const hours = Math.floor(left / 3_600_000);
  const minutes = Math.floor((left % 3_600_000) / 60_000);
  const seconds = Math.floor((left % 60_000) / 1000);
  return `${prefix} in ${hours ? `${hours} h ` : ''}${minutes} min ${String(seconds).padStart(2, '0')} s`;
}

const hasTurn = (s: QueueSnapshot | null) => s?.status === 'admitted' || s?.status === 'purchasing';

/**
 * Under the title: where the sale stands (the server's phase, read again whenever the room
 * changes), with the next moment to wait for counted down, then the event's own time. A
 * countdown that reaches its moment says what is happening now, never "now" for ever.
 */
function whenWords(s: QueueState): string {
  if (!s.event) return '';
  const { phase, sale } = s.event;
  const event = `Event: ${localTime(s.event.startsAt.utc, s.event.startsAt.timeZone)}`;
  const passed = (iso: string | null) => iso === null || Date.parse(iso) <= s.now;
  const words = ((): string | null => {
    if (hasTurn(s.snapshot)) return null;
    switch (phase) {
      case 'scheduled':
        return passed(sale.opensAt)
          ? 'The waiting room is opening…'
          : `${countdownWords(Date.parse(sale.opensAt!), s.now, 'The waiting room opens')}.`;
      case 'prequeue':
        return passed(sale.startsAt)
          ? 'The draw is starting…'
          : `${countdownWords(Date.parse(sale.startsAt!), s.now, 'The draw starts')}.`;
      case 'drawing':
        return 'The draw is under way: every entry is getting its number.';
      case 'admitting':
        return 'The draw is done: numbers are served in order.';
      case 'paused':
        return 'The organizer has paused admission; everyone keeps their place.';
      case 'sold_out':
        return 'Sold out for now.';
      case 'ended':
        return 'The sale has ended.';
      case 'postponed':
        return 'This event is postponed: the sale is stopped.';
      case 'cancelled':
        return 'This event is cancelled.';
      default:
        return null;
    }
  })();
  return words ? `${words} ${event}` : event;
}

interface Place {
  step: Step;
  kind: StatusKind;
  where: string;
  detail: string;
  /** The fan's number and how far the cursor is towards it, while they wait for it. */
  progress: { number: number; cursor: number; ahead: number } | null;
}

/** Phases in which the room is over for everyone, whatever the fan's own state: said instead of it. */
const OVER: Partial<Record<SalePhase, string>> = {
  cancelled: 'This event is cancelled. Nobody can buy tickets any more; every paid order is refunded automatically.',
  postponed: 'This event is postponed: the sale is stopped until the organizer reopens it.',
  ended: 'The sale has ended.',
  completed: 'This event has taken place.',
};

/** Where the fan stands, in words: the step, the status line and the detail under it. */
function place(s: QueueSnapshot, drawSize: number | null, salePhase: SalePhase | null): Place {
  const over = salePhase ? OVER[salePhase] : undefined;
  if (over) return { step: 'prequeue', kind: 'bad', where: over, detail: '', progress: null };
  // Sold out, closed or paused say so, unless the fan's own news (a number, their turn) matters more.
  const banner: [StatusKind, string] | null = s.soldOut
    ? [
        'bad',
        'Sold out. Every ticket is taken or being paid for; if some come back, admission resumes and this page tells you.',
      ]
    : s.phase === 'closed'
      ? ['bad', 'This waiting room is closed.']
      : s.phase === 'paused'
        ? ['', 'Paused by the organizer. You keep your place; admission continues when they resume.']
        : null;
  const unlessHalted = (kind: StatusKind, where: string): [StatusKind, string] =>
    !s.soldOut && s.phase !== 'paused' ? [kind, where] : banner!;

  if (!s.joined) {
    const [kind, where] = banner ?? ['', 'You are not in this waiting room yet.'];
    const detail =
      s.phase === 'prequeue'
        ? 'Everyone who joins before the sale starts gets the same chance in the draw.'
        : 'The draw is done: joining now puts you after everyone who was in the draw, in order of arrival.';
    return { step: 'prequeue', kind, where, detail, progress: null };
  }
  if (s.ticketNumber === null) {
    const drawing = s.phase === 'drawing';
    const [kind, where] = unlessHalted(
      'ok',
      drawing ? 'The draw is running…' : 'You are in. When the sale starts, the draw gives you a number.',
    );
    const detail = `Entry ${s.entryId}. Arriving early does not help and refreshing does not help: every entry before the start has the same chance.`;
    return { step: drawing ? 'draw' : 'prequeue', kind, where, detail, progress: null };
  }
  if (hasTurn(s)) {
    return {
      step: 'admitted',
      kind: 'ok',
      where: "It's your turn! Choose your seats before your pass expires.",
      detail: `Your number ${fmt(s.ticketNumber)} came up. Seats are not yours until you hold them and pay; the pass lets you try again if a seat is taken.`,
      progress: null,
    };
  }
  const ahead = Math.max(0, (s.position ?? 0) - 1);
  const people =
    ahead === 0 ? 'You are next.' : `${fmt(ahead)} ${ahead === 1 ? 'person is' : 'people are'} ahead of you.`;
  // Numbers past the draw's size went to fans who joined after it, in order of arrival.
  const late = drawSize !== null && s.ticketNumber > drawSize;
  const [kind, where] = unlessHalted(
    'ok',
    late
      ? `You joined after the draw: your number is ${fmt(s.ticketNumber)}, after ${drawnCrowd({ drawSize })}. ${people}`
      : `Your number is ${fmt(s.ticketNumber)}${drawSize ? ` of ${fmt(drawSize)} in the draw` : ''}. ${people}`,
  );
  return {
    step: 'number',
    kind,
    where,
    detail: `Estimated wait: ${eta(s.eta)}. Numbers are served in order; nobody can skip ahead.`,
    progress: { number: s.ticketNumber, cursor: s.cursor, ahead },
  };
}

function markStep(current: Step): void {
  const index = steps.indexOf(current);
  for (const [i, step] of steps.entries()) {
    const li = $(`#step-${step}`);
    li.classList.toggle('done', i < index);
    li.classList.toggle('current', i === index);
    if (i === index) li.setAttribute('aria-current', 'step');
    else li.removeAttribute('aria-current');
  }
}

/** The draw's size: the lottery record's, else the event's (both once drawn). */
const drawSizeOf = (s: QueueState) =>
  (s.lottery && s.lottery !== 'unpublished' ? s.lottery.drawSize : null) ?? s.event?.sale.drawSize ?? null;

type PlaceInputs = [QueueSnapshot | null, string | null, number | null, SalePhase | null];

function renderPlace([snapshot, loadError, drawSize, salePhase]: PlaceInputs): void {
  const over = salePhase !== null && !roomOpen(salePhase) && salePhase !== 'scheduled';
  $('#join').hidden = !snapshot || snapshot.joined || snapshot.phase === 'closed' || over;
  $('#admitted').hidden = !hasTurn(snapshot) || over;
  $('#progress-wrap').hidden = true;
  if (loadError) return setStatus($('#where'), 'bad', loadError);
  if (!snapshot) {
    if (salePhase && OVER[salePhase]) setStatus($('#where'), 'bad', OVER[salePhase]);
    return;
  }
  const p = place(snapshot, drawSize, salePhase);
  markStep(p.step);
  setStatus($('#where'), p.kind, p.where);
  $('#detail').textContent = p.detail;
  if (p.progress) {
    $('#progress-wrap').hidden = false;
    const bar = $<HTMLProgressElement>('#progress');
    bar.max = Math.max(1, p.progress.number);
    bar.value = Math.min(p.progress.cursor, p.progress.number);
  }
}

/** The polite live region speaks at most every 30 s while the fan waits for their number, not on every tick. */
function announcer(): (snapshot: QueueSnapshot | null, s: QueueState) => void {
  let lastAnnounced = 0;
  return (snapshot, s) => {
    if (!snapshot?.joined || snapshot.ticketNumber === null || hasTurn(snapshot)) return;
    if (s.now - lastAnnounced <= 30_000) return;
    lastAnnounced = s.now;
    const ahead = Math.max(0, (snapshot.position ?? 0) - 1);
    $('#announce').textContent = `${fmt(ahead)} ahead of you, estimated wait ${eta(snapshot.eta)}.`;
  };
}

const CONNECTION: Record<QueueState['connection'], [string, string]> = {
  connecting: ['Connecting…', 'conn'],
  live: ['Live', 'conn live'],
  reconnecting: ['Reconnecting… you keep your place', 'conn reconnecting'],
  signed_out: ['Signed out: sign in again to keep your place', 'conn reconnecting'],
};

export function showWaitingRoom(store: QueueStore): void {
  store.view(
    (s) => s.connection,
    (connection) => {
      const [text, className] = CONNECTION[connection];
      $('#connection').textContent = text;
      $('#connection').className = className;
    },
  );

  store.view(
    (s) => s.event,
    (event) => {
      if (!event) return;
      $('#title').textContent = event.title;
      document.title = `Waiting room: ${event.title} — Fairdrop`;
      $('#event-link').setAttribute('href', `/event.html?id=${event.id}`);
      $('#verify-link').setAttribute('href', `/v1/events/${event.id}/lottery`);
    },
  );

  store.view(whenWords, (words) => void ($('#when').textContent = words));

  store.view((s) => [s.snapshot, s.loadError, drawSizeOf(s), s.event?.phase ?? null] as PlaceInputs, renderPlace);
  store.view(
    (s) => s.event?.phase ?? null,
    (phase) => void (phase ? $('#phase').replaceChildren(phaseBadge(phase)) : null),
  );
  store.view((s) => s.snapshot, announcer());

  store.view(
    (s) => {
      const { snapshot } = s;
      return hasTurn(snapshot) && snapshot?.tokenExpiresAt
        ? countdownWords(snapshot.tokenExpiresAt, s.now, 'Your pass expires')
        : '';
    },
    (words, s) => {
      $('#token-countdown').textContent = words;
      // The event's page (a presale window's room has an id of its own).
      if (words) $<HTMLAnchorElement>('#choose-seats').href = `/event.html?id=${s.event?.id ?? s.eventId}`;
    },
  );

  store.view(
    (s) => s.lottery,
    (lottery) => {
      if (lottery === 'unpublished') $('#commitment').textContent = 'published when the waiting room opens';
      if (!lottery || lottery === 'unpublished') return;
      $('#commitment').textContent = lottery.commitment;
      $('#seed').textContent = lottery.seed ?? 'revealed after the draw';
      $('#entrants').textContent = fmt(lottery.prequeueSize);
    },
  );

  store.view(
    (s) => s.join,
    (join) => setStatus($('#join-status'), join.kind, join.text),
  );
  store.view(
    (s) => s.verifyFirst,
    (me) => {
      if (!me) return;
      const slot = $('#verify-first');
      slot.replaceChildren(verifyFirstNotice(me, 'join this waiting room'));
      slot.hidden = false;
      $<HTMLButtonElement>('#join-button').disabled = true;
    },
  );

  store.view(
    (s) => s.muted,
    (muted) => {
      $('#mute').textContent = muted ? 'Sound off' : 'Sound on';
      $('#mute').setAttribute('aria-pressed', String(!muted));
    },
  );
}
