import type { Principal } from '../auth/principal.js';
import { catalogErrors } from '../catalog/catalog.errors.js';
import { findEvent } from '../catalog/catalog.repository.js';
import { canSeeEvent, managesEvent } from '../catalog/guards.js';
import { isEventStaff } from '../checkin/checkin.repository.js';
import type { Db } from '../db/types.js';
import { findOnsale } from '../sales/onsale.repository.js';
import * as attendees from './attendees.repository.js';
import { csvLine } from './csv.js';
import * as facts from './report.repository.js';
import { reportsErrors } from './reports.errors.js';
import type { AttendeeView, CheckinStatsView, ReportView } from './reports.schemas.js';

/** Bucket widths for the report's time series, in seconds: the smallest that keeps a series within MAX_BUCKETS. */
const WIDTHS = [1, 5, 10, 30, 60, 300, 900, 3600, 6 * 3600, 86_400];
/** Enough points for a readable curve on a phone, few enough for a table beside it. */
const MAX_BUCKETS = 120;
/** Rows per statement of the CSV export: a large event streams in pages of this many. */
const CSV_PAGE = 1_000;

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());
const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 10_000) / 10_000 : null);

/**
 * The organizer's view after a drop (issue #21, parts 3 and 4): the report of an on-sale, and
 * the attendees with their check-ins per gate. The report is the organizer's (or an admin's);
 * attendees and door figures are also the event's door staff's, who run the gates.
 */
export class ReportsService {
  constructor(private readonly db: Db) {}

  /** The event, if the caller may see it at all: a draft is nobody's but its organizer's, so others get 404. */
  private async event(principal: Principal, eventId: string) {
    const event = await findEvent(this.db, eventId);
    if (!event || !canSeeEvent(principal, event)) throw catalogErrors.eventNotFound();
    return event;
  }

  private async forOrganizer(principal: Principal, eventId: string) {
    const event = await this.event(principal, eventId);
    if (!managesEvent(principal, event)) throw catalogErrors.notOrganizer();
    return event;
  }

  private async forDoor(principal: Principal, eventId: string): Promise<void> {
    const event = await this.event(principal, eventId);
    if (managesEvent(principal, event)) return;
    if (!(await isEventStaff(this.db, eventId, principal.userId))) throw reportsErrors.notEventStaff();
  }

