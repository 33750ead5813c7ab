import { asc, eq, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/types.js';
import { venues } from './catalog.table.js';
import type { VenueRow } from './catalog.repository.js';
import type { EventStatus } from './vocabulary.js';

/**
 * The organizer console's overview: events with their stock and on-sale in one statement, so
 * the console's first paint is one round trip however many events an organizer runs.
 */

export interface ConsoleEventRow {
  id: string;
  organizer_id: string;
  title: string;
  status: string;
  starts_utc: string;
  venue_id: string;
  venue_name: string;
  venue_city: string;
  time_zone: string;
  tier_count: number;
  capacity: number;
  held: number;
  sold: number;
  onsale_mode: 'queue' | 'open' | null;
  onsale_state: 'scheduled' | 'paused' | 'closed' | null;
  prequeue_opens_at: string | null;
  sale_starts_at: string | null;
  sale_ends_at: string | null;
  admit_per_minute: number | null;
  purchase_token_ttl_seconds: number | null;
  hold_ttl_seconds: number | null;
  onsale_per_account_limit: number | null;
  require_verified_email: boolean | null;
}

/** Which of the console's events to list, and which page of them. */
export interface ConsoleFilter {
  /** null: every organizer's events (admins). */
  organizerId: string | null;
  /** Words the title contains, in any case. */
  q?: string | undefined;
  status?: EventStatus | undefined;
  /** The first and last day (YYYY-MM-DD) of the event's start, as a day at its venue. */
  from?: string | undefined;
  to?: string | undefined;
  /** `date`: upcoming first by start, then past, latest first; `created`: the newest first. */
  sort: 'date' | 'created';
  limit: number;
  offset: number;
}

const utc = (column: ReturnType<typeof sql>) =>
  sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;

/** `%` and `_` typed by the organizer are letters, not patterns. */
const contains = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

function matching(filter: ConsoleFilter): SQL {
  const day = sql`(e.starts_at at time zone v.time_zone)::date`;
  return sql.join(
    [
      filter.organizerId === null ? sql`true` : sql`e.organizer_id = ${filter.organizerId}::uuid`,
      filter.q ? sql`e.title ilike ${contains(filter.q)}` : undefined,
      filter.status ? sql`e.status = ${filter.status}` : undefined,
      filter.from ? sql`${day} >= ${filter.from}::date` : undefined,
      filter.to ? sql`${day} <= ${filter.to}::date` : undefined,
    ].filter((part): part is SQL => part !== undefined),
    sql` and `,
  );
}

const ordering = (filter: ConsoleFilter) =>
  filter.sort === 'created'
    ? sql`e.created_at desc, e.id`
    : sql`e.starts_at < now(), case when e.starts_at >= now() then e.starts_at end asc, e.starts_at desc, e.id`;

/**
 * One page of the console's events, with their stock and on-sale, and how many match in all.
 * The page is chosen first (the count comes with it, from a window over the matches), then
 * only its events have their seats and GA counters added up: one statement, however many
 * events an organizer runs.
 */
export async function listConsoleEvents(
  db: Db,
  filter: ConsoleFilter,
): Promise<{ rows: ConsoleEventRow[]; total: number }> {
  const rows = await db.execute<ConsoleEventRow & { total: number } & Record<string, unknown>>(sql`
    with page as (
      select e.id, count(*) over ()::int as total
      from events e join venues v on v.id = e.venue_id
      where ${matching(filter)}
      order by ${ordering(filter)}
      limit ${filter.limit}::int offset ${filter.offset}::int
    )
    select page.total, ${consoleColumns}
    from page join events e on e.id = page.id ${consoleJoins}
    order by ${ordering(filter)}`);
  const list = [...rows];
  if (list.length > 0 || filter.offset === 0) return { rows: list, total: list[0]?.total ?? 0 };
  // Past the last page: no row carries the count, so ask for it alone.
  const [counted] = await db.execute<{ total: number }>(sql`
    select count(*)::int as total from events e join venues v on v.id = e.venue_id where ${matching(filter)}`);
  return { rows: [], total: counted?.total ?? 0 };
}

/** One event as the console's list shows it, or undefined when there is none. */
export async function findConsoleEvent(db: Db, eventId: string): Promise<ConsoleEventRow | undefined> {
  const [row] = await db.execute<ConsoleEventRow & Record<string, unknown>>(sql`
    select ${consoleColumns} from events e ${consoleJoins} where e.id = ${eventId}::uuid`);
  return row;
}

const consoleColumns = sql`e.id, e.organizer_id, e.title, e.status, ${utc(sql`e.starts_at`)} as starts_utc,
  v.id as venue_id, v.name as venue_name, v.city as venue_city, v.time_zone,
  (select count(*) from price_tiers t where t.event_id = e.id)::int as tier_count,
  (st.total + ga.capacity)::int as capacity, (st.held + ga.held)::int as held, (st.sold + ga.sold)::int as sold,
  o.mode as onsale_mode, o.state as onsale_state,
  ${utc(sql`o.prequeue_opens_at`)} as prequeue_opens_at, ${utc(sql`o.sale_starts_at`)} as sale_starts_at,
  ${utc(sql`o.sale_ends_at`)} as sale_ends_at, o.admit_per_minute, o.purchase_token_ttl_seconds, o.hold_ttl_seconds,
  o.per_account_limit as onsale_per_account_limit, o.require_verified_email`;

const consoleJoins = sql`
  join venues v on v.id = e.venue_id
  cross join lateral (
    select count(*) as total, count(*) filter (where s.status = 'held') as held, count(*) filter (where s.status = 'sold') as sold
    from seats s where s.event_id = e.id
  ) st
  cross join lateral (
    select coalesce(sum(g.capacity), 0) as capacity, coalesce(sum(g.held), 0) as held, coalesce(sum(g.sold), 0) as sold
    from ga_inventory g where g.event_id = e.id
  ) ga
  left join onsale_settings o on o.event_id = e.id`;

/** Venues an organizer created (every venue for `null`), by name. Served by a scan: venues stay few. */
export async function listConsoleVenues(db: Db, ownerId: string | null): Promise<VenueRow[]> {
  const query = db.select().from(venues);
  return ownerId === null
    ? query.orderBy(asc(venues.name))
    : query.where(eq(venues.ownerId, ownerId)).orderBy(asc(venues.name));
}
