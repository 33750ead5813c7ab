import { createHash } from 'node:crypto';
import type { Principal } from '../auth/principal.js';
import type { Db } from '../db/types.js';
import {
  readRoom,
  onsaleOfRow,
  salePhase,
  saleView,
  type PhaseInput,
  type RoomFacts,
  type RoomReader,
  type SalePhase,
} from '../sales/phase.js';
import { allDescriptions, descriptionIn } from '../catalog/descriptions.js';
import { DEFAULT_LOCALE, type Locale } from '../i18n/locales.js';
import { SharedCopies } from '../shared/shared-copies.js';
import { discoveryErrors } from './discovery.errors.js';
import * as repo from './discovery.repository.js';
import type { Cursor, EventRow, Order, ProfileWeights, SearchFilter } from './discovery.repository.js';
import {
  type CitiesResult,
  type AvailabilityState,
  type EventDetailHead,
  type EventSummary,
  type SearchQuery,
  type SearchResult,
  type SeatMap,
} from './discovery.schemas.js';
import { haversineKm, type Point } from './geo.js';
import { pictureView } from '../media/media.views.js';

/** `near` without `radiusKm`: a city and its surroundings, what "near me" usually means. */
export const DEFAULT_RADIUS_KM = 50;
/** Suggestions from a home location stay within a day trip's reach. */
export const SUGGEST_RADIUS_KM = 100;
/**
 * Suggestions look two months ahead: far enough to plan a night out, and it keeps the set of
 * candidates scored per request to a few hundred even in a big city (4,000+ over a year).
 */
export const SUGGEST_HORIZON_DAYS = 60;

const ACCESSIBILITY_LABELS: Record<string, string> = {
  wheelchair: 'wheelchair spaces',
  step_free: 'step-free',
  hearing_loop: 'hearing loop',
  accessible_toilets: 'accessible toilets',
  sensory_friendly: 'sensory-friendly',
};

interface Profile extends ProfileWeights {
  /** Worth personalizing on: suggestions need a place or interests to start from. */
  usable: boolean;
}

export interface DetailAnswer {
  /** Everything but the seat map; it differs between viewers (distance, organizer tools). */
  head: EventDetailHead;
  /** Asked for (`include=seats`): rendered once per inventory snapshot and shared by every fan who reads it. */
  seatMap: RenderedSeatMap | null;
}

/**
 * The answer's strong ETag, from the head exactly as it is sent (`text`): it covers the whole
 * representation, viewer-specific parts included, so an organizer's copy and a fan's differ; the
 * seat map, when included, enters through its digest, and the two forms never share a tag.
 */
export function detailEtag(text: string, seatMap: RenderedSeatMap | null): string {
  const hash = createHash('sha256')
    .update(text)
    .update(seatMap ? `seats:${seatMap.digest}` : 'light');
  return `"${hash.digest('base64url').slice(0, 32)}"`;
}

/**
 * A seat map checked against its schema and serialized once, as the bytes every answer sends:
 * at a drop, thousands of fans read the same one.
 */
export interface RenderedSeatMap {
  json: Buffer;
  digest: string;
}

/** How long one load of an event's tiers and seat map (GET /v1/events/:id) is shared: the most its availability lags. */
export const INVENTORY_CACHE_MS = 1000;

/** "341 events": counted up to here, then "more than 10,000" (the count's cost stays bounded). */
export const TOTAL_CAP = 10_000;
/** The city list changes when an event is published or a city's last one starts: a minute behind is fine. */
export const CITIES_CACHE_MS = 60_000;

export class DiscoveryService {
  // Apart, so the many pages that show an event without its seats (the waiting room) never
  // read or render a seat map.
  private readonly tiersCache = new SharedCopies<repo.TierRow[]>(INVENTORY_CACHE_MS);
  // The event as everyone sees it (no draft, no distance): the waiting room's page asks for it
  // once per fan, thousands a second at a drop; one query a second serves them all.
  private readonly eventCache = new SharedCopies<repo.DetailRow | null>(INVENTORY_CACHE_MS);
  private readonly seatMapCache = new SharedCopies<RenderedSeatMap>(INVENTORY_CACHE_MS);
  private readonly citiesCache = new SharedCopies<CitiesResult>(CITIES_CACHE_MS, 1);

  constructor(
    private readonly db: Db,
    private readonly clock: () => Date = () => new Date(),
    /** The waiting rooms, for the phase of a queue sale under way (src/sales/phase.ts); without it, the phase follows the clock. */
    private readonly rooms?: RoomReader,
  ) {}