  async report(principal: Principal, eventId: string): Promise<ReportView> {
    const event = await this.forOrganizer(principal, eventId);
    const db = this.db;
    const [sale, joined, admitted, paid, phases, draw, tokens, sales, refusals, toAdmission, toOrder] =
      await Promise.all([
        findOnsale(db, eventId),
        facts.span(db, facts.series.joined(eventId)),
        facts.span(db, facts.series.admitted(eventId)),
        facts.span(db, facts.series.paid(eventId)),
        facts.joinsByPhase(db, eventId),
        facts.draw(db, eventId),
        facts.tokenFigures(db, eventId),
        facts.salesFigures(db, eventId),
        facts.refusals(db, eventId),
        facts.distribution(db, facts.durations.arrivalToAdmission(eventId)),
        facts.distribution(db, facts.durations.admissionToOrder(eventId)),
      ]);

    // One set of buckets for the three curves, so they line up on one time axis.
    const firsts = [joined.firstMs, admitted.firstMs, paid.firstMs].filter((v): v is number => v !== null);
    const lasts = [joined.lastMs, admitted.lastMs, paid.lastMs].filter((v): v is number => v !== null);
    let timeline: ReportView['timeline'] = { origin: null, widthSeconds: 60, arrivals: [], admissions: [], orders: [] };
    if (firsts.length > 0) {
      const start = Math.min(...firsts);
      const end = Math.max(...lasts);
      const widthSeconds = facts.roundWidth((end - start) / 1000 / MAX_BUCKETS, WIDTHS);
      const widthMs = widthSeconds * 1000;
      const origin = Math.floor(start / widthMs) * widthMs;
      const n = Math.floor((end - origin) / widthMs) + 1;
      const [a, b, c] = await Promise.all(
        [facts.series.joined, facts.series.admitted, facts.series.paid].map((rows) =>
          facts.buckets(db, rows(eventId), origin, widthMs, n),
        ),
      );
      timeline = { origin: iso(origin), widthSeconds, arrivals: a!.counts, admissions: b!.counts, orders: c!.counts };
    }

    const soldOut = sales.capacity > 0 && sales.ticketsSold >= sales.capacity;
    const saleStartsMs = sale?.saleStartsAt.getTime() ?? null;
    const sellOutMs = soldOut ? sales.lastSaleMs : null;
    const spanMinutes =
      admitted.firstMs !== null && admitted.lastMs !== null ? (admitted.lastMs - admitted.firstMs) / 60_000 : 0;
    const abandoned = tokens.expired + tokens.heldNotBought;
    return {
      eventId,
      title: event.title,
      generatedAt: new Date().toISOString(),
      sale: {
        mode: sale?.mode ?? null,
        prequeueOpensAt: iso(sale?.prequeueOpensAt?.getTime()),
        saleStartsAt: iso(saleStartsMs),
        saleEndsAt: iso(sale?.saleEndsAt?.getTime()),
        admitPerMinute: sale?.mode === 'queue' ? (sale.admitPerMinute ?? null) : null,
        tokenTtlSeconds: sale?.mode === 'queue' ? sale.purchaseTokenTtlSeconds : null,
      },
      arrivals: {
        total: joined.count,
        prequeue: phases.prequeue,
        late: phases.late,
        firstAt: iso(joined.firstMs),
        lastAt: iso(joined.lastMs),
      },
      draw: draw ? { prequeueSize: draw.drawSize, drawnAt: iso(draw.drawnAtMs), drawMs: draw.drawMs } : null,
      admissions: {
        total: admitted.count,
        firstAt: iso(admitted.firstMs),
        lastAt: iso(admitted.lastMs),
        ratePerMinute:
          admitted.count === 0 ? null : spanMinutes > 0 ? Math.round((admitted.count / spanMinutes) * 10) / 10 : null,
      },
      tokens: { issued: tokens.issued, used: tokens.used, expired: tokens.expired, live: tokens.live },
      abandonment: {
        notAdmitted: Math.max(0, joined.count - admitted.count),
        tokenExpired: tokens.expired,
        heldNotBought: tokens.heldNotBought,
        rate: ratio(abandoned, tokens.issued),
      },
      conversion: {
        admittedBought: tokens.converted,
        admittedRate: ratio(tokens.converted, tokens.issued),
        arrivedRate: ratio(sales.buyers, joined.count),
        buyers: sales.buyers,
      },
      sales: {
        capacity: sales.capacity,
        ticketsSold: sales.ticketsSold,
        ordersPaid: sales.ordersPaid,
        soldOut,
        sellOutAt: iso(sellOutMs),
        sellOutSeconds:
          sellOutMs !== null && saleStartsMs !== null ? Math.max(0, (sellOutMs - saleStartsMs) / 1000) : null,
        lastSaleAt: iso(sales.lastSaleMs),
      },
      revenue: {
        currency: sales.currency,
        grossCents: sales.revenueCents,
        refundedCents: sales.refundedCents,
        netCents: sales.revenueCents - sales.refundedCents,
        ordersRefunded: sales.ordersRefunded,
      },
      refusals: {
        total: Object.values(refusals.byReason).reduce((s, n) => s + n, 0),
        powRequired: refusals.byReason.pow_required ?? 0,
        powInvalid: refusals.byReason.pow_invalid ?? 0,
        rateLimited: refusals.byReason.rate_limited ?? 0,
        perMinute: refusals.perMinute.map((r) => ({ minute: iso(r.minuteMs)!, reason: r.reason, count: r.count })),
      },
      timeline,
      waits: { arrivalToAdmission: toAdmission, admissionToOrder: toOrder },
    };
  }

