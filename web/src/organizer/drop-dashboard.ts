import { api, ApiError } from '../lib/api.js';
import { $, h, setStatus } from '../lib/dom.js';
import { locale, number, t } from '../lib/i18n.js';
import { localTime } from '../lib/layout.js';
import { zoneName } from '../lib/zoned-time.js';
import type { Onsale } from './types.js';

/**
 * The live drop dashboard: entrants, admitted, cursor, sold, remaining and the measured
 * admission rate, with charts over the last minutes, and pause/resume. Polls the public stats
 * every second while the waiting room is open and the page is visible (one small query; the
 * queue page is the one that must scale, through socket pushes), and nothing otherwise.
 */

interface QueueStats {
  phase: string;
  soldOut: boolean;
  entrants: number;
  admitted: number;
  cursor: number;
  waiting: number;
  ratePerMinute: number;
  outstandingTokens: number;
  sold: number;
  remaining: number;
}

const HISTORY = 300;
const root = $('#drop-dashboard');
let timer: ReturnType<typeof setTimeout> | undefined;
let history: { at: number; stats: QueueStats }[] = [];

/**
 * Sale phases (src/sales/phase.ts, told by the workspace) with no drop left to follow or pause:
 * the dashboard says why in one line and stops asking.
 */
const NO_DROP: Record<string, () => string> = {
  cancelled: () => t('organizer:drop.cancelled'),
  completed: () => t('organizer:drop.completed'),
  postponed: () => t('organizer:drop.postponed'),
};

/** The waiting room's phase (queue/types.ts) on the badge, in words. */
const ROOM_PHASE: Record<string, () => string> = {
  prequeue: () => t('organizer:drop.phase.prequeue'),
  drawing: () => t('organizer:drop.phase.drawing'),
  live: () => t('organizer:drop.phase.live'),
  paused: () => t('organizer:drop.phase.paused'),
  closed: () => t('organizer:drop.phase.closed'),
};
/** Why this event has no drop now ('' while it may have one). */
let noDrop = '';

function spark(values: number[], label: string): SVGSVGElement {
  const width = 300;
  const height = 60;
  const max = Math.max(1, ...values);
  const points = values
    .map(
      (v, i) =>
        `${((i / Math.max(1, values.length - 1)) * width).toFixed(1)},${(height - (v / max) * (height - 4) - 2).toFixed(1)}`,
    )
    .join(' ');
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute(
    'aria-label',
    t('organizer:drop.spark', {
      label,
      now: number(values.at(-1) ?? 0),
      max: number(max),
      seconds: number(values.length),
    }),
  );
  svg.classList.add('spark');
  const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
  line.setAttribute('points', points);
  svg.append(line);
  return svg;
}

function render(eventId: string, stats: QueueStats | null, error?: string): void {
  // A poll sent before the event was cancelled must not bring its controls back.
  if (noDrop) [stats, error] = [null, noDrop];
  if (!stats) {
    root.replaceChildren(
      h('h3', {}, t('organizer:drop.title')),
      h('p', { class: 'muted' }, error ?? t('organizer:drop.noRoom')),
    );
    return;
  }
  const series = (pick: (s: QueueStats) => number) => history.map((p) => pick(p.stats));
  const tile = (label: string, value: string) =>
    h('div', { class: 'tile' }, h('span', { class: 'tile-label' }, label), h('strong', { class: 'tile-value' }, value));
  const paused = stats.phase === 'paused';
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const toggle = h(
    'button',
    { type: 'button', class: 'secondary' },
    paused ? t('organizer:drop.resume') : t('organizer:drop.pause'),
  );
  toggle.addEventListener('click', async () => {
    try {
      await api('POST', `/v1/events/${eventId}/onsale/${paused ? 'resume' : 'pause'}`);
      setStatus(status, 'ok', paused ? t('organizer:drop.resumed') : t('organizer:drop.paused'));
      // The sale's phase changed: the workspace (its publish panel) shows it.
      document.dispatchEvent(new CustomEvent('organizer:event-changed', { detail: { eventId } }));
      await poll(eventId);
    } catch (err) {
      setStatus(status, 'bad', err instanceof ApiError ? err.describe() : t('organizer:networkError'));
    }
  });
  root.replaceChildren(
    h('h3', {}, t('organizer:drop.title')),
    h(
      'p',
      {},
      h(
        'span',
        { class: `badge badge-${stats.soldOut ? 'sold_out' : paused ? 'postponed' : 'on_sale'}` },
        stats.soldOut ? t('organizer:drop.soldOut') : (ROOM_PHASE[stats.phase]?.() ?? stats.phase),
      ),
    ),
    h(
      'div',
      { class: 'tiles' },
      tile(t('organizer:drop.tile.entrants'), number(stats.entrants)),
      tile(t('organizer:drop.tile.admitted'), number(stats.admitted)),
      tile(t('organizer:drop.tile.cursor'), number(stats.cursor)),
      tile(t('organizer:drop.tile.waiting'), number(stats.waiting)),
      tile(t('organizer:drop.tile.sold'), number(stats.sold)),
      tile(t('organizer:drop.tile.remaining'), number(stats.remaining)),
      tile(t('organizer:drop.tile.rate'), number(stats.ratePerMinute, { maximumFractionDigits: 0 })),
      tile(t('organizer:drop.tile.passes'), number(stats.outstandingTokens)),
    ),
    h(
      'div',
      { class: 'charts' },
      h(
        'figure',
        {},
        spark(
          series((s) => s.admitted),
          t('organizer:drop.tile.admitted'),
        ),
        h('figcaption', {}, t('organizer:drop.tile.admitted')),
      ),
      h(
        'figure',
        {},
        spark(
          series((s) => s.sold),
          t('organizer:drop.tile.sold'),
        ),
        h('figcaption', {}, t('organizer:drop.tile.sold')),
      ),
      h(
        'figure',
        {},
        spark(
          series((s) => s.waiting),
          t('organizer:drop.tile.waiting'),
        ),
        h('figcaption', {}, t('organizer:drop.tile.waiting')),
      ),
    ),
    // A closed room has nothing left to pause or resume.
    ...(stats.phase === 'closed' ? [] : [toggle]),
    status,
  );
}

