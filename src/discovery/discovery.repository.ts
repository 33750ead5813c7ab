import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/types.js';
import type { EventDescriptions } from '../catalog/descriptions.js';
import type { Transit } from '../catalog/vocabulary.js';
import { boundingBox, EARTH_RADIUS_KM, type Point } from './geo.js';
import type { StoredVariant } from '../media/vocabulary.js';

/**
 * Discovery's SQL. One statement per search: the inner query filters, orders and limits
 * events using the indexes; the outer one decorates only that page with prices, live
 * availability and the on-sale, so the cost of "live" grows with the page, not the catalog.
 *
 * Geo: a bounding-box prefilter on venues_lat_lng_idx (a plain btree), then the exact
 * haversine distance in SQL. cube/earthdistance exist in both the embedded PG 17 and Debian's
 * PG 15, but earthdistance is not a trusted extension (CREATE EXTENSION needs a superuser,
 * which managed Postgres often refuses), and its GiST index would only replace a box test on
 * a venues table that stays small next to events. The haversine on a sphere of the mean
 * radius is within 0.5 % of the ellipsoid everywhere, the accuracy the product promises.
 */

export type Order = 'date' | 'text' | 'distance' | 'price' | 'profile';

/** The position after the last row of a page: the order's key, the start time and the id. */
export interface Cursor {
  order: Order;
  key: number | null;
  startsAt: string;
  id: string;
}

export interface ProfileWeights {
  interests: string[];
  home: Point | null;
  accessibilityNeeds: string[];
  budgetCents: number | null;
}

export interface SearchFilter {
  /** Where distances are measured from (the `near` point, else the fan's home), or null. */
  origin: Point | null;
  radius: { center: Point; km: number } | null;
  from: Date;
  to: Date | null;
  minPrice: number | null;
  maxPrice: number | null;
  categories: string[];
  accessibility: string[];
  q: string | null;
  venueId: string | null;
  available: boolean;
  order: Order;
  profile: ProfileWeights | null;
  after: Cursor | null;
  limit: number;
}

export interface EventRow {
  id: string;
  title: string;
  description: string;
  categories: string[];
  performers: string[];
  status: string;
  starts_utc: string;
  starts_local: string;
  offset_minutes: number;
  doors_utc: string | null;
  time_zone: string;
  venue_id: string;
  venue_name: string;
  venue_city: string;
  venue_country: string;
  latitude: number;
  longitude: number;
  venue_accessibility: string[];
  transit: Transit;
  distance_km: number | null;
  sort_key: number | null;
  cursor_starts_at: string;
  min_price: number | null;
  max_price: number | null;
  currency: string | null;
  available_seats: number;
  total_seats: number;
  ga_capacity: number;
  ga_remaining: number;
  onsale_mode: 'queue' | 'open' | null;
  onsale_state: 'scheduled' | 'paused' | 'closed' | null;
  prequeue_opens_at: string | null;
  sale_starts_at: string | null;
  sale_ends_at: string | null;
  /** The event's image (src/media), as the media module stores it. */
  image: { alt: string; width: number; height: number; variants: StoredVariant[] } | null;
}

const utc = (column: SQL) => sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;

/** Exact great-circle distance in km from a venue (alias `v`) to a point. */
function distanceSql(p: Point): SQL {
  return sql`(2 * ${EARTH_RADIUS_KM}::float8 * asin(least(1, sqrt(
    power(sin(radians(v.latitude - ${p.lat}::float8) / 2), 2)
    + cos(radians(${p.lat}::float8)) * cos(radians(v.latitude)) * power(sin(radians(v.longitude - ${p.lng}::float8) / 2), 2)))))`;
}

/** The box first (venues_lat_lng_idx: a latitude range, longitude checked inside the index), then the circle. */
function withinSql(center: Point, km: number): SQL {
  const box = boundingBox(center, km);
  const lng = box.lngRanges.map(([lo, hi]) => sql`v.longitude between ${lo}::float8 and ${hi}::float8`);
  return sql`(v.latitude between ${box.minLat}::float8 and ${box.maxLat}::float8
    and (${sql.join(lng, sql` or `)}) and ${distanceSql(center)} <= ${km}::float8)`;
}