  /** The report as CSV: one `section,metric,value` line per figure, then each series bucket by bucket. */
  async reportCsv(principal: Principal, eventId: string): Promise<string> {
    const r = await this.report(principal, eventId);
    const lines = [csvLine(['section', 'metric', 'value'])];
    const flat = (section: string, values: Record<string, unknown>) => {
      for (const [metric, value] of Object.entries(values))
        if (value === null || typeof value !== 'object')
          lines.push(csvLine([section, metric, value as string | number | null]));
    };
    flat('event', { eventId: r.eventId, title: r.title, generatedAt: r.generatedAt });
    flat('sale', r.sale);
    flat('arrivals', r.arrivals);
    flat('draw', r.draw ?? { prequeueSize: null });
    flat('admissions', r.admissions);
    flat('tokens', r.tokens);
    flat('abandonment', r.abandonment);
    flat('conversion', r.conversion);
    flat('sales', r.sales);
    flat('revenue', r.revenue);
    flat('refusals', r.refusals);
    for (const [name, d] of Object.entries(r.waits)) {
      flat(`waits.${name}`, d);
      d.bins.forEach((n, i) => lines.push(csvLine([`waits.${name}.histogram`, `${i * d.binSeconds}s`, n])));
    }
    const origin = r.timeline.origin ? Date.parse(r.timeline.origin) : 0;
    r.timeline.arrivals.forEach((_, i) => {
      const at = new Date(origin + i * r.timeline.widthSeconds * 1000).toISOString();
      lines.push(csvLine(['timeline.arrivals', at, r.timeline.arrivals[i]]));
      lines.push(csvLine(['timeline.admissions', at, r.timeline.admissions[i]]));
      lines.push(csvLine(['timeline.orders', at, r.timeline.orders[i]]));
    });
    for (const m of r.refusals.perMinute) lines.push(csvLine([`refusals.${m.reason}`, m.minute, m.count]));
    return lines.join('');
  }

  async attendees(
    principal: Principal,
    eventId: string,
    query: { q?: string; page: number; pageSize: number },
  ): Promise<{ eventId: string; total: number; page: number; pageSize: number; attendees: AttendeeView[] }> {
    await this.forDoor(principal, eventId);
    const q = query.q || undefined;
    const { total, rows } = await attendees.attendeePage(this.db, eventId, {
      q,
      offset: (query.page - 1) * query.pageSize,
      limit: query.pageSize,
    });
    return { eventId, total, page: query.page, pageSize: query.pageSize, attendees: rows.map(attendeeView) };
  }

  /**
   * The attendees as CSV, produced page by page while it is sent: the access check runs before
   * the first byte, then each page of CSV_PAGE rows is one keyset query, so memory stays flat
   * whatever the event's size.
   */
  async attendeesCsv(principal: Principal, eventId: string, q: string | undefined): Promise<AsyncIterable<string>> {
    await this.forDoor(principal, eventId);
    const db = this.db;
    const search = q || undefined;
    return (async function* () {
      yield csvLine(['ticket_id', 'order_id', 'name', 'email', 'tier', 'seat', 'checked_in_at', 'gate']);
      let after: string | null = null;
      for (;;) {
        const rows = await attendees.attendeesAfter(db, eventId, { q: search, after, limit: CSV_PAGE });
        if (rows.length === 0) return;
        yield rows
          .map(attendeeView)
          .map((a) => csvLine([a.ticketId, a.orderId, a.name, a.email, a.tier, a.seat, a.checkedInAt, a.gate]))
          .join('');
        if (rows.length < CSV_PAGE) return;
        after = rows[rows.length - 1]!.ticketId;
      }
    })();
  }

  async checkinStats(principal: Principal, eventId: string): Promise<CheckinStatsView> {
    await this.forDoor(principal, eventId);
    const f = await attendees.gateFigures(this.db, eventId);
    return {
      eventId,
      tickets: f.tickets,
      checkedIn: f.checkedIn,
      gates: f.gates.map((g) => ({ ...g, firstAt: iso(g.firstAt?.getTime()), lastAt: iso(g.lastAt?.getTime()) })),
      perFiveMinutes: f.perFiveMinutes.map((s) => ({ ...s, at: s.at.toISOString() })),
    };
  }
}

function attendeeView(r: attendees.AttendeeRow): AttendeeView {
  return {
    ticketId: r.ticketId,
    orderId: r.orderId,
    name: r.name,
    email: r.email,
    tier: r.tier,
    seat: r.section === null ? null : `Section ${r.section}, row ${r.row}, seat ${r.number}`,
    checkedInAt: r.checkedInAt ? r.checkedInAt.toISOString() : null,
    gate: r.gate,
  };
}
