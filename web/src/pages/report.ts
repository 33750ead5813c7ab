import { api, ApiError, session } from '../lib/api.js';
import { $, h, setStatus } from '../lib/dom.js';
import { number, percent, t } from '../lib/i18n.js';
import { currentUser, money, renderHeader } from '../lib/layout.js';
import { clock, download, fillTable, histogram, timeChart } from '../reports/charts.js';
import type { Report } from '../reports/types.js';

/**
 * The post-drop report of one event (/report.html?event=<id>): what the organizer's on-sale
 * did, in words first, then over time and as waiting-time distributions, each chart beside a
 * table of the same figures. GET /v1/organizer/events/:id/report; CSV from the same figures
 * (its column headers are data and stay English).
 */

const status = $('#report-status');
void renderHeader();
const eventId = new URLSearchParams(location.search).get('event') ?? '';

const pct = (r: number | null) => (r === null ? t('report:none') : percent(r, 1));
const n = (v: number) => number(v);

/** "45 s", "3 min 20 s", "1 h 5 min", in the page's language. */
function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return t('report:duration.seconds', { s: n(s) });
  if (s < 3600)
    return s % 60
      ? t('report:duration.minutesSeconds', { min: n(Math.floor(s / 60)), s: n(s % 60) })
      : t('report:duration.minutes', { min: n(s / 60) });
  const min = Math.floor((s % 3600) / 60);
  return min
    ? t('report:duration.hoursMinutes', { h: n(Math.floor(s / 3600)), min: n(min) })
    : t('report:duration.hours', { h: n(Math.floor(s / 3600)) });
}

function item(term: string, ...lines: string[]): HTMLElement[] {
  return [h('dt', {}, term), ...lines.map((l) => h('dd', {}, l))];
}

function admissions(r: Report): string {
  const values = {
    count: r.admissions.total,
    total: n(r.admissions.total),
    rate: r.admissions.ratePerMinute !== null ? n(r.admissions.ratePerMinute) : '',
    set: r.sale.admitPerMinute ? n(r.sale.admitPerMinute) : '',
  };
  if (values.rate && values.set) return t('report:summary.admittedRateSet', values);
  if (values.rate) return t('report:summary.admittedRate', values);
  if (values.set) return t('report:summary.admittedSet', values);
  return t('report:summary.admitted', values);
}

function summary(r: Report): HTMLElement[] {
  const cur = r.revenue.currency;
  const m = (cents: number) => (cur ? money(cents, cur) : n(cents / 100));
  const queue = r.sale.mode === 'queue';
  const arrived = { count: r.arrivals.total, total: n(r.arrivals.total) };
  return [
    ...item(
      t('report:summary.arrivals'),
      queue
        ? t('report:summary.arrivedQueue', { ...arrived, prequeue: n(r.arrivals.prequeue), late: n(r.arrivals.late) })
        : t('report:summary.arrived', arrived),
      r.arrivals.firstAt
        ? t('report:summary.firstLast', { first: clock(r.arrivals.firstAt), last: clock(r.arrivals.lastAt) })
        : t('report:summary.nobody'),
    ),
    ...item(
      t('report:summary.draw'),
      r.draw
        ? t('report:summary.drawn', {
            count: r.draw.prequeueSize,
            fans: n(r.draw.prequeueSize),
            time: clock(r.draw.drawnAt),
            ms: n(r.draw.drawMs),
          })
        : t('report:summary.noDraw'),
    ),
    ...item(t('report:summary.admissions'), admissions(r)),
    ...item(
      t('report:summary.passes'),
      t('report:summary.passesText', {
        issued: n(r.tokens.issued),
        used: n(r.tokens.used),
        expired: n(r.tokens.expired),
        live: n(r.tokens.live),
      }),
    ),
    ...item(
      t('report:summary.abandonment'),
      t('report:summary.abandonmentText', {
        neverHeld: n(r.abandonment.tokenExpired),
        notPaid: n(r.abandonment.heldNotBought),
        notAdmitted: n(r.abandonment.notAdmitted),
        rate: pct(r.abandonment.rate),
      }),
    ),
    ...item(
      t('report:summary.conversion'),
      t('report:summary.conversionText', {
        count: r.conversion.buyers,
        bought: n(r.conversion.admittedBought),
        admittedRate: pct(r.conversion.admittedRate),
        buyers: n(r.conversion.buyers),
        arrivedRate: pct(r.conversion.arrivedRate),
      }),
    ),
    ...item(
      t('report:summary.sales'),
      t('report:summary.salesText', {
        count: r.sales.ordersPaid,
        sold: n(r.sales.ticketsSold),
        capacity: n(r.sales.capacity),
        orders: n(r.sales.ordersPaid),
      }),
      r.sales.soldOut && r.sales.sellOutSeconds !== null
        ? t('report:summary.soldOut', { after: duration(r.sales.sellOutSeconds), time: clock(r.sales.sellOutAt) })
        : t('report:summary.notSoldOut', { time: clock(r.sales.lastSaleAt) }),
    ),
    ...item(
      t('report:summary.revenue'),
      t('report:summary.revenueText', {
        count: r.revenue.ordersRefunded,
        gross: m(r.revenue.grossCents),
        refunded: m(r.revenue.refundedCents),
        orders: n(r.revenue.ordersRefunded),
        net: m(r.revenue.netCents),
      }),
    ),
    ...item(
      t('report:summary.refusals'),
      t('report:summary.refusalsText', {
        count: r.refusals.total,
        total: n(r.refusals.total),
        powRequired: n(r.refusals.powRequired),
        powInvalid: n(r.refusals.powInvalid),
        rateLimited: n(r.refusals.rateLimited),
      }),
    ),
  ];
}

