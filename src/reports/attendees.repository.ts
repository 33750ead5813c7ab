import { sql, type SQL } from 'drizzle-orm';
import { users } from '../auth/auth.joinable.js';
import { priceTiers } from '../catalog/catalog.joinable.js';
import { checkins } from '../checkin/checkin.joinable.js';
import type { Db } from '../db/types.js';
import { seats } from '../sales/sales.joinable.js';
import { tickets } from '../tickets/tickets.joinable.js';

/**
 * An event's attendees (its valid tickets, with the name and address the order gave or the
 * holder's own, the tier, the seat and the first admission at the door) and its door figures
 * per gate, each read in one statement over the owners' joinable tables.
 */

export interface AttendeeRow {
  ticketId: string;
  orderId: string;
  name: string;
  email: string;
  tier: string;
  section: string | null;
  row: string | null;
  number: number | null;
  checkedInAt: Date | null;
  gate: string | null;
}

const select = sql`
  select t.id as "ticketId", t.order_id as "orderId",
         coalesce(t.attendee_name, u.display_name) as name, coalesce(t.attendee_email, u.email) as email,
         pt.name as tier, s.section, s.row, s.number, c.scanned_at as "checkedInAt", c.gate
  from ${tickets} t
  join ${users} u on u.id = t.holder_id
  join ${priceTiers} pt on pt.id = t.tier_id
  left join ${seats} s on s.id = t.seat_id
  left join ${checkins} c on c.ticket_id = t.id and c.result = 'admitted'`;

/** `q` matches a name or address anywhere (case-insensitive) or the start of an order or ticket id. */
function matching(eventId: string, q: string | undefined): SQL {
  const valid = sql`t.event_id = ${eventId} and t.status = 'valid'`;
  if (!q) return valid;
  const like = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const prefix = `${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql`${valid} and (coalesce(t.attendee_name, u.display_name) ilike ${like}
    or coalesce(t.attendee_email, u.email) ilike ${like}
    or t.order_id::text like ${prefix} or t.id::text like ${prefix})`;
}

const asRow = (r: Record<string, unknown>): AttendeeRow => ({
  ticketId: String(r.ticketId),
  orderId: String(r.orderId),
  name: String(r.name ?? ''),
  email: String(r.email ?? ''),
  tier: String(r.tier ?? ''),
  section: (r.section as string | null) ?? null,
  row: (r.row as string | null) ?? null,
  number: r.number === null || r.number === undefined ? null : Number(r.number),
  checkedInAt: r.checkedInAt ? new Date(r.checkedInAt as string) : null,
  gate: (r.gate as string | null) ?? null,
});

/** One page in name order, and how many match in all. */
export async function attendeePage(
  db: Db,
  eventId: string,
  options: { q?: string; offset: number; limit: number },
): Promise<{ total: number; rows: AttendeeRow[] }> {
  const where = matching(eventId, options.q);
  const [total] = await db.execute<{ n: number }>(sql`
    select count(*)::int as n from ${tickets} t join ${users} u on u.id = t.holder_id where ${where}`);
  const rows = await db.execute<Record<string, unknown>>(sql`
    ${select} where ${where}
    order by lower(coalesce(t.attendee_name, u.display_name)), t.id
    limit ${options.limit} offset ${options.offset}`);
  return { total: Number(total?.n ?? 0), rows: rows.map(asRow) };
}

/** The attendees after ticket id `after` in id order: the CSV export's pages (keyset, so each page costs the same). */
export async function attendeesAfter(
  db: Db,
  eventId: string,
  options: { q?: string; after: string | null; limit: number },
): Promise<AttendeeRow[]> {
  const where = matching(eventId, options.q);
  const after = options.after ? sql` and t.id > ${options.after}` : sql``;
  const rows = await db.execute<Record<string, unknown>>(sql`
    ${select} where ${where}${after} order by t.id limit ${options.limit}`);
  return rows.map(asRow);
}

export interface GateFigures {
  tickets: number;
  checkedIn: number;
  gates: { gate: string; admitted: number; refused: number; firstAt: Date | null; lastAt: Date | null }[];
  perFiveMinutes: { at: Date; gate: string; admitted: number; refused: number }[];
}

export async function gateFigures(db: Db, eventId: string): Promise<GateFigures> {
  const [totals] = await db.execute<{ tickets: number; inside: number }>(sql`
    select count(*)::int as tickets,
           count(*) filter (where exists (select 1 from ${checkins} c where c.ticket_id = t.id and c.result = 'admitted'))::int as inside
    from ${tickets} t where t.event_id = ${eventId} and t.status = 'valid'`);
  const gates = await db.execute<{ gate: string; admitted: number; refused: number; first: string; last: string }>(sql`
    select c.gate, count(*) filter (where c.result = 'admitted')::int as admitted,
           count(*) filter (where c.result <> 'admitted')::int as refused,
           min(c.scanned_at) as first, max(c.scanned_at) as last
    from ${checkins} c where c.event_id = ${eventId} group by c.gate order by c.gate`);
  const slots = await db.execute<{ at: string; gate: string; admitted: number; refused: number }>(sql`
    select date_bin('5 minutes', c.scanned_at, timestamptz '2000-01-01') as at, c.gate,
           count(*) filter (where c.result = 'admitted')::int as admitted,
           count(*) filter (where c.result <> 'admitted')::int as refused
    from ${checkins} c where c.event_id = ${eventId} group by 1, 2 order by 1, 2`);
  return {
    tickets: Number(totals?.tickets ?? 0),
    checkedIn: Number(totals?.inside ?? 0),
    gates: gates.map((g) => ({
      gate: g.gate,
      admitted: Number(g.admitted),
      refused: Number(g.refused),
      firstAt: g.first ? new Date(g.first) : null,
      lastAt: g.last ? new Date(g.last) : null,
    })),
    perFiveMinutes: slots.map((s) => ({
      at: new Date(s.at),
      gate: s.gate,
      admitted: Number(s.admitted),
      refused: Number(s.refused),
    })),
  };
}
