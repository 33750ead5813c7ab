import type { QueueSnapshot } from '../../../src/realtime/events.js';
import { $, setStatus, type StatusKind } from '../lib/dom.js';
import { number, t } from '../lib/i18n.js';
import { localTime } from '../lib/layout.js';
import { phaseBadge, roomOpen, type SalePhase } from '../lib/sale-phase.js';
import type { Store } from '../lib/store.js';
import { verifyFirstNotice } from '../lib/verify-first.js';
import type { actions, QueueState } from './state.js';

/** The waiting room's views: each part of the page drawn from the state (see lib/store.ts). */

type QueueStore = Store<QueueState, typeof actions>;

const steps = ['prequeue', 'draw', 'number', 'admitted', 'held', 'paid', 'guaranteed'] as const;
type Step = (typeof steps)[number];

const eta = (seconds: number | null) =>
  seconds === null
    ? t('queue:eta.unknown')
    : seconds < 60
      ? t('queue:eta.underMinute')
      : t('queue:eta.minutes', { count: Math.round(seconds / 60) });

/** "9 min 58 s", "1 h 2 min 05 s": what is left until `until`, or null once it has passed. */
export function durationWords(until: number, now: number): string | null {
  const left = until - now;
  if (left <= 0) return null;
  const hours = Math.floor(left / 3_600_000);
  const minutes = Math.floor((left % 3_600_000) / 60_000);
  const seconds = Math.floor((left % 60_000) / 1000);
  const parts = {
    hours: t('queue:duration.hours', { count: hours }),
    minutes: t('queue:duration.minutes', { count: minutes }),
    seconds: t('queue:duration.seconds', { count: seconds, padded: String(seconds).padStart(2, '0') }),
  };
  return hours ? t('queue:duration.hms', parts) : t('queue:duration.ms', parts);
}