function timeline(r: Report): void {
  const tl = r.timeline;
  const origin = tl.origin ? Date.parse(tl.origin) : 0;
  const starts = tl.arrivals.map((_, i) => origin + i * tl.widthSeconds * 1000);
  const each = duration(tl.widthSeconds);
  $('#time-caption').textContent = t('report:time.captionEach', { each });
  timeChart(
    $('#chart-time'),
    starts.map((ms) => ms / 1000),
    [
      { label: t('report:time.arrived'), values: tl.arrivals },
      { label: t('report:time.admitted'), values: tl.admissions },
      { label: t('report:time.ordered'), values: tl.orders },
    ],
    tl.widthSeconds,
    t('report:time.axis'),
  );
  fillTable(
    $<HTMLTableElement>('#table-time'),
    t('report:time.tableCaption', { each }),
    [t('report:time.from'), t('report:time.arrived'), t('report:time.admitted'), t('report:time.ordered')],
    starts.map((ms, i) => [clock(new Date(ms).toISOString()), tl.arrivals[i]!, tl.admissions[i]!, tl.orders[i]!]),
  );
}

/** The words of each waiting-time distribution: what it counts, its sentence, its table. */
const WAITS = {
  admission: {
    text: 'report:waits.fansText',
    counted: 'report:waits.fans',
    column: 'report:waits.fansColumn',
    caption: 'report:waits.fansCaption',
  },
  order: {
    text: 'report:waits.ordersText',
    counted: 'report:waits.orders',
    column: 'report:waits.ordersColumn',
    caption: 'report:waits.ordersCaption',
  },
} as const;

function waits(r: Report): void {
  for (const [key, d] of [
    ['admission', r.waits.arrivalToAdmission],
    ['order', r.waits.admissionToOrder],
  ] as const) {
    const words = WAITS[key];
    $(`#wait-${key}-text`).textContent =
      d.count === 0
        ? t('report:waits.nothing')
        : t(words.text, {
            count: d.count,
            n: n(d.count),
            p50: duration(d.p50 ?? 0),
            p90: duration(d.p90 ?? 0),
            p99: duration(d.p99 ?? 0),
            max: duration(d.max ?? 0),
          });
    histogram($(`#chart-wait-${key}`), d.bins, d.binSeconds, t(words.counted), t('report:waits.axis'), duration);
    fillTable(
      $<HTMLTableElement>(`#table-wait-${key}`),
      t(words.caption),
      [t('report:waits.waited'), t(words.column)],
      d.bins.map((c, i) => [
        t('report:waits.range', { from: duration(i * d.binSeconds), to: duration((i + 1) * d.binSeconds) }),
        c,
      ]),
    );
  }
}

/** Why a join was refused, in words; a reason the page does not know yet is shown as it is. */
const REASONS: Record<string, string> = {
  pow_required: 'report:bots.pow_required',
  pow_invalid: 'report:bots.pow_invalid',
  rate_limited: 'report:bots.rate_limited',
};

function bots(r: Report): void {
  $('#bots-text').textContent =
    r.refusals.total === 0
      ? t('report:bots.none')
      : t('report:bots.perMinute', { count: r.refusals.total, n: n(r.refusals.total) });
  $('#table-bots').hidden = r.refusals.perMinute.length === 0;
  fillTable(
    $<HTMLTableElement>('#table-bots'),
    t('report:bots.caption'),
    [t('report:bots.minute'), t('report:bots.why'), t('report:bots.joins')],
    r.refusals.perMinute.map((p) => [clock(p.minute), REASONS[p.reason] ? t(REASONS[p.reason]!) : p.reason, p.count]),
  );
}

async function main(): Promise<void> {
  if (!(await currentUser())) {
    setStatus(status, 'bad', t('report:signInFirst'));
    status.append(
      ' ',
      h(
        'a',
        { href: `/account.html?next=${encodeURIComponent(location.pathname + location.search)}` },
        t('report:signIn'),
      ),
    );
    return;
  }
  let report: Report;
  try {
    report = await api<Report>('GET', `/v1/organizer/events/${encodeURIComponent(eventId)}/report`);
  } catch (err) {
    setStatus(status, 'bad', err instanceof ApiError ? err.describe() : t('report:loadFailed'));
    return;
  }
  const heading = t('report:titleFor', { event: report.title });
  $('#report-title').textContent = heading;
  document.title = t('common:titlePattern', { title: heading });
  setStatus(status, '', t('report:asOf', { time: clock(report.generatedAt) }));
  $('#summary').replaceChildren(...summary(report));
  $('#report-body').hidden = false;
  $('#report-links').hidden = false;
  $<HTMLAnchorElement>('#attendees-link').href = `/attendees.html?event=${encodeURIComponent(eventId)}`;
  timeline(report);
  waits(report);
  bots(report);
  $('#report-csv').addEventListener('click', () => {
    download(`/v1/organizer/events/${eventId}/report.csv`, session.token(), `report-${eventId}.csv`).catch(() =>
      setStatus(status, 'bad', t('report:csvFailed')),
    );
  });
}

void main();
