import type { z } from 'zod';
import type { Principal } from '../auth/principal.js';
import type { Db } from '../db/types.js';
import { isForeignKeyViolation } from '../db/errors.js';
import * as inventory from '../sales/inventory.repository.js';
import { onsaleOfRow, readRoom, salePhase, type PhaseInput, type RoomFacts, type RoomReader } from '../sales/phase.js';
import { catalogErrors } from './catalog.errors.js';
import { allDescriptions, mergeDescriptions } from './descriptions.js';
import * as repo from './catalog.repository.js';
import type {
  consoleEvents,
  consoleEventsQuery,
  consoleQuery,
  consoleVenues,
  event,
  eventBody,
  eventPatch,
  LayoutInput,
  seatMap,
  tier,
  tierBody,
  tierPatch,
  venue,
  venueBody,
  venuePatch,
} from './catalog.schemas.js';
import type { EventStatus } from './vocabulary.js';
import { findConsoleEvent, listConsoleEvents, listConsoleVenues, type ConsoleEventRow } from './console.repository.js';
import { assertEventOrganizer, assertVenueOfOrganizer, canSeeEvent } from './guards.js';
import { expandBlock, LayoutError, MAX_SEATS_PER_LAYOUT, parseLayoutString, type SeatSpec } from './layout.js';

type Venue = z.input<typeof venue>;
type EventView = z.input<typeof event>;
type Tier = z.input<typeof tier>;
type ConsoleEvent = z.input<typeof consoleEvents>['events'][number];
type NewEvent = Omit<z.output<typeof eventBody>, 'descriptions'> &
  Partial<Pick<z.output<typeof eventBody>, 'descriptions'>>;

/**
 * Where an event may go next. Cancelled and completed are final: refunds and check-ins hang
 * off them. Everything else can still be cancelled.
 */
const NEXT_STATUS: Record<EventStatus, readonly EventStatus[]> = {
  draft: ['scheduled', 'cancelled'],
  scheduled: ['on_sale', 'postponed', 'cancelled', 'completed'],
  on_sale: ['sold_out', 'scheduled', 'postponed', 'cancelled', 'completed'],
  sold_out: ['on_sale', 'postponed', 'cancelled', 'completed'],
  postponed: ['scheduled', 'on_sale', 'cancelled'],
  cancelled: [],
  completed: [],
};
const CLOSED: readonly EventStatus[] = ['cancelled', 'completed'];

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function presentVenue(row: repo.VenueRow): Venue {
  const { createdAt: _c, updatedAt: _u, ...rest } = row;
  return rest;
}

function presentTier(row: repo.TierWithStock): Tier {
  const { createdAt: _c, ...rest } = row;
  return { ...rest, totalCents: row.priceCents + row.feeCents };
}

export class CatalogService {
  constructor(
    private readonly db: Db,
    /** The waiting rooms, for the phase of a queue sale under way (src/sales/phase.ts). */
    private readonly rooms?: RoomReader,
  ) {}

  async createVenue(principal: Principal, body: z.output<typeof venueBody>): Promise<Venue> {
    return presentVenue(await repo.insertVenue(this.db, { ...body, ownerId: principal.userId }));
  }

  async updateVenue(principal: Principal, id: string, patch: z.output<typeof venuePatch>): Promise<Venue> {
    const existing = await repo.findVenue(this.db, id);
    if (!existing) throw catalogErrors.venueNotFound();
    if (existing.ownerId !== principal.userId && !principal.roles.includes('admin'))
      throw catalogErrors.notVenueOwner();
    const row = await repo.updateVenue(this.db, id, patch);
    return presentVenue(row!);
  }

  async getVenue(id: string): Promise<Venue> {
    const row = await repo.findVenue(this.db, id);
    if (!row) throw catalogErrors.venueNotFound();
    return presentVenue(row);
  }

  /** `descriptions` may be left out by callers other than the API (seeds, benchmarks): English only. */
  async createEvent(principal: Principal, body: NewEvent): Promise<EventView> {
    const { policies, descriptions = {}, ...fields } = body;
    await this.usableVenue(this.db, principal, principal.userId, body.venueId);
    try {
      const row = await repo.insertEvent(this.db, {
        ...fields,
        ...policies,
        descriptions: mergeDescriptions({}, descriptions),
        organizerId: principal.userId,
      });
      return this.present(row);
    } catch (err) {
      if (isForeignKeyViolation(err, 'events_venue_id_venues_id_fk')) throw unknownVenue();
      throw err;
    }
  }

