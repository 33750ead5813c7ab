import { api, ApiError, session } from '../lib/api.js';
import { $, h, setStatus } from '../lib/dom.js';
import { currentUser, money, renderHeader } from '../lib/layout.js';
import { clock, download, duration, fillTable, histogram, timeChart } from '../reports/charts.js';
import type { Report } from '../reports/types.js';

/**
 * The post-drop report of one event (/report.html?event=<id>): what the organizer's on-sale
 * did, in words first, then over time and as waiting-time distributions, each chart beside a
 * table of the same figures. GET /v1/organizer/events/:id/report; CSV from the same figures.
 */

const status = $('#report-status');
void renderHeader();
const eventId = new URLSearchParams(location.search).get('event') ?? '';

const pct = (r: number | null) => (r === null ? '—' : `${(r * 100).toFixed(1)} %`);
const n = (v: number) => v.toLocaleString();

function item(term: string, ...lines: string[]): HTMLElement[] {
  return [h('dt', {}, term), ...lines.map((l) => h('dd', {}, l))];
}

function summary(r: Report): HTMLElement[] {
  const cur = r.revenue.currency;
  const m = (cents: number) => (cur ? money(cents, cur) : n(cents / 100));
  const queue = r.sale.mode === 'queue';
  return [
    ...item(
      'Arrivals',
      `${n(r.arrivals.total)} fans joined the waiting room` +
        (queue ? `: ${n(r.arrivals.prequeue)} before the draw, ${n(r.arrivals.late)} after it.` : '.'),
      r.arrivals.firstAt
        ? `First at ${clock(r.arrivals.firstAt)}, last at ${clock(r.arrivals.lastAt)}.`
        : 'Nobody joined.',
    ),
    ...item(
      'Draw',
      r.draw
        ? `The lottery put ${n(r.draw.prequeueSize)} fans of the pre-queue in order at ${clock(r.draw.drawnAt)} (in ${n(r.draw.drawMs)} ms).`
        : 'No lottery was drawn.',
    ),
    ...item(
      'Admissions',
      `${n(r.admissions.total)} fans admitted` +
        (r.admissions.ratePerMinute !== null ? `, ${n(r.admissions.ratePerMinute)} a minute` : '') +
        (r.sale.admitPerMinute ? ` (set to ${n(r.sale.admitPerMinute)} a minute).` : '.'),
    ),
    ...item(
      'Purchase passes',
      `${n(r.tokens.issued)} issued, ${n(r.tokens.used)} used to hold tickets, ${n(r.tokens.expired)} expired unused, ${n(r.tokens.live)} still valid.`,
    ),
    ...item(
      'Abandonment',
      `${n(r.abandonment.tokenExpired)} admitted fans never held tickets; ${n(r.abandonment.heldNotBought)} held tickets but did not pay; ${n(r.abandonment.notAdmitted)} were never admitted. Abandonment after admission: ${pct(r.abandonment.rate)}.`,
    ),
    ...item(
      'Conversion',
      `${n(r.conversion.admittedBought)} admitted fans bought (${pct(r.conversion.admittedRate)} of those admitted); ${n(r.conversion.buyers)} buyers in all (${pct(r.conversion.arrivedRate)} of those who joined).`,
    ),
    ...item(
      'Sales',
      `${n(r.sales.ticketsSold)} of ${n(r.sales.capacity)} places sold in ${n(r.sales.ordersPaid)} orders.`,
      r.sales.soldOut && r.sales.sellOutSeconds !== null
        ? `Sold out ${duration(r.sales.sellOutSeconds)} after the sale opened, at ${clock(r.sales.sellOutAt)}.`
        : `Not sold out. Last sale at ${clock(r.sales.lastSaleAt)}.`,
    ),
    ...item(
      'Revenue',
      `${m(r.revenue.grossCents)} taken, ${m(r.revenue.refundedCents)} refunded on ${n(r.revenue.ordersRefunded)} orders: ${m(r.revenue.netCents)} kept.`,
    ),
    ...item(
      'Joins refused',
      `${n(r.refusals.total)} joins refused: ${n(r.refusals.powRequired)} without the proof of work, ${n(r.refusals.powInvalid)} with a wrong one, ${n(r.refusals.rateLimited)} over the rate limit.`,
    ),
  ];
}