const minPriceSql = sql`(select min(t.price_cents + t.fee_cents) from price_tiers t where t.event_id = e.id)`;
const tsQuery = (q: string) => sql`websearch_to_tsquery('english', ${q})`;

/**
 * Suggestion score for a fan's profile; every part is a stable function of the event and the
 * profile (never of the clock or of live stock), so a cursor stays valid between pages.
 * Weights: a matching interest (2) outranks a venue a few km farther (3 at the door, 1.1 at
 * 25 km); a missing accessibility need or a price over budget pushes an event down without
 * hiding it.
 */
function profileScoreSql(p: ProfileWeights): SQL {
  const parts: SQL[] = [sql`0`];
  if (p.interests.length > 0) {
    // Any shared category counts once: `&&` is an operator call, not a subquery per candidate.
    parts.push(sql`case when e.categories && ${sql.param(p.interests)}::text[] then 2.0 else 0 end`);
  }
  if (p.home) parts.push(sql`3.0 * exp(-${distanceSql(p.home)} / 25.0)`);
  if (p.accessibilityNeeds.length > 0) {
    parts.push(sql`case when v.accessibility @> ${sql.param(p.accessibilityNeeds)}::text[] then 1.5 else -1.5 end`);
  }
  if (p.budgetCents !== null) parts.push(sql`case when ${minPriceSql} <= ${p.budgetCents}::int then 1.0 else -2.0 end`);
  return sql`(${sql.join(parts, sql` + `)})::float8`;
}

function sortKeySql(f: SearchFilter): SQL {
  switch (f.order) {
    case 'date':
      return sql`null::float8`;
    case 'text':
      // ts_rank, not ts_rank_cd: the same order for short documents at ~30 % less CPU per match.
      return sql`(-ts_rank(e.search_document, ${tsQuery(f.q ?? '')}))::float8`;
    case 'distance':
      return f.origin ? distanceSql(f.origin) : sql`0::float8`;
    case 'price':
      // Events without tiers go last, after every priced one.
      return sql`coalesce(${minPriceSql}, 2147483647)::float8`;
    case 'profile':
      return sql`(-${profileScoreSql(f.profile ?? { interests: [], home: null, accessibilityNeeds: [], budgetCents: null })})`;
  }
}

function conditions(f: SearchFilter, sortKey: SQL): SQL[] {
  const where: SQL[] = [sql`e.status <> 'draft'`, sql`e.starts_at >= ${f.from.toISOString()}::timestamptz`];
  if (f.to) where.push(sql`e.starts_at < ${f.to.toISOString()}::timestamptz`);
  if (f.radius) where.push(withinSql(f.radius.center, f.radius.km));
  if (f.categories.length > 0) where.push(sql`e.categories && ${sql.param(f.categories)}::text[]`);
  if (f.accessibility.length > 0) where.push(sql`v.accessibility @> ${sql.param(f.accessibility)}::text[]`);
  if (f.venueId) where.push(sql`e.venue_id = ${f.venueId}::uuid`);
  if (f.q) where.push(sql`e.search_document @@ ${tsQuery(f.q)}`);
  if (f.minPrice !== null || f.maxPrice !== null) {
    // Some ticket at an all-in price inside the range: what "I can pay up to 40" means.
    // A scalar subquery, not EXISTS: the planner would turn EXISTS into a semi-join and, with
    // no statistics on price + fee, hash every tier of the catalog (~300 ms at 100k events)
    // instead of probing the tiers of the few events it walks in order (~1 ms).
    where.push(sql`coalesce((select true from price_tiers t where t.event_id = e.id
      and t.price_cents + t.fee_cents between ${f.minPrice ?? 0}::int and ${f.maxPrice ?? 2147483647}::int limit 1), false)`);
  }
  if (f.available) {
    // Something can still be bought or queued for. Available seats are found through the
    // partial index seats_available_idx (per tier), so a sold-out arena costs one probe.
    where.push(sql`e.status in ('scheduled', 'on_sale')
      and not exists (select 1 from onsale_settings o where o.event_id = e.id
        and (o.state = 'closed' or o.sale_ends_at <= now()))
      and (exists (select 1 from price_tiers t join seats s on s.tier_id = t.id and s.status = 'available' where t.event_id = e.id)
        or exists (select 1 from ga_inventory g where g.event_id = e.id and g.held + g.sold < g.capacity))`);
  }
  if (f.after) {
    const t = sql`${f.after.startsAt}::timestamptz`;
    const id = sql`${f.after.id}::uuid`;
    if (f.order === 'date') {
      // The redundant bound lets events_starts_at_idx start at the cursor.
      where.push(sql`e.starts_at >= ${t} and (e.starts_at, e.id) > (${t}, ${id})`);
    } else {
      where.push(sql`(${sortKey}, e.starts_at, e.id) > (${f.after.key}::float8, ${t}, ${id})`);
    }
  }
  return where;
}