  async updateEvent(principal: Principal, id: string, patch: z.output<typeof eventPatch>): Promise<EventView> {
    const row = await this.db.transaction(async (tx) => {
      const current = await this.ownedEvent(tx, principal, id);
      if (patch.status && patch.status !== current.status && !NEXT_STATUS[current.status].includes(patch.status)) {
        throw catalogErrors.badStatusChange(current.status, patch.status);
      }
      if (CLOSED.includes(current.status) && Object.keys(patch).length > 0)
        throw catalogErrors.eventClosed(current.status);
      // "Completed" ends refunds, cancellation and transfers: it cannot come before the show.
      if (patch.status === 'completed' && current.status !== 'completed' && current.startsAt.getTime() > Date.now())
        throw catalogErrors.completedTooEarly();
      if (current.status !== 'draft') assertKeepsPromises(current, patch);
      if (patch.venueId !== undefined && patch.venueId !== current.venueId)
        await this.usableVenue(tx, principal, current.organizerId, patch.venueId);
      const startsAt = patch.startsAt ?? current.startsAt;
      const doorsAt = patch.doorsAt === undefined ? current.doorsAt : patch.doorsAt;
      const endsAt = patch.endsAt === undefined ? current.endsAt : patch.endsAt;
      const errors = [
        ...(doorsAt && doorsAt > startsAt
          ? [{ in: 'body' as const, field: 'doorsAt', code: 'custom', message: 'must not be after startsAt' }]
          : []),
        ...(endsAt && endsAt <= startsAt
          ? [{ in: 'body' as const, field: 'endsAt', code: 'custom', message: 'must be after startsAt' }]
          : []),
      ];
      if (errors.length > 0) throw catalogErrors.invalid(errors);
      const { policies, descriptions, ...fields } = patch;
      try {
        return await repo.updateEvent(tx, id, {
          ...fields,
          ...policies,
          ...(descriptions ? { descriptions: mergeDescriptions(current.descriptions, descriptions) } : {}),
        });
      } catch (err) {
        if (isForeignKeyViolation(err, 'events_venue_id_venues_id_fk')) throw unknownVenue();
        throw err;
      }
    });
    return this.present(row!);
  }

  async getEvent(principal: Principal | null, id: string): Promise<EventView> {
    const row = await repo.findEvent(this.db, id);
    if (!row || !canSeeEvent(principal, row)) throw catalogErrors.eventNotFound();
    return this.present(row);
  }

  async createTier(principal: Principal, eventId: string, body: z.output<typeof tierBody>): Promise<Tier> {
    return this.db.transaction(async (tx) => {
      await this.openEvent(tx, principal, eventId);
      const currency = await repo.eventCurrency(tx, eventId);
      if (currency && currency !== body.currency) throw catalogErrors.currencyMismatch(currency);
      const { capacity, ...fields } = body;
      const row = await repo.insertTier(tx, { ...fields, eventId });
      if (row.kind === 'ga')
        await inventory.insertGaInventory(tx, { tierId: row.id, eventId, capacity: capacity ?? 0 });
      return this.tierView(tx, eventId, row.id);
    });
  }

  async updateTier(
    principal: Principal,
    eventId: string,
    tierId: string,
    patch: z.output<typeof tierPatch>,
  ): Promise<Tier> {
    return this.db.transaction(async (tx) => {
      await this.openEvent(tx, principal, eventId);
      const existing = await repo.findTier(tx, eventId, tierId);
      if (!existing) throw catalogErrors.tierNotFound();
      const { capacity, ...fields } = patch;
      if (capacity !== undefined) {
        if (existing.kind !== 'ga') throw catalogErrors.wrongTierKind('capacity', 'ga');
        await inventory.setGaCapacity(tx, tierId, capacity);
      }
      if (Object.keys(fields).length > 0) await repo.updateTier(tx, tierId, fields);
      return this.tierView(tx, eventId, tierId);
    });
  }

  async listTiers(principal: Principal | null, eventId: string): Promise<Tier[]> {
    await this.visibleEvent(principal, eventId);
    return (await repo.listTiersWithStock(this.db, eventId)).map(presentTier);
  }

