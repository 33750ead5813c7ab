import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/types.js';
import { orders } from '../orders/orders.joinable.js';
import { gaInventory, holds, seats } from '../sales/sales.joinable.js';
import { tickets } from '../tickets/tickets.joinable.js';
import { timelineEntries } from '../timeline/timeline.joinable.js';
import { queueAdmissions, queueDraws, queueRefusals } from './reports.table.js';

/**
 * The post-drop report's reads: each figure one statement over the rows the drop left in
 * Postgres (queue receipts, admissions, holds, orders, tickets, refusals). Times are epoch
 * milliseconds; series are counts per bucket of `widthMs` from `originMs`.
 */

/** Orders that bought their places (the audit's "paid": src/orders/orders.table.ts). */
const PAID = sql`('confirmed', 'captured')`;

const num = (v: unknown): number => Number(v ?? 0);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export interface Span {
  count: number;
  firstMs: number | null;
  lastMs: number | null;
}

export interface Buckets {
  originMs: number;
  widthMs: number;
  counts: number[];
}

export interface Distribution {
  count: number;
  /** Seconds. */
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
  /** Counts per bin of `binSeconds` from 0. */
  binSeconds: number;
  bins: number[];
}

/** An expression giving each row's time as epoch ms, over one event's rows. */
interface TimedRows {
  from: SQL;
  atMs: SQL;
}

const joinedRows = (eventId: string): TimedRows => ({
  from: sql`${timelineEntries} where ${timelineEntries.eventId} = ${eventId} and ${timelineEntries.subjectType} = 'queue_entry' and ${timelineEntries.kind} = 'queue.joined'`,
  atMs: sql`(${timelineEntries.data} ->> 'joinedAt')::bigint`,
});

const admittedRows = (eventId: string): TimedRows => ({
  from: sql`${queueAdmissions} where ${queueAdmissions.eventId} = ${eventId}`,
  atMs: sql`(extract(epoch from ${queueAdmissions.admittedAt}) * 1000)::bigint`,
});

const paidRows = (eventId: string): TimedRows => ({
  from: sql`${orders} where ${orders.eventId} = ${eventId} and ${orders.status} in ${PAID}`,
  atMs: sql`(extract(epoch from coalesce(${orders.confirmedAt}, ${orders.capturedAt}, ${orders.createdAt})) * 1000)::bigint`,
});

export const series = { joined: joinedRows, admitted: admittedRows, paid: paidRows };
export type SeriesName = keyof typeof series;

export async function span(db: Db, rows: TimedRows): Promise<Span> {
  const [row] = await db.execute<{ n: number; first: string | null; last: string | null }>(
    sql`select count(*)::int as n, min(${rows.atMs}) as first, max(${rows.atMs}) as last from ${rows.from}`,
  );
  return { count: num(row?.n), firstMs: numOrNull(row?.first), lastMs: numOrNull(row?.last) };
}

export async function buckets(db: Db, rows: TimedRows, originMs: number, widthMs: number, n: number): Promise<Buckets> {
  const found = await db.execute<{ b: number; n: number }>(sql`
    select floor((${rows.atMs} - ${originMs}) / ${widthMs}::numeric)::int as b, count(*)::int as n
    from ${rows.from} group by 1`);
  const counts = new Array<number>(n).fill(0);
  for (const r of found) {
    const b = Math.min(Math.max(num(r.b), 0), n - 1);
    counts[b] = counts[b]! + num(r.n);
  }
  return { originMs, widthMs, counts };
}

/** Joins by phase: before the draw (the pre-queue) and after it (late, first come first served). */
export async function joinsByPhase(db: Db, eventId: string): Promise<{ prequeue: number; late: number }> {
  const [row] = await db.execute<{ pre: number; late: number }>(sql`
    select count(*) filter (where ${timelineEntries.data} ->> 'phase' = 'prequeue')::int as pre,
           count(*) filter (where ${timelineEntries.data} ->> 'phase' <> 'prequeue')::int as late
    from ${joinedRows(eventId).from}`);
  return { prequeue: num(row?.pre), late: num(row?.late) };
}