/** The search as one SQL statement (also run bare by the benchmark, so both measure the same SQL). */
export function searchSql(f: SearchFilter): SQL {
  const sortKey = sortKeySql(f);
  const orderBy = f.order === 'date' ? sql`e.starts_at, e.id` : sql`sort_key, e.starts_at, e.id`;
  const outerOrder = f.order === 'date' ? sql`p.starts_at, p.id` : sql`p.sort_key, p.starts_at, p.id`;
  const distance = f.origin ? distanceSql(f.origin) : sql`null::float8`;
  return sql`with page as (
    select e.id, e.title, e.description, e.categories, e.performers, e.status, e.starts_at, e.doors_at,
      v.id as venue_id, v.name as venue_name, v.city as venue_city, v.country as venue_country,
      v.latitude, v.longitude, v.time_zone, v.accessibility as venue_accessibility, v.transit,
      ${distance} as distance_km, ${sortKey} as sort_key
    from events e join venues v on v.id = e.venue_id
    where ${sql.join(conditions(f, sortKey), sql` and `)}
    order by ${orderBy}
    limit ${f.limit}::int
  )
  ${decorate(sql`page p`, outerOrder)}`;
}

/** Prices, live stock and the on-sale for the rows of `source` (alias `p`). */
function decorate(source: SQL, orderBy: SQL): SQL {
  return sql`select p.id, p.title, p.description, p.categories, p.performers, p.status,
      ${utc(sql`p.starts_at`)} as starts_utc,
      to_char(p.starts_at at time zone p.time_zone, 'YYYY-MM-DD"T"HH24:MI:SS') as starts_local,
      (extract(epoch from (p.starts_at at time zone p.time_zone) - (p.starts_at at time zone 'UTC')) / 60)::int as offset_minutes,
      ${utc(sql`p.doors_at`)} as doors_utc, p.time_zone,
      p.venue_id, p.venue_name, p.venue_city, p.venue_country, p.latitude, p.longitude,
      p.venue_accessibility, p.transit, p.distance_km, p.sort_key,
      to_char(p.starts_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_starts_at,
      pr.min_price, pr.max_price, pr.currency,
      st.available_seats, st.total_seats, ga.ga_capacity, ga.ga_remaining,
      o.mode as onsale_mode, o.state as onsale_state,
      ${utc(sql`o.prequeue_opens_at`)} as prequeue_opens_at, ${utc(sql`o.sale_starts_at`)} as sale_starts_at,
      ${utc(sql`o.sale_ends_at`)} as sale_ends_at,
      (select json_build_object('alt', m.alt, 'width', m.width, 'height', m.height, 'variants', m.variants)
        from event_media m where m.event_id = p.id and m.slot = 'image') as image
    from ${source}
    left join lateral (
      select min(t.price_cents + t.fee_cents) as min_price, max(t.price_cents + t.fee_cents) as max_price, min(t.currency) as currency
      from price_tiers t where t.event_id = p.id
    ) pr on true
    left join lateral (
      select (select count(*) from price_tiers t join seats s on s.tier_id = t.id and s.status = 'available'
                where t.event_id = p.id)::int as available_seats,
             (select count(*) from seats s where s.event_id = p.id)::int as total_seats
    ) st on true
    left join lateral (
      select coalesce(sum(g.capacity), 0)::int as ga_capacity, coalesce(sum(g.capacity - g.held - g.sold), 0)::int as ga_remaining
      from ga_inventory g where g.event_id = p.id
    ) ga on true
    left join onsale_settings o on o.event_id = p.id
    order by ${orderBy}`;
}