  /** Adds the seats of one or more layout blocks, all or none. */
  async addSeats(principal: Principal, eventId: string, input: LayoutInput): Promise<{ created: number }> {
    const blocks = input.blocks.map((block, i) => {
      const field = `blocks.${i}`;
      try {
        const shape = 'layout' in block ? parseLayoutString(block.layout, `${field}.layout`) : block;
        return { tierId: block.tierId, field, specs: expandBlock({ ...shape, accessible: block.accessible }, field) };
      } catch (err) {
        if (err instanceof LayoutError)
          throw catalogErrors.invalid([{ in: 'body', field: err.field, code: 'layout', message: err.message }]);
        throw err;
      }
    });
    const total = blocks.reduce((n, b) => n + b.specs.length, 0);
    if (total > MAX_SEATS_PER_LAYOUT) {
      throw catalogErrors.invalid([
        { in: 'body', field: 'blocks', code: 'too_big', message: `at most ${MAX_SEATS_PER_LAYOUT} seats per request` },
      ]);
    }
    return this.db.transaction(async (tx) => {
      await this.openEvent(tx, principal, eventId);
      let created = 0;
      for (const block of blocks) {
        const tierRow = await repo.findTier(tx, eventId, block.tierId);
        if (!tierRow)
          throw catalogErrors.invalid([
            {
              in: 'body',
              field: `${block.field}.tierId`,
              code: 'unknown_tier',
              message: 'is not a tier of this event',
            },
          ]);
        if (tierRow.kind !== 'reserved') throw catalogErrors.wrongTierKind(`${block.field}.tierId`, 'reserved');
        created += await inventory.insertSeats(tx, eventId, block.tierId, block.specs satisfies SeatSpec[]);
      }
      return { created };
    });
  }

  async seatMap(principal: Principal | null, eventId: string, tierId?: string): Promise<z.input<typeof seatMap>> {
    await this.visibleEvent(principal, eventId);
    return { seats: await inventory.seatMap(this.db, eventId, tierId) };
  }

  /**
   * The console's "my events", drafts included, with stock and on-sale. An admin sees their
   * own like anyone else (an admin who organizes wants their console uncluttered) and asks for
   * `scope=all` to see every organizer's.
   */
  async consoleEvents(
    principal: Principal,
    query: z.output<typeof consoleEventsQuery>,
  ): Promise<z.input<typeof consoleEvents>> {
    const { rows, total } = await listConsoleEvents(this.db, {
      organizerId: this.consoleOwner(principal, query.scope),
      q: query.q,
      status: query.status,
      from: query.from,
      to: query.to,
      sort: query.sort,
      limit: query.limit,
      offset: (query.page - 1) * query.limit,
    });
    return { events: await this.presentConsoleEvents(rows), total, page: query.page, limit: query.limit };
  }

  /**
   * One event as the console lists it, with its whole on-sale window (null when there is none
   * yet): what the console reads when an event is selected. Its organizer or an admin only.
   */
  async consoleEvent(principal: Principal, eventId: string): Promise<ConsoleEvent> {
    const row = await findConsoleEvent(this.db, eventId);
    if (!row || !canSeeEvent(principal, { organizerId: row.organizer_id, status: row.status }))
      throw catalogErrors.eventNotFound();
    assertEventOrganizer(principal, { organizerId: row.organizer_id });
    return (await this.presentConsoleEvents([row]))[0]!;
  }

  private async presentConsoleEvents(rows: ConsoleEventRow[]): Promise<ConsoleEvent[]> {
    const now = new Date();
    // Only the queue sales under way read their room: a handful, however long the list.
    const rooms = await Promise.all(rows.map((row) => readRoom(this.rooms, row.id, consolePhaseInput(row, now))));
    return rows.map((row, i) => presentConsoleEvent(row, now, rooms[i]));
  }

  /** The venues the caller created (or, for an admin with `scope=all`, every venue), for the console's forms. */
  async consoleVenues(
    principal: Principal,
    query: z.output<typeof consoleQuery>,
  ): Promise<z.input<typeof consoleVenues>> {
    const rows = await listConsoleVenues(this.db, this.consoleOwner(principal, query.scope));
    return { venues: rows.slice(0, query.limit).map(presentVenue) };
  }

  private consoleOwner(principal: Principal, scope: 'mine' | 'all'): string | null {
    if (scope === 'mine') return principal.userId;
    if (!principal.roles.includes('admin')) throw catalogErrors.adminScopeOnly();
    return null;
  }

  private async visibleEvent(principal: Principal | null, eventId: string): Promise<repo.EventRow> {
    const row = await repo.findEvent(this.db, eventId);
    if (!row || !canSeeEvent(principal, row)) throw catalogErrors.eventNotFound();
    return row;
  }

  /** The event, locked for this transaction, after checking the caller organizes it. */
  private async ownedEvent(tx: Db, principal: Principal, eventId: string): Promise<repo.EventRow> {
    const row = await repo.findEvent(tx, eventId, { forUpdate: true });
    if (!row) throw catalogErrors.eventNotFound();
    assertEventOrganizer(principal, row);
    return row;
  }

  private async openEvent(tx: Db, principal: Principal, eventId: string): Promise<repo.EventRow> {
    const row = await this.ownedEvent(tx, principal, eventId);
    if (CLOSED.includes(row.status)) throw catalogErrors.eventClosed(row.status);
    return row;
  }

