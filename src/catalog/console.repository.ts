import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/types.js';
import { venues } from './catalog.table.js';
import type { VenueRow } from './catalog.repository.js';

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
}

const utc = (column: ReturnType<typeof sql>) =>
  sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;

/** `organizerId` null: every organizer's events (admins). Upcoming first by start, then past, latest first. */
export async function listConsoleEvents(db: Db, organizerId: string | null, limit: number): Promise<ConsoleEventRow[]> {
  const owner = organizerId === null ? sql`true` : sql`e.organizer_id = ${organizerId}::uuid`;
  const rows = await db.execute<ConsoleEventRow & Record<string, unknown>>(sql`
    select e.id, e.organizer_id, e.title, e.status, ${utc(sql`e.starts_at`)} as starts_utc,
      v.id as venue_id, v.name as venue_name, v.city as venue_city, v.time_zone,
      (select count(*) from price_tiers t where t.event_id = e.id)::int as tier_count,
      (st.total + ga.capacity)::int as capacity, (st.held + ga.held)::int as held, (st.sold + ga.sold)::int as sold,
      o.mode as onsale_mode, o.state as onsale_state,
      ${utc(sql`o.prequeue_opens_at`)} as prequeue_opens_at, ${utc(sql`o.sale_starts_at`)} as sale_starts_at,
      ${utc(sql`o.sale_ends_at`)} as sale_ends_at
    from events e
    join venues v on v.id = e.venue_id
    cross join lateral (
      select count(*) as total, count(*) filter (where s.status = 'held') as held, count(*) filter (where s.status = 'sold') as sold
      from seats s where s.event_id = e.id
    ) st
    cross join lateral (
      select coalesce(sum(g.capacity), 0) as capacity, coalesce(sum(g.held), 0) as held, coalesce(sum(g.sold), 0) as sold
      from ga_inventory g where g.event_id = e.id
    ) ga
    left join onsale_settings o on o.event_id = e.id
    where ${owner}
    order by e.starts_at < now(), case when e.starts_at >= now() then e.starts_at end asc, e.starts_at desc, e.id
    limit ${limit}::int`);
  return [...rows];
}

/** Venues an organizer created (every venue for `null`), by name. Served by a scan: venues stay few. */
export async function listConsoleVenues(db: Db, ownerId: string | null): Promise<VenueRow[]> {
  const query = db.select().from(venues);
  return ownerId === null
    ? query.orderBy(asc(venues.name))
    : query.where(eq(venues.ownerId, ownerId)).orderBy(asc(venues.name));
}