/**
 * Planner cost of a random page read for discovery's statements. Postgres' default (4.0)
 * models spinning disks; with it the planner prefers a sequential scan that evaluates `@@`
 * on every event (~100 ms at 100k events) over the GIN bitmap (~10 ms). 1.1 is the usual SSD
 * value; set per transaction so discovery does not depend on how the server was tuned.
 */
export const PLANNER_SETTINGS = 'set local random_page_cost = 1.1';

export async function searchEvents(db: Db, f: SearchFilter): Promise<EventRow[]> {
  return db.transaction(async (tx) => {
    await tx.execute(sql.raw(PLANNER_SETTINGS));
    return [...(await tx.execute<EventRow & Record<string, unknown>>(searchSql(f)))];
  });
}

/**
 * How many events the search matches, counted up to `cap` + 1 (so the caller can say "more
 * than 10,000"): the same conditions as searchSql, no cursor, no decoration, no order. Stopping
 * at the cap keeps the cost of the first page's "341 events" bounded on any catalogue.
 */
export function countSql(f: SearchFilter, cap: number): SQL {
  const all = { ...f, after: null };
  return sql`select count(*)::int as n from (
    select 1 from events e join venues v on v.id = e.venue_id
    where ${sql.join(conditions(all, sortKeySql(all)), sql` and `)}
    limit ${cap + 1}::int
  ) matched`;
}

export async function countEvents(db: Db, f: SearchFilter, cap: number): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.execute(sql.raw(PLANNER_SETTINGS));
    const [row] = await tx.execute<{ n: number }>(countSql(f, cap));
    return row?.n ?? 0;
  });
}

export interface CityRow {
  name: string;
  country: string;
  lat: number;
  lng: number;
  events: number;
}

/**
 * The cities that have events to find (published, not yet started), with the middle of their
 * venues (to 4 decimals, about 10 m) as the point a search around the city starts from. It
 * reads every upcoming event, so the service keeps the answer for a minute.
 */
export async function findCities(db: Db, from: Date): Promise<CityRow[]> {
  const rows = await db.execute<CityRow & Record<string, unknown>>(sql`
    select v.city as name, v.country,
      round(avg(v.latitude)::numeric, 4)::float8 as lat, round(avg(v.longitude)::numeric, 4)::float8 as lng,
      count(*)::int as events
    from events e join venues v on v.id = e.venue_id
    where e.status <> 'draft' and e.starts_at >= ${from.toISOString()}::timestamptz
    group by v.city, v.country
    order by v.city, v.country`);
  return [...rows];
}

/** Who may see a draft: its organizer, or an admin. */
export interface Viewer {
  userId: string;
  admin: boolean;
}

/** What only the event page carries: its end, its policies and who organizes it. */
export interface DetailRow extends EventRow {
  ends_utc: string | null;
  organizer_id: string;
  refundable_until: string | null;
  transfers_allowed: boolean;
  per_account_limit: number | null;
  /** The description in German and Spanish (src/catalog/descriptions.ts); `description` is the English. */
  descriptions: EventDescriptions;
  /** A cancelled event's cancellation: the organizer's reason, when, and whether every refund is done. */
  cancellation_reason: string | null;
  cancelled_at: string | null;
  refunds_complete: boolean;
}

/**
 * One event with the same decoration as a search result, without a distance (the service
 * works it out per reader from a shared copy); a draft only for its organizer.
 */