async function poll(eventId: string): Promise<QueueStats | undefined> {
  try {
    const stats = await api<QueueStats>('GET', `/v1/events/${eventId}/queue/stats`);
    history.push({ at: Date.now(), stats });
    if (history.length > HISTORY) history = history.slice(-HISTORY);
    render(eventId, stats);
    return stats;
  } catch (err) {
    const code = err instanceof ApiError ? err.problem.code : '';
    render(eventId, null, code === 'queue.not_open' ? t('organizer:drop.opening') : t('organizer:drop.readFailed'));
    return undefined;
  }
}

/** How often the figures are read while the waiting room is open: the charts move by the second. */
const POLL_MS = 1000;
/** setTimeout's longest wait (about 24.8 days); a longer one wakes, finds it early, and waits again. */
const LONGEST_WAIT_MS = 2 ** 31 - 1;

/** The selected event as the console last loaded it (`organizer:event-loaded`): its on-sale window and zone. */
let loaded: { eventId: string; onsale: Onsale | null; timeZone: string } | null = null;
/** Bumped whenever following starts again, so a read still under way does not start a second loop. */
let runs = 0;

/**
 * Follows the selected event's drop. Only a queue sale whose waiting room has opened has
 * figures: they are read every second while it is open and this tab is visible, and once more
 * after it closed. Before it opens nothing is asked (one wake-up at the opening); without an
 * on-sale window, or for an open sale, nothing at all. The window comes with the event the
 * console loads, so saving it in the form above shows here at once.
 */
function start(eventId: string): void {
  clearTimeout(timer);
  timer = undefined;
  const run = ++runs;
  if (loaded?.eventId !== eventId) return; // still loading: `organizer:event-loaded` starts it
  const { onsale, timeZone } = loaded;
  if (!onsale) return render(eventId, null, t('organizer:drop.noWindow'));
  if (onsale.mode !== 'queue') return render(eventId, null, t('organizer:drop.openSale'));
  const opensAt = onsale.prequeueOpensAt ?? onsale.saleStartsAt;
  const wait = Date.parse(opensAt) - Date.now();
  if (wait > 0) {
    render(
      eventId,
      null,
      t('organizer:drop.opensAt', { at: localTime(opensAt, timeZone), zone: zoneName(timeZone, locale) }),
    );
    timer = setTimeout(() => start(eventId), Math.min(wait + 1000, LONGEST_WAIT_MS));
    return;
  }
  const tick = async () => {
    const stats = document.visibilityState === 'visible' ? await poll(eventId) : undefined;
    if (run !== runs || noDrop) return;
    // A closed room's figures no longer move: read once more, then stop.
    if (onsale.state === 'closed' || stats?.phase === 'closed') return;
    timer = setTimeout(() => void tick(), POLL_MS);
  };
  void tick();
}

document.addEventListener('organizer:event-selected', (ev) => {
  const { eventId } = (ev as CustomEvent<{ eventId: string }>).detail;
  history = [];
  noDrop = '';
  clearInterval(timer);
  start(eventId);
});
document.addEventListener('organizer:event-loaded', (ev) => {
  const detail = (ev as CustomEvent<NonNullable<typeof loaded>>).detail;
  const changed = loaded?.eventId !== detail.eventId || JSON.stringify(loaded.onsale) !== JSON.stringify(detail.onsale);
  loaded = detail;
  if (changed && !noDrop) start(detail.eventId);
});
document.addEventListener('organizer:event-phase', (ev) => {
  const { eventId, phase } = (ev as CustomEvent<{ eventId: string; phase: string }>).detail;
  noDrop = NO_DROP[phase]?.() ?? '';
  if (noDrop) {
    clearInterval(timer);
    timer = undefined;
    render(eventId, null);
  } else if (timer === undefined) start(eventId);
});