  /** The venue exists and belongs to the event's organizer (or the caller is an admin). */
  private async usableVenue(db: Db, principal: Principal, organizerId: string, venueId: string): Promise<void> {
    const venueRow = await repo.findVenue(db, venueId);
    if (!venueRow) throw unknownVenue();
    assertVenueOfOrganizer(principal, venueRow, organizerId);
  }

  private async tierView(db: Db, eventId: string, tierId: string): Promise<Tier> {
    const tiers = await repo.listTiersWithStock(db, eventId);
    return presentTier(tiers.find((t) => t.id === tierId)!);
  }

  private async present(row: repo.EventRow): Promise<EventView> {
    const [venueRow, tiers] = await Promise.all([
      repo.findVenue(this.db, row.venueId),
      repo.listTiersWithStock(this.db, row.id),
    ]);
    return {
      id: row.id,
      organizerId: row.organizerId,
      venue: presentVenue(venueRow!),
      title: row.title,
      description: row.description,
      descriptions: allDescriptions(row.descriptions),
      categories: row.categories,
      performers: row.performers,
      startsAt: row.startsAt.toISOString(),
      doorsAt: iso(row.doorsAt),
      endsAt: iso(row.endsAt),
      status: row.status,
      policies: {
        refundableUntil: iso(row.refundableUntil),
        transfersAllowed: row.transfersAllowed,
        perAccountLimit: row.perAccountLimit,
      },
      tiers: tiers.map(presentTier),
    };
  }
}

function consolePhaseInput(row: ConsoleEventRow, now: Date): Omit<PhaseInput, 'room'> {
  return {
    event: { status: row.status, startsAt: row.starts_utc },
    onsale: onsaleOfRow(row),
    stock: { remaining: row.capacity - row.held - row.sold, capacity: row.capacity },
    now,
  };
}

function presentConsoleEvent(row: ConsoleEventRow, now: Date, room: RoomFacts | null | undefined): ConsoleEvent {
  return {
    id: row.id,
    organizerId: row.organizer_id,
    title: row.title,
    status: row.status as EventStatus,
    phase: salePhase({ ...consolePhaseInput(row, now), room }),
    startsAt: row.starts_utc,
    venue: { id: row.venue_id, name: row.venue_name, city: row.venue_city, timeZone: row.time_zone },
    tiers: row.tier_count,
    capacity: row.capacity,
    held: row.held,
    sold: row.sold,
    remaining: row.capacity - row.held - row.sold,
    onsale:
      row.onsale_mode && row.onsale_state && row.sale_starts_at
        ? {
            mode: row.onsale_mode,
            state: row.onsale_state,
            prequeueOpensAt: row.prequeue_opens_at,
            saleStartsAt: row.sale_starts_at,
            saleEndsAt: row.sale_ends_at,
            admitPerMinute: row.admit_per_minute,
            purchaseTokenTtlSeconds: row.purchase_token_ttl_seconds!,
            holdTtlSeconds: row.hold_ttl_seconds!,
            perAccountLimit: row.onsale_per_account_limit,
            requireVerifiedEmail: row.require_verified_email!,
          }
        : null,
  };
}

const sameInstant = (a: Date | null, b: Date | null) => (a?.getTime() ?? null) === (b?.getTime() ?? null);

/**
 * What fans of a published event bought under stays as they saw it unless they are told: its
 * start, doors and venue move through POST …/changes or …/postpone (which announce it and, for
 * a postponement, reopen refunds), and its refund deadline can only be extended. A form that
 * sends the unchanged values back is not a change.
 */
function assertKeepsPromises(current: repo.EventRow, patch: z.output<typeof eventPatch>): void {
  const moved = [
    patch.startsAt !== undefined && !sameInstant(patch.startsAt, current.startsAt) ? 'startsAt' : null,
    patch.doorsAt !== undefined && !sameInstant(patch.doorsAt, current.doorsAt) ? 'doorsAt' : null,
    patch.venueId !== undefined && patch.venueId !== current.venueId ? 'venueId' : null,
  ].filter((field): field is string => field !== null);
  if (moved.length > 0) throw catalogErrors.announceChanges(moved);
  const until = patch.policies?.refundableUntil;
  if (until === undefined || current.refundableUntil === null) return;
  if (until === null || until.getTime() < current.refundableUntil.getTime())
    throw catalogErrors.refundDeadlineShortened();
}

function unknownVenue() {
  return catalogErrors.invalid([
    { in: 'body', field: 'venueId', code: 'unknown_venue', message: 'is not a known venue' },
  ]);
}