  /** The rooms of the rows whose phase depends on theirs (live queue sales: a few per page at most). */
  private roomsOf(rows: EventRow[], now: Date): Promise<(RoomFacts | null | undefined)[]> {
    return Promise.all(rows.map((row) => readRoom(this.rooms, row.id, phaseInput(row, now))));
  }

  async search(principal: Principal | null, query: SearchQuery): Promise<SearchResult> {
    const profile = principal ? await this.profile(principal.userId) : null;
    const explicit = [
      query.near,
      query.radiusKm,
      query.from,
      query.to,
      query.minPrice,
      query.maxPrice,
      query.categories,
      query.q,
      query.venueId,
      query.accessibility,
      query.available,
    ].some((v) => v !== undefined);
    const personalized = !explicit && query.sort === 'relevance' && profile?.usable === true;
    const origin: (Point & { source: 'near' | 'home' }) | null = query.near
      ? { ...query.near, source: 'near' }
      : profile?.home
        ? { ...profile.home, source: 'home' }
        : null;
    const order = resolveOrder(query, personalized, origin !== null);
    const now = this.clock();

    const filter: SearchFilter = {
      origin,
      radius: query.near ? { center: query.near, km: query.radiusKm ?? DEFAULT_RADIUS_KM } : null,
      from: query.from ?? now,
      to: query.to ?? null,
      minPrice: query.minPrice ?? null,
      maxPrice: query.maxPrice ?? null,
      categories: query.categories ?? [],
      accessibility: query.accessibility ?? [],
      q: query.q ?? null,
      venueId: query.venueId ?? null,
      // Suggestions are things the fan can still get: nothing sold out, cancelled or postponed.
      available: query.available ?? personalized,
      order,
      profile: personalized ? profile : null,
      after: query.cursor ? decodeCursor(query.cursor, order) : null,
      limit: query.limit + 1,
    };
    if (personalized && profile) {
      // Candidates come through an index: the venues around home, else the fan's categories.
      if (profile.home) filter.radius = { center: profile.home, km: SUGGEST_RADIUS_KM };
      else filter.categories = profile.interests;
      filter.to = new Date(now.getTime() + SUGGEST_HORIZON_DAYS * 86_400_000);
    }

    // The total once, with the first page: paging on does not change it.
    const [rows, count] = await Promise.all([
      repo.searchEvents(this.db, filter),
      query.cursor ? null : repo.countEvents(this.db, filter, TOTAL_CAP),
    ]);
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    const rooms = await this.roomsOf(page, now);
    return {
      events: page.map((row, i) => summarize(row, now, profile, origin?.source === 'home', rooms[i])),
      nextCursor: rows.length > query.limit && last ? encodeCursor(order, last) : null,
      sort: query.sort,
      personalized,
      origin,
      total: count === null ? null : { count: Math.min(count, TOTAL_CAP), more: count > TOTAL_CAP },
    };
  }

  /** The cities with events to find, for the discover page's City list. */
  cities(): Promise<CitiesResult> {
    return this.citiesCache.get('cities', async () => ({ cities: await repo.findCities(this.db, this.clock()) }));
  }

  async detail(
    principal: Principal | null,
    id: string,
    near: Point | undefined,
    include: { seats: boolean } = { seats: false },
    /** The reader's language, for the description (English when the organizer wrote none in it). */
    locale: Locale = DEFAULT_LOCALE,
  ): Promise<DetailAnswer> {
    const viewer = principal ? { userId: principal.userId, admin: principal.roles.includes('admin') } : null;
    const found = await this.eventRow(id, viewer, !near);
    if (!found) throw discoveryErrors.eventNotFound();
    const origin = near ?? found.home;
    const row = origin
      ? { ...found.row, distance_km: haversineKm(origin, { lat: found.row.latitude, lng: found.row.longitude }) }
      : found.row;
    const manages = viewer !== null && (viewer.admin || viewer.userId === row.organizer_id);
    // The organizer editing the event sees every change at once; fans share the one-second copy.
    const [tiers, seatMap] = await Promise.all([
      this.tiersCache.get(id, () => repo.findTiers(this.db, id), manages),
      include.seats
        ? this.seatMapCache.get(id, async () => renderSeatMap(await repo.findSeats(this.db, id)), manages)
        : null,
    ]);
    const now = this.clock();
    const room = await readRoom(this.rooms, row.id, phaseInput(row, now));
    const head: EventDetailHead = {
      ...summarize(row, now, null, false, room),
      sale: saleView({ ...phaseInput(row, now), room }),
      cancellation:
        row.status === 'cancelled' && row.cancellation_reason !== null && row.cancelled_at !== null
          ? { reason: row.cancellation_reason, cancelledAt: row.cancelled_at, refundsComplete: row.refunds_complete }
          : null,
      ...descriptionIn(locale, row.description, row.descriptions),
      descriptions: manages ? { en: row.description, ...allDescriptions(row.descriptions) } : null,
      doorsAt: row.doors_utc,
      endsAt: row.ends_utc,
      policies: {
        refundableUntil: row.refundable_until,
        transfersAllowed: row.transfers_allowed,
        perAccountLimit: row.per_account_limit,
      },
      manage: manages ? { draft: row.status === 'draft' } : null,
      tiers: tiers.map((t) => ({
        id: t.id,
        name: t.name,
        kind: t.kind,
        priceCents: t.price_cents,
        feeCents: t.fee_cents,
        totalCents: t.price_cents + t.fee_cents,
        currency: t.currency,
        capacity: t.capacity,
        remaining: t.remaining,
      })),
    };
    return { head, seatMap };
  }