function timeline(r: Report): void {
  const t = r.timeline;
  const origin = t.origin ? Date.parse(t.origin) : 0;
  const starts = t.arrivals.map((_, i) => origin + i * t.widthSeconds * 1000);
  const each = t.widthSeconds >= 60 ? `${t.widthSeconds / 60} min` : `${t.widthSeconds} s`;
  $('#time-caption').textContent =
    `Fans arriving, admitted and buying, per ${each}. The table below has the same figures.`;
  timeChart(
    $('#chart-time'),
    starts.map((ms) => ms / 1000),
    [
      { label: 'Arrived', values: t.arrivals },
      { label: 'Admitted', values: t.admissions },
      { label: 'Ordered', values: t.orders },
    ],
    t.widthSeconds,
  );
  fillTable(
    $<HTMLTableElement>('#table-time'),
    `Fans per ${each}`,
    ['From', 'Arrived', 'Admitted', 'Ordered'],
    starts.map((ms, i) => [clock(new Date(ms).toISOString()), t.arrivals[i]!, t.admissions[i]!, t.orders[i]!]),
  );
}

function waits(r: Report): void {
  for (const [key, d, what] of [
    ['admission', r.waits.arrivalToAdmission, 'fans'],
    ['order', r.waits.admissionToOrder, 'orders'],
  ] as const) {
    $(`#wait-${key}-text`).textContent =
      d.count === 0
        ? 'Nothing to show yet.'
        : `${n(d.count)} ${what}: half within ${duration(d.p50 ?? 0)}, 9 in 10 within ${duration(d.p90 ?? 0)}, 99 in 100 within ${duration(d.p99 ?? 0)}; the longest ${duration(d.max ?? 0)}.`;
    histogram($(`#chart-wait-${key}`), d.bins, d.binSeconds, what);
    fillTable(
      $<HTMLTableElement>(`#table-wait-${key}`),
      `${what[0]!.toUpperCase()}${what.slice(1)} per waiting time`,
      ['Waited', what[0]!.toUpperCase() + what.slice(1)],
      d.bins.map((c, i) => [`${duration(i * d.binSeconds)} to ${duration((i + 1) * d.binSeconds)}`, c]),
    );
  }
}

function bots(r: Report): void {
  const reasons: Record<string, string> = {
    pow_required: 'No proof of work',
    pow_invalid: 'Wrong proof of work',
    rate_limited: 'Over the rate limit',
  };
  $('#bots-text').textContent =
    r.refusals.total === 0 ? 'No join was refused.' : `${n(r.refusals.total)} joins refused, minute by minute:`;
  $('#table-bots').hidden = r.refusals.perMinute.length === 0;
  fillTable(
    $<HTMLTableElement>('#table-bots'),
    'Refused joins per minute',
    ['Minute', 'Why', 'Joins'],
    r.refusals.perMinute.map((p) => [clock(p.minute), reasons[p.reason] ?? p.reason, p.count]),
  );
}

async function main(): Promise<void> {
  if (!(await currentUser())) {
    setStatus(status, 'bad', 'Sign in as the event’s organizer to see its report.');
    status.append(
      ' ',
      h('a', { href: `/account.html?next=${encodeURIComponent(location.pathname + location.search)}` }, 'Sign in'),
    );
    return;
  }
  let report: Report;
  try {
    report = await api<Report>('GET', `/v1/organizer/events/${encodeURIComponent(eventId)}/report`);
  } catch (err) {
    setStatus(status, 'bad', err instanceof ApiError ? err.describe() : 'The report could not be loaded. Try again.');
    return;
  }
  $('#report-title').textContent = `Drop report: ${report.title}`;
  document.title = `Drop report: ${report.title} — Fairdrop`;
  setStatus(status, '', `Figures as of ${clock(report.generatedAt)}.`);
  $('#summary').replaceChildren(...summary(report));
  $('#report-body').hidden = false;
  $('#report-links').hidden = false;
  $<HTMLAnchorElement>('#attendees-link').href = `/attendees.html?event=${encodeURIComponent(eventId)}`;
  timeline(report);
  waits(report);
  bots(report);
  $('#report-csv').addEventListener('click', () => {
    download(`/v1/organizer/events/${eventId}/report.csv`, session.token(), `report-${eventId}.csv`).catch(() =>
      setStatus(status, 'bad', 'The CSV could not be downloaded. Try again.'),
    );
  });
}

void main();