export async function draw(
  db: Db,
  eventId: string,
): Promise<{ drawSize: number; drawnAtMs: number; drawMs: number } | null> {
  const [row] = await db.execute<{ size: number; at: string; ms: number }>(sql`
    select ${queueDraws.drawSize} as size, (extract(epoch from ${queueDraws.drawnAt}) * 1000)::bigint as at, ${queueDraws.drawMs} as ms
    from ${queueDraws} where ${queueDraws.eventId} = ${eventId}`);
  return row ? { drawSize: num(row.size), drawnAtMs: num(row.at), drawMs: num(row.ms) } : null;
}

export interface TokenFigures {
  issued: number;
  used: number;
  expired: number;
  live: number;
  /** Admitted fans whose token's hold became a paid order. */
  converted: number;
  /** Tokens used for a hold that ended without a paid order (the fan left at checkout). */
  heldNotBought: number;
}

/** Each admission with the hold its token bought and that hold's paid order, if any. */
const admissionOutcomes = (eventId: string) => sql`
  select a.token_expires_at, a.admitted_at, h.id as hold_id, h.status as hold_status, o.created_at as ordered_at
  from ${queueAdmissions} a
  left join ${holds} h on h.purchase_token_hash = a.token_hash
  left join ${orders} o on o.hold_id = h.id and o.status in ${PAID}
  where a.event_id = ${eventId}`;

export async function tokenFigures(db: Db, eventId: string): Promise<TokenFigures> {
  const [row] = await db.execute<Record<keyof TokenFigures, number>>(sql`
    select count(*)::int as issued,
           count(*) filter (where x.hold_id is not null)::int as used,
           count(*) filter (where x.hold_id is null and x.token_expires_at <= now())::int as expired,
           count(*) filter (where x.hold_id is null and x.token_expires_at > now())::int as live,
           count(*) filter (where x.ordered_at is not null)::int as converted,
           count(*) filter (where x.hold_id is not null and x.ordered_at is null and x.hold_status <> 'active')::int as "heldNotBought"
    from (${admissionOutcomes(eventId)}) x`);
  return {
    issued: num(row?.issued),
    used: num(row?.used),
    expired: num(row?.expired),
    live: num(row?.live),
    converted: num(row?.converted),
    heldNotBought: num(row?.heldNotBought),
  };
}

/** Durations in seconds, as one `select … as s` over the event's rows. */
const arrivalToAdmission = (eventId: string) => sql`
  select extract(epoch from a.admitted_at) - (j.data ->> 'joinedAt')::numeric / 1000 as s
  from ${queueAdmissions} a
  join ${timelineEntries} j on j.subject_type = 'queue_entry' and j.subject_id = a.entry_id and j.kind = 'queue.joined'
  where a.event_id = ${eventId}`;

const admissionToOrder = (eventId: string) => sql`
  select extract(epoch from x.ordered_at - x.admitted_at) as s from (${admissionOutcomes(eventId)}) x
  where x.ordered_at is not null`;

export const durations = { arrivalToAdmission, admissionToOrder };