  /**
   * The event's row: the shared one-second copy of what everyone may see (its seat counts are
   * what costs), checked against the event's state read now; and, with `wantHome`, the viewer's
   * home, for the distance (the same haversine as the search's SQL). Its organizer or an admin
   * reads it fresh (they see every change at once, and a draft only they may see).
   */
  private async eventRow(
    id: string,
    viewer: { userId: string; admin: boolean } | null,
    wantHome: boolean,
  ): Promise<{ row: repo.DetailRow; home: Point | null } | undefined> {
    const load = async () => (await repo.findEvent(this.db, id, null)) ?? null;
    let row = await this.eventCache.get(id, load);
    if (viewer && (viewer.admin || row === null || row.organizer_id === viewer.userId)) {
      const [fresh, profile] = await Promise.all([
        repo.findEvent(this.db, id, viewer),
        wantHome ? this.profile(viewer.userId) : null,
      ]);
      return fresh ? { row: fresh, home: profile?.home ?? null } : undefined;
    }
    if (!row) return undefined;
    // What decides the sale's phase is never a second old: a cancellation, a pause, a mode
    // change shows at once (one primary-key read, no counting, which brings the viewer's home
    // along), and renews the copy.
    const state = await repo.findEventState(this.db, id, wantHome ? (viewer?.userId ?? null) : null);
    if (
      state?.status !== row.status ||
      state.onsale_state !== row.onsale_state ||
      state.onsale_mode !== row.onsale_mode
    )
      row = await this.eventCache.get(id, load, true);
    if (!row) return undefined;
    return { row, home: state ? homeOf(state) : null };
  }

  private async profile(userId: string): Promise<Profile | null> {
    const row = await repo.findProfile(this.db, userId);
    if (!row) return null;
    const home = homeOf(row);
    return {
      interests: row.interests,
      home,
      accessibilityNeeds: row.accessibility_needs,
      budgetCents: row.budget_cents,
      usable: home !== null || row.interests.length > 0,
    };
  }
}

function resolveOrder(query: SearchQuery, personalized: boolean, hasOrigin: boolean): Order {
  switch (query.sort) {
    case 'relevance':
      return personalized ? 'profile' : query.q ? 'text' : 'date';
    case 'distance':
      if (!hasOrigin) throw discoveryErrors.sortNeedsPoint();
      return 'distance';
    default:
      return query.sort;
  }
}

/** Opaque to clients; it carries the order it belongs to, so a cursor of another sort is refused. */
export function encodeCursor(order: Order, row: Pick<EventRow, 'sort_key' | 'cursor_starts_at' | 'id'>): string {
  return Buffer.from(JSON.stringify([order, row.sort_key, row.cursor_starts_at, row.id])).toString('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const STAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

export function decodeCursor(text: string, order: Order): Cursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw discoveryErrors.badCursor();
  }
  if (!Array.isArray(parsed) || parsed.length !== 4) throw discoveryErrors.badCursor();
  const [o, key, startsAt, id] = parsed as unknown[];
  const keyOk = order === 'date' ? key === null : typeof key === 'number' && Number.isFinite(key);
  if (
    o !== order ||
    !keyOk ||
    typeof startsAt !== 'string' ||
    !STAMP.test(startsAt) ||
    typeof id !== 'string' ||
    !UUID.test(id)
  ) {
    throw discoveryErrors.badCursor();
  }
  return { order, key: key as number | null, startsAt, id };
}

function offset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** Metres: enough for "800 m" and for checking distances against a reference. */
const round3 = (n: number) => Math.round(n * 1000) / 1000;

/** The event, its on-sale and its stock as the phase reads them (src/sales/phase.ts). */
export function phaseInput(row: EventRow, now: Date): Omit<PhaseInput, 'room'> {
  return {
    event: { status: row.status, startsAt: row.starts_utc },
    onsale: onsaleOfRow(row),
    stock: { remaining: row.available_seats + row.ga_remaining, capacity: row.total_seats + row.ga_capacity },
    now,
  };
}