/** "Your pass expires in 9 min 58 s", "… now" once it has passed. */
export function passCountdown(until: number, now: number): string {
  const duration = durationWords(until, now);
  return duration === null ? t('queue:turn.passExpiresNow') : t('queue:turn.passExpires', { duration });
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
  const event = t('queue:when.event', { time: localTime(s.event.startsAt.utc, s.event.startsAt.timeZone) });
  const passed = (iso: string | null) => iso === null || Date.parse(iso) <= s.now;
  const words = ((): string | null => {
    if (hasTurn(s.snapshot)) return null;
    switch (phase) {
      case 'scheduled': {
        const duration = passed(sale.opensAt) ? null : durationWords(Date.parse(sale.opensAt!), s.now);
        return duration === null ? t('queue:when.opening') : t('queue:when.opensIn', { duration });
      }
      case 'prequeue': {
        const duration = passed(sale.startsAt) ? null : durationWords(Date.parse(sale.startsAt!), s.now);
        return duration === null ? t('queue:when.drawStarting') : t('queue:when.drawIn', { duration });
      }
      case 'drawing':
        return t('queue:when.drawing');
      case 'admitting':
        return t('queue:when.admitting');
      case 'paused':
        return t('queue:when.paused');
      case 'sold_out':
        return t('queue:when.soldOut');
      case 'ended':
        return t('queue:when.ended');
      case 'postponed':
        return t('queue:when.postponed');
      case 'cancelled':
        return t('queue:when.cancelled');
      default:
        return null;
    }
  })();
  return words ? t('queue:when.withEvent', { words, event }) : event;
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
function overWords(phase: SalePhase | null): string | null {
  switch (phase) {
    case 'cancelled':
      return t('queue:over.cancelled');
    case 'postponed':
      return t('queue:over.postponed');
    case 'ended':
      return t('queue:over.ended');
    case 'completed':
      return t('queue:over.completed');
    default:
      return null;
  }
}

/** "You are next.", "3 people are ahead of you." */
const aheadWords = (ahead: number) =>
  ahead === 0 ? t('queue:where.next') : t('queue:where.ahead', { count: ahead, n: number(ahead) });

/** The status line for a fan holding a number who waits for it to come up. */
function numberWords(ticketNumber: number, drawSize: number | null, ahead: string): string {
  const values = { number: number(ticketNumber), ahead };
  // Numbers past the draw's size went to fans who joined after it, in order of arrival.
  if (drawSize !== null && ticketNumber > drawSize)
    return t('queue:where.late', { ...values, count: drawSize, n: number(drawSize) });
  return drawSize ? t('queue:where.numberOf', { ...values, size: number(drawSize) }) : t('queue:where.number', values);
}

/** Where the fan stands, in words: the step, the status line and the detail under it. */
function place(s: QueueSnapshot, drawSize: number | null, salePhase: SalePhase | null): Place {
  const ended = overWords(salePhase);
  if (ended) return { step: 'prequeue', kind: 'bad', where: ended, detail: '', progress: null };
  // Sold out, closed or paused say so, unless the fan's own news (a number, their turn) matters more.
  // Paused by either source the page has (the room's push, the event read again): the line under
  // the title and this one change together, whichever arrives first.
  const paused = s.phase === 'paused' || salePhase === 'paused';
  const banner: [StatusKind, string] | null = s.soldOut
    ? ['bad', t('queue:banner.soldOut')]
    : s.phase === 'closed'
      ? ['bad', t('queue:banner.closed')]
      : paused
        ? ['', t('queue:banner.paused')]
        : null;
  const unlessHalted = (kind: StatusKind, where: string): [StatusKind, string] =>
    !s.soldOut && !paused ? [kind, where] : banner!;

  if (!s.joined) {
    const [kind, where] = banner ?? ['', t('queue:where.notIn')];
    const detail = s.phase === 'prequeue' ? t('queue:where.detailPrequeue') : t('queue:where.detailLate');
    return { step: 'prequeue', kind, where, detail, progress: null };
  }
  if (s.ticketNumber === null) {
    const drawing = s.phase === 'drawing';
    const [kind, where] = unlessHalted('ok', drawing ? t('queue:where.drawRunning') : t('queue:where.inAwaitingDraw'));
    const detail = t('queue:where.entryDetail', { entry: s.entryId });
    return { step: drawing ? 'draw' : 'prequeue', kind, where, detail, progress: null };
  }
  if (hasTurn(s)) {
    return {
      step: 'admitted',
      kind: 'ok',
      where: t('queue:where.turn'),
      detail: t('queue:where.turnDetail', { number: number(s.ticketNumber) }),
      progress: null,
    };
  }
  const ahead = Math.max(0, (s.position ?? 0) - 1);
  const [kind, where] = unlessHalted('ok', numberWords(s.ticketNumber, drawSize, aheadWords(ahead)));
  return {
    step: 'number',
    kind,
    where,
    detail: t('queue:where.wait', { eta: eta(s.eta) }),
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
    const ended = overWords(salePhase);
    if (ended) setStatus($('#where'), 'bad', ended);
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
    $('#announce').textContent = t('queue:where.announce', { n: number(ahead), eta: eta(snapshot.eta) });
  };
}

const CONNECTION: Record<QueueState['connection'], [() => string, string]> = {
  connecting: [() => t('queue:connection.connecting'), 'conn'],
  live: [() => t('queue:connection.live'), 'conn live'],
  reconnecting: [() => t('queue:connection.reconnecting'), 'conn reconnecting'],
  signed_out: [() => t('queue:connection.signedOut'), 'conn reconnecting'],
};

export function showWaitingRoom(store: QueueStore): void {
  store.view(
    (s) => s.connection,
    (connection) => {
      const [text, className] = CONNECTION[connection];
      $('#connection').textContent = text();
      $('#connection').className = className;
    },
  );

  store.view(
    (s) => s.event,
    (event) => {
      if (!event) return;
      $('#title').textContent = event.title;
      document.title = t('queue:documentTitle', { event: event.title });
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
      return hasTurn(snapshot) && snapshot?.tokenExpiresAt ? passCountdown(snapshot.tokenExpiresAt, s.now) : '';
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
      if (lottery === 'unpublished') $('#commitment').textContent = t('queue:lottery.unpublished');
      if (!lottery || lottery === 'unpublished') return;
      $('#commitment').textContent = lottery.commitment;
      $('#seed').textContent = lottery.seed ?? t('queue:lottery.seedLater');
      $('#entrants').textContent = number(lottery.prequeueSize);
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
      $('#mute').textContent = muted ? t('queue:sound.off') : t('queue:sound.on');
      $('#mute').setAttribute('aria-pressed', String(!muted));
    },
  );
}
