import type { OrganizerListView } from '../../../src/waitlist/waitlist.schemas.js';
import { api, ApiError } from '../lib/api.js';
import { h, setStatus } from '../lib/dom.js';
import { viewerTime } from '../lib/zoned-time.js';

/**
 * The console's waitlist section (issue #19, part 2): how many fans wait for a sold-out event's
 * returned tickets, and the line in order with each entry's state. It places itself before the
 * cancel/postpone panel and follows the event the workspace selects there (`data-event-id`),
 * so the console's own files only import it.
 */

const STATE_WORDS: Record<OrganizerListView['entries'][number]['state'], string> = {
  waiting: 'Waiting',
  offered: 'Ticket offered',
  bought: 'Bought',
  lapsed: 'Offer ran out',
  left: 'Left the line',
  skipped: 'At ticket limit',
};
const SHOWN = 50;

let panel: HTMLElement | null = null;
let shownFor = '';

function table(list: OrganizerListView): HTMLElement {
  if (list.entries.length === 0) return h('p', { class: 'muted' }, 'Nobody has joined the waitlist.');
  return h(
    'table',
    { class: 'waitlist-table' },
    h('caption', {}, `The first ${Math.min(SHOWN, list.entries.length)} in line, in the order they joined`),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['Joined as', 'Fan', 'State', 'Place in line', 'Offer held until'].map((t) => h('th', { scope: 'col' }, t)),
      ),
    ),
    h(
      'tbody',
      {},
      ...list.entries.map((e) =>
        h(
          'tr',
          {},
          h('td', {}, `#${e.seq}`),
          h('td', {}, e.email),
          h('td', {}, STATE_WORDS[e.state]),
          h('td', {}, e.position === null ? '—' : String(e.position)),
          h(
            'td',
            {},
            e.state === 'offered' && e.offerExpiresAt ? viewerTime(e.offerExpiresAt, { clockOnly: true }) : '—',
          ),
        ),
      ),
    ),
  );
}

async function load(target: HTMLElement, eventId: string): Promise<void> {
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const refresh = h('button', { type: 'button', class: 'secondary', id: 'waitlist-refresh' }, 'Refresh');
  refresh.addEventListener('click', () => void load(target, eventId));
  const title = h('h3', { id: 'waitlist-panel-title' }, 'Waitlist');
  try {
    const list = await api<OrganizerListView>('GET', `/v1/events/${eventId}/waitlist?limit=${SHOWN}`);
    if (eventId !== shownFor) return;
    const c = list.counts;
    target.replaceChildren(
      title,
      h(
        'p',
        { id: 'waitlist-counts' },
        `${c.waiting} waiting · ${c.offered} with a ticket offered · ${c.bought} bought · ${c.lapsed} offers ran out · ${c.left} left`,
      ),
      table(list),
      refresh,
      status,
    );
  } catch (err) {
    target.replaceChildren(title, refresh, status);
    setStatus(status, 'bad', err instanceof ApiError ? err.describe() : 'The waitlist could not be loaded.');
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