/** The phase in the words of a result card: a queue sale under way is on sale (through its waiting room). */
const AVAILABILITY: Record<SalePhase, AvailabilityState> = {
  draft: 'not_yet',
  announced: 'not_yet',
  scheduled: 'not_yet',
  prequeue: 'queue_open',
  drawing: 'on_sale',
  admitting: 'on_sale',
  on_sale: 'on_sale',
  paused: 'paused',
  sold_out: 'sold_out',
  ended: 'sales_closed',
  completed: 'sales_closed',
  postponed: 'postponed',
  cancelled: 'cancelled',
};

export function availabilityOf(row: EventRow, phase: SalePhase): EventSummary['availability'] {
  return {
    state: AVAILABILITY[phase],
    remaining: row.available_seats + row.ga_remaining,
    capacity: row.total_seats + row.ga_capacity,
    queueOpensAt: row.onsale_mode === 'queue' ? (row.prequeue_opens_at ?? row.sale_starts_at) : null,
    onSaleAt: row.sale_starts_at,
  };
}

function reasonsFor(row: EventRow, profile: Profile | null, fromHome: boolean): string[] {
  if (!profile) return [];
  const reasons: string[] = [];
  const matched = row.categories.filter((c) => profile.interests.includes(c));
  if (matched.length > 0) reasons.push(`matches: ${matched.join(', ')}`);
  if (fromHome && row.distance_km !== null && row.distance_km <= SUGGEST_RADIUS_KM) {
    reasons.push(row.distance_km < 1 ? `${Math.round(row.distance_km * 1000)} m` : `${Math.round(row.distance_km)} km`);
  }
  for (const need of profile.accessibilityNeeds) {
    if (row.venue_accessibility.includes(need)) reasons.push(ACCESSIBILITY_LABELS[need] ?? need);
  }
  if (profile.budgetCents !== null && row.min_price !== null && row.min_price <= profile.budgetCents)
    reasons.push('within budget');
  return reasons;
}

function summarize(
  row: EventRow,
  now: Date,
  profile: Profile | null,
  fromHome: boolean,
  room: RoomFacts | null | undefined,
): EventSummary {
  const phase = salePhase({ ...phaseInput(row, now), room });
  return {
    id: row.id,
    title: row.title,
    categories: row.categories,
    performers: row.performers,
    status: row.status,
    phase,
    startsAt: {
      utc: row.starts_utc,
      local: `${row.starts_local}${offset(row.offset_minutes)}`,
      timeZone: row.time_zone,
    },
    price:
      row.min_price !== null && row.max_price !== null && row.currency
        ? { min: row.min_price, max: row.max_price, currency: row.currency }
        : null,
    availability: availabilityOf(row, phase),
    venue: {
      id: row.venue_id,
      name: row.venue_name,
      city: row.venue_city,
      country: row.venue_country,
      lat: row.latitude,
      lng: row.longitude,
      distanceKm: row.distance_km === null ? null : round3(row.distance_km),
    },
    accessibility: row.venue_accessibility,
    transit: row.transit,
    reasons: reasonsFor(row, profile, fromHome),
    image: row.image ? pictureView(row.image) : null,
  };
}

/** An account's home as a point, when it gave one. */
function homeOf(row: Pick<repo.ProfileRow, 'home_lat' | 'home_lng'>): Point | null {
  return row.home_lat !== null && row.home_lng !== null ? { lat: row.home_lat, lng: row.home_lng } : null;
}

/**
 * Rendered once a second per node while fans load the page; built to the schema's type from
 * typed rows, so not parsed again (checking 14,000 UUIDs of a 7,000-seat map was a third of
 * the render's cost).
 */
function renderSeatMap(seats: repo.SeatRow[]): RenderedSeatMap {
  const json = Buffer.from(JSON.stringify(seatMap(seats)));
  return { json, digest: createHash('sha256').update(json).digest('base64url') };
}

function seatMap(seats: repo.SeatRow[]): SeatMap {
  const sections: SeatMap['sections'] = [];
  for (const s of seats) {
    let section = sections.at(-1);
    if (section?.name !== s.section) sections.push((section = { name: s.section, rows: [] }));
    let row = section.rows.at(-1);
    if (row?.row !== s.row) section.rows.push((row = { row: s.row, seats: [] }));
    row.seats.push({ id: s.id, number: s.number, status: s.status, accessible: s.accessible, tierId: s.tier_id });
  }
  return { sections };
}