export async function findEvent(db: Db, id: string, viewer: Viewer | null): Promise<DetailRow | undefined> {
  const visible = viewer
    ? sql`(e.status <> 'draft' or ${viewer.admin}::boolean or e.organizer_id = ${viewer.userId}::uuid)`
    : sql`e.status <> 'draft'`;
  // The page-only columns are joined around the shared decoration, so search keeps its shape.
  const rows = await db.execute<DetailRow & Record<string, unknown>>(sql`with one as (
      select e.id, e.title, e.description, e.categories, e.performers, e.status, e.starts_at, e.doors_at,
        v.id as venue_id, v.name as venue_name, v.city as venue_city, v.country as venue_country,
        v.latitude, v.longitude, v.time_zone, v.accessibility as venue_accessibility, v.transit,
        null::float8 as distance_km, null::float8 as sort_key
      from events e join venues v on v.id = e.venue_id
      where e.id = ${id}::uuid and ${visible}
    ), decorated as (
      ${decorate(sql`one p`, sql`p.id`)}
    )
    select d.*, e.descriptions, ${utc(sql`e.ends_at`)} as ends_utc, e.organizer_id, ${utc(sql`e.refundable_until`)} as refundable_until,
      e.transfers_allowed, e.per_account_limit,
      c.reason as cancellation_reason, ${utc(sql`c.created_at`)} as cancelled_at, c.completed_at is not null as refunds_complete
    from decorated d join events e on e.id = d.id
    left join event_cancellations c on c.event_id = e.id`);
  return rows[0];
}

export interface TierRow {
  id: string;
  name: string;
  kind: 'reserved' | 'ga';
  price_cents: number;
  fee_cents: number;
  currency: string;
  capacity: number;
  remaining: number;
}

export async function findTiers(db: Db, eventId: string): Promise<TierRow[]> {
  const rows = await db.execute<TierRow & Record<string, unknown>>(sql`
    select t.id, t.name, t.kind, t.price_cents, t.fee_cents, t.currency,
      case when t.kind = 'ga' then coalesce(g.capacity, 0) else coalesce(s.total, 0) end::int as capacity,
      case when t.kind = 'ga' then coalesce(g.capacity - g.held - g.sold, 0) else coalesce(s.available, 0) end::int as remaining
    from price_tiers t
    left join ga_inventory g on g.tier_id = t.id
    left join lateral (
      select count(*) as total, count(*) filter (where s.status = 'available') as available
      from seats s where s.tier_id = t.id and s.event_id = t.event_id
    ) s on t.kind = 'reserved'
    where t.event_id = ${eventId}::uuid
    order by t.sort_order, t.price_cents + t.fee_cents, t.name`);
  return [...rows];
}

export interface SeatRow {
  id: string;
  tier_id: string;
  section: string;
  row: string;
  row_index: number;
  number: number;
  accessible: boolean;
  status: 'available' | 'held' | 'sold';
}

/** Every seat in map order; served by seats_position_unique (event_id leads it). */
export async function findSeats(db: Db, eventId: string): Promise<SeatRow[]> {
  const rows = await db.execute<SeatRow & Record<string, unknown>>(sql`
    select s.id, s.tier_id, s.section, s.row, s.row_index, s.number, s.accessible, s.status
    from seats s where s.event_id = ${eventId}::uuid
    order by s.section, s.row_index, s.row, s.number`);
  return [...rows];
}

export type EventState = Pick<DetailRow, 'status' | 'onsale_mode' | 'onsale_state'> &
  Pick<ProfileRow, 'home_lat' | 'home_lng'>;

/**
 * What decides an event's sale phase, read on its own: the event's status and its on-sale's mode
 * and state; in the same read, the home of the account `viewerId` (null: none), from which the
 * answer measures the distance.
 */
export async function findEventState(db: Db, id: string, viewerId: string | null): Promise<EventState | undefined> {
  const rows = await db.execute<EventState & Record<string, unknown>>(sql`
    select e.status, o.mode as onsale_mode, o.state as onsale_state, u.home_lat, u.home_lng
    from events e
    left join onsale_settings o on o.event_id = e.id
    left join users u on u.id = ${viewerId}::uuid
    where e.id = ${id}::uuid`);
  return rows[0];
}

export interface ProfileRow {
  interests: string[];
  home_lat: number | null;
  home_lng: number | null;
  accessibility_needs: string[];
  budget_cents: number | null;
}

export async function findProfile(db: Db, userId: string): Promise<ProfileRow | undefined> {
  const rows = await db.execute<ProfileRow & Record<string, unknown>>(sql`
    select interests, home_lat, home_lng, accessibility_needs, budget_cents from users where id = ${userId}::uuid`);
  return rows[0];
}
