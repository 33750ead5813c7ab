import { api, ApiError, session } from '../lib/api.js';
import { $, h, setStatus } from '../lib/dom.js';
import { number, t } from '../lib/i18n.js';
import { currentUser, renderHeader } from '../lib/layout.js';
import { clock, download, fillTable, timeChart } from '../reports/charts.js';
import type { AttendeePage, CheckinStats } from '../reports/types.js';

/**
 * An event's attendees and its door figures (/attendees.html?event=<id>), for its organizer and
 * its door staff: the attendee list searched and paged by the API, a CSV export of every
 * attendee (streamed by the API), and check-ins per gate and per 5 minutes.
 */

const PAGE_SIZE = 50;
const status = $('#attendees-status');
void renderHeader();
const eventId = new URLSearchParams(location.search).get('event') ?? '';
const base = `/v1/organizer/events/${encodeURIComponent(eventId)}`;
let page = 1;
let query = '';

async function loadPage(): Promise<void> {
  const params = new URLSearchParams({ page: String(page), pageSize: String(PAGE_SIZE) });
  if (query) params.set('q', query);
  const list = await api<AttendeePage>('GET', `${base}/attendees?${params}`);
  const pages = Math.max(1, Math.ceil(list.total / PAGE_SIZE));
  const found = { count: list.total, n: number(list.total), query };
  $('#attendee-count').textContent =
    list.total === 0
      ? query
        ? t('attendees:list.noMatch', { query })
        : t('attendees:list.none')
      : query
        ? t('attendees:list.countMatching', found)
        : t('attendees:list.count', found);
  $('#attendee-table tbody').replaceChildren(
    ...list.attendees.map((a) =>
      h(
        'tr',
        {},
        h('th', { scope: 'row' }, a.name),
        h('td', {}, a.email),
        h('td', {}, a.tier),
        h('td', {}, a.seat ?? t('attendees:list.standing')),
        h('td', { class: 'mono' }, a.orderId.slice(0, 8)),
        h(
          'td',
          {},
          a.checkedInAt
            ? t('attendees:list.checkedIn', { time: clock(a.checkedInAt), gate: a.gate })
            : t('attendees:list.notYet'),
        ),
      ),
    ),
  );
  $('#page-label').textContent = t('attendees:list.page', { page: number(list.page), pages: number(pages) });
  $<HTMLButtonElement>('#page-prev').disabled = list.page <= 1;
  $<HTMLButtonElement>('#page-next').disabled = list.page >= pages;
}

async function loadGates(): Promise<void> {
  const stats = await api<CheckinStats>('GET', `${base}/checkins/stats`);
  $('#gates-text').textContent = t('attendees:gates.in', {
    count: stats.tickets,
    in: number(stats.checkedIn),
    tickets: number(stats.tickets),
  });
  fillTable(
    $<HTMLTableElement>('#gate-table'),
    t('attendees:gates.caption'),
    [
      t('attendees:gates.gate'),
      t('attendees:gates.letIn'),
      t('attendees:gates.turnedAway'),
      t('attendees:gates.firstScan'),
      t('attendees:gates.lastScan'),
    ],
    stats.gates.map((g) => [g.gate, g.admitted, g.refused, clock(g.firstAt), clock(g.lastAt)]),
  );
  const slots = [...new Set(stats.perFiveMinutes.map((s) => s.at))].sort();
  const gates = stats.gates.map((g) => g.gate);
  const count = (at: string, gate: string) =>
    stats.perFiveMinutes.find((s) => s.at === at && s.gate === gate)?.admitted ?? 0;
  timeChart(
    $('#chart-gates'),
    slots.map((at) => Date.parse(at) / 1000),
    gates.map((gate) => ({ label: t('attendees:gates.named', { gate }), values: slots.map((at) => count(at, gate)) })),
    300,
    t('attendees:gates.axis'),
  );
  fillTable(
    $<HTMLTableElement>('#table-slots'),
    t('attendees:gates.slotsCaption'),
    [t('attendees:gates.from'), ...gates.map((gate) => t('attendees:gates.named', { gate }))],
    slots.map((at) => [clock(at), ...gates.map((g) => count(at, g))]),
  );
}

const failed = (err: unknown) =>
  setStatus(status, 'bad', err instanceof ApiError ? err.describe() : t('attendees:failed'));

async function main(): Promise<void> {
  if (!(await currentUser())) {
    setStatus(status, 'bad', t('attendees:signInFirst'));
    status.append(
      ' ',
      h(
        'a',
        { href: `/account.html?next=${encodeURIComponent(location.pathname + location.search)}` },
        t('attendees:signIn'),
      ),
    );
    return;
  }
  try {
    await Promise.all([loadPage(), loadGates()]);
  } catch (err) {
    failed(err);
    return;
  }
  setStatus(status, '', '');
  $('#attendees-body').hidden = false;

  $<HTMLFormElement>('#attendee-search').addEventListener('submit', (e) => {
    e.preventDefault();
    query = $<HTMLInputElement>('#attendee-q').value.trim();
    page = 1;
    loadPage().catch(failed);
  });
  $('#page-prev').addEventListener('click', () => {
    page = Math.max(1, page - 1);
    loadPage().catch(failed);
  });
  $('#page-next').addEventListener('click', () => {
    page += 1;
    loadPage().catch(failed);
  });
  $('#attendee-csv').addEventListener('click', () => {
    const csvStatus = $('#csv-status');
    setStatus(csvStatus, 'busy', t('attendees:csv.preparing'));
    const q = query ? `?q=${encodeURIComponent(query)}` : '';
    download(`${base}/attendees.csv${q}`, session.token(), `attendees-${eventId}.csv`).then(
      () => setStatus(csvStatus, 'ok', t('attendees:csv.done')),
      () => setStatus(csvStatus, 'bad', t('attendees:csv.failed')),
    );
  });
}

void main();