/** Percentiles and a histogram of ~20 bins of a round width, in two statements. */
export async function distribution(db: Db, seconds: SQL): Promise<Distribution> {
  const [p] = await db.execute<{ n: number; p50: number; p90: number; p99: number; max: number; mean: number }>(sql`
    select count(*)::int as n,
           percentile_cont(0.5) within group (order by greatest(d.s, 0)) as p50,
           percentile_cont(0.9) within group (order by greatest(d.s, 0)) as p90,
           percentile_cont(0.99) within group (order by greatest(d.s, 0)) as p99,
           max(greatest(d.s, 0)) as max, avg(greatest(d.s, 0)) as mean
    from (${seconds}) d`);
  const count = num(p?.n);
  const max = count > 0 ? num(p?.max) : null;
  const binSeconds = roundWidth((max ?? 0) / 20, [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600]);
  const nBins = max === null ? 0 : Math.floor(max / binSeconds) + 1;
  const bins = new Array<number>(nBins).fill(0);
  if (nBins > 0) {
    const rows = await db.execute<{ b: number; n: number }>(sql`
      select floor(greatest(d.s, 0) / ${binSeconds})::int as b, count(*)::int as n from (${seconds}) d group by 1`);
    for (const r of rows) bins[Math.min(num(r.b), nBins - 1)]! += num(r.n);
  }
  const round = (v: unknown) => (count > 0 ? Math.round(num(v) * 1000) / 1000 : null);
  return {
    count,
    p50: round(p?.p50),
    p90: round(p?.p90),
    p99: round(p?.p99),
    max: round(max),
    mean: round(p?.mean),
    binSeconds,
    bins,
  };
}

/** The smallest of `steps` at least `raw` (the last if none is). */
export function roundWidth(raw: number, steps: readonly number[]): number {
  return steps.find((s) => s >= raw) ?? steps[steps.length - 1]!;
}

export interface SalesFigures {
  capacity: number;
  ticketsSold: number;
  ordersPaid: number;
  buyers: number;
  revenueCents: number;
  refundedCents: number;
  ordersRefunded: number;
  currency: string | null;
  lastSaleMs: number | null;
}

export async function salesFigures(db: Db, eventId: string): Promise<SalesFigures> {
  const [row] = await db.execute<{
    capacity: number;
    sold: number;
    paid: number;
    buyers: number;
    revenue: string;
    refunded: string;
    refunds: number;
    currency: string | null;
    last: string | null;
  }>(sql`
    select (select count(*) from ${seats} where ${seats.eventId} = ${eventId})
         + (select coalesce(sum(${gaInventory.capacity}), 0) from ${gaInventory} where ${gaInventory.eventId} = ${eventId}) as capacity,
           (select count(*) from ${tickets} where ${tickets.eventId} = ${eventId} and ${tickets.status} = 'valid')::int as sold,
           count(*) filter (where o.status in ${PAID})::int as paid,
           count(distinct o.user_id) filter (where o.status in ${PAID})::int as buyers,
           coalesce(sum(o.total_cents) filter (where o.status in ${PAID} or o.refunded_cents > 0), 0) as revenue,
           coalesce(sum(o.refunded_cents), 0) as refunded,
           count(*) filter (where o.refunded_cents > 0)::int as refunds,
           min(o.currency) as currency,
           max((extract(epoch from coalesce(o.confirmed_at, o.captured_at, o.created_at)) * 1000)::bigint) filter (where o.status in ${PAID}) as last
    from ${orders} o where o.event_id = ${eventId}`);
  return {
    capacity: num(row?.capacity),
    ticketsSold: num(row?.sold),
    ordersPaid: num(row?.paid),
    buyers: num(row?.buyers),
    revenueCents: num(row?.revenue),
    refundedCents: num(row?.refunded),
    ordersRefunded: num(row?.refunds),
    currency: row?.currency ?? null,
    lastSaleMs: numOrNull(row?.last),
  };
}

export async function refusals(
  db: Db,
  eventId: string,
): Promise<{ byReason: Record<string, number>; perMinute: { minuteMs: number; reason: string; count: number }[] }> {
  const rows = await db.execute<{ reason: string; minute: string; n: number }>(sql`
    select ${queueRefusals.reason} as reason, (extract(epoch from ${queueRefusals.minute}) * 1000)::bigint as minute, ${queueRefusals.count} as n
    from ${queueRefusals} where ${queueRefusals.eventId} = ${eventId} order by 2, 1`);
  const byReason: Record<string, number> = {};
  for (const r of rows) byReason[r.reason] = (byReason[r.reason] ?? 0) + num(r.n);
  return { byReason, perMinute: rows.map((r) => ({ minuteMs: num(r.minute), reason: r.reason, count: num(r.n) })) };
}
