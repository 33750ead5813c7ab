import type { OrganizerListView } from '../../../src/waitlist/waitlist.schemas.js';
import { api, ApiError } from '../lib/api.js';
import { h, setStatus } from '../lib/dom.js';
import { locale, number, t } from '../lib/i18n.js';
import { viewerTime } from '../lib/zoned-time.js';

/**
 * The console's waitlist section (issue #19, part 2): how many fans wait for a sold-out event's
 * returned tickets, and the line in order with each entry's state. It places itself before the
 * cancel/postpone panel and follows the event the workspace selects there (`data-event-id`),
 * so the console's own files only import it.
 */

const STATE_WORDS: Record<OrganizerListView['entries'][number]['state'], () => string> = {
  waiting: () => t('organizer:waitlist.state.waiting'),
  offered: () => t('organizer:waitlist.state.offered'),
  bought: () => t('organizer:waitlist.state.bought'),
  lapsed: () => t('organizer:waitlist.state.lapsed'),
  left: () => t('organizer:waitlist.state.left'),
  skipped: () => t('organizer:waitlist.state.skipped'),
};
const SHOWN = 50;

let panel: HTMLElement | null = null;
let shownFor = '';

function table(list: OrganizerListView): HTMLElement {
  if (list.entries.length === 0) return h('p', { class: 'muted' }, t('organizer:waitlist.none'));
  return h(
    'table',
    { class: 'waitlist-table' },
    h(
      'caption',
      {},
      t('organizer:waitlist.caption', {
        count: Math.min(SHOWN, list.entries.length),
        n: number(Math.min(SHOWN, list.entries.length)),
      }),
    ),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...[
          t('organizer:waitlist.col.seq'),
          t('organizer:waitlist.col.fan'),
          t('organizer:waitlist.col.state'),
          t('organizer:waitlist.col.position'),
          t('organizer:waitlist.col.offerUntil'),
        ].map((text) => h('th', { scope: 'col' }, text)),
      ),
    ),
    h(
      'tbody',
      {},
      ...list.entries.map((e) =>
        h(
          'tr',
          {},
          h('td', {}, `#${number(e.seq)}`),
          h('td', {}, e.email),
          h('td', {}, STATE_WORDS[e.state]()),
          h('td', {}, e.position === null ? '—' : number(e.position)),
          h(
            'td',
            {},
            e.state === 'offered' && e.offerExpiresAt ? viewerTime(e.offerExpiresAt, { clockOnly: true, locale }) : '—',
          ),
        ),
      ),
    ),
  );
}

async function load(target: HTMLElement, eventId: string): Promise<void> {
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const refresh = h(
    'button',
    { type: 'button', class: 'secondary', id: 'waitlist-refresh' },
    t('organizer:waitlist.refresh'),
  );
  refresh.addEventListener('click', () => void load(target, eventId));
  const title = h('h3', { id: 'waitlist-panel-title' }, t('organizer:waitlist.title'));
  try {
    const list = await api<OrganizerListView>('GET', `/v1/events/${eventId}/waitlist?limit=${SHOWN}`);
    if (eventId !== shownFor) return;
    const c = list.counts;
    target.replaceChildren(
      title,
      h(
        'p',
        { id: 'waitlist-counts' },
        t('organizer:waitlist.counts', {
          waiting: number(c.waiting),
          offered: number(c.offered),
          bought: number(c.bought),
          lapsed: number(c.lapsed),
          left: number(c.left),
        }),
      ),
      table(list),
      refresh,
      status,
    );
  } catch (err) {
    target.replaceChildren(title, refresh, status);
    setStatus(status, 'bad', err instanceof ApiError ? err.describe() : t('organizer:waitlist.loadFailed'));
  }
}

function follow(source: HTMLElement): void {
  const id = source.dataset.eventId ?? '';
  if (!panel) {
    panel = h('section', { id: 'waitlist-panel', 'aria-labelledby': 'waitlist-panel-title' });
    source.before(panel);
  }
  panel.hidden = id === '';
  if (id === shownFor) return;
  shownFor = id;
  if (id) void load(panel, id);
}

const source = document.getElementById('cancel-panel');
if (source) {
  follow(source);
  new MutationObserver(() => follow(source)).observe(source, { attributes: true, attributeFilter: ['data-event-id'] });
}
