import type { z } from 'zod';
import type { Principal } from '../auth/principal.js';
import { catalogErrors } from '../catalog/catalog.errors.js';
import * as catalog from '../catalog/catalog.repository.js';
import { assertEventOrganizer, canSeeEvent } from '../catalog/guards.js';
import type { Db } from '../db/types.js';
import { notFound } from '../shared/errors.js';
import * as repo from './onsale.repository.js';
import type { onsale, OnsaleInput } from './onsale.schemas.js';

type OnsaleView = z.input<typeof onsale>;

export function presentOnsale(row: repo.OnsaleRow): OnsaleView {
  return {
    eventId: row.eventId,
    mode: row.mode,
    prequeueOpensAt: row.prequeueOpensAt?.toISOString() ?? null,
    saleStartsAt: row.saleStartsAt.toISOString(),
    saleEndsAt: row.saleEndsAt?.toISOString() ?? null,
    admitPerMinute: row.admitPerMinute,
    batchSize: row.batchSize,
    tickSeconds: row.tickSeconds,
    purchaseTokenTtlSeconds: row.purchaseTokenTtlSeconds,
    holdTtlSeconds: row.holdTtlSeconds,
    perAccountLimit: row.perAccountLimit,
    powDifficulty: row.powDifficulty,
    requireVerifiedEmail: row.requireVerifiedEmail,
    state: row.state,
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Fans can see an on-sale from the moment its pre-queue (or, in open mode, the sale) opens. */
const publicFrom = (s: { prequeueOpensAt: Date | null; saleStartsAt: Date }) => s.prequeueOpensAt ?? s.saleStartsAt;

/** The part of the settings an audit row records (timestamps as ISO strings, so the JSON is stable). */
function auditable(view: OnsaleView): Record<string, unknown> {
  const { updatedAt: _u, eventId: _e, ...rest } = view;
  return rest;
}

/** Told after an on-sale changed and committed (the waiting room opens a room whose time has come). */
export interface OnsaleHooks {
  changed?(eventId: string): Promise<void>;
}

export class OnsaleService {
  constructor(
    private readonly db: Db,
    private readonly hooks: OnsaleHooks = {},
  ) {}

  /**
   * Creates or replaces an event's on-sale settings. Once fans could see the on-sale (its
   * pre-queue opened), every change also writes an audit row with the settings before and after.
   */
  async put(principal: Principal, eventId: string, input: OnsaleInput, now = new Date()): Promise<OnsaleView> {
    const view = await this.db.transaction(async (tx) => {
      // Locking the event row serialises concurrent PUTs, so each audit row's "before" is exact.
      const event = await catalog.findEvent(tx, eventId, { forUpdate: true });
      if (!event) throw catalogErrors.eventNotFound();
      assertEventOrganizer(principal, event);
      if (event.status === 'cancelled' || event.status === 'completed') throw catalogErrors.eventClosed(event.status);
      if (input.saleStartsAt >= event.startsAt) {
        throw catalogErrors.invalid([
          { in: 'body', field: 'saleStartsAt', code: 'custom', message: 'must be before the event starts' },
        ]);
      }
      const before = await repo.findOnsale(tx, eventId);
      const row = await repo.upsertOnsale(tx, {
        eventId,
        mode: input.mode,
        prequeueOpensAt: input.prequeueOpensAt,
        saleStartsAt: input.saleStartsAt,
        saleEndsAt: input.saleEndsAt,
        admitPerMinute: input.admitPerMinute ?? null,
        batchSize: input.batchSize ?? null,
        tickSeconds: input.tickSeconds ?? null,
        purchaseTokenTtlSeconds: input.purchaseTokenTtlSeconds,
        holdTtlSeconds: input.holdTtlSeconds,
        perAccountLimit: input.perAccountLimit,
        powDifficulty: input.powDifficulty,
        requireVerifiedEmail: input.requireVerifiedEmail ?? input.mode === 'queue',
        state: input.state,
        updatedBy: principal.userId,
      });
      const visible = (before && now >= publicFrom(before)) || now >= publicFrom(row);
      if (visible) {
        await repo.insertAudit(tx, {
          eventId,
          actorId: principal.userId,
          action: 'settings.updated',
          before: before ? auditable(presentOnsale(before)) : null,
          after: auditable(presentOnsale(row)),
        });
      }
      return presentOnsale(row);
    });
    // After the commit, and not fatal: the admission scheduler does the same on its next tick.
    await this.hooks.changed?.(eventId).catch(() => undefined);
    return view;
  }

  async get(principal: Principal | null, eventId: string): Promise<OnsaleView> {
    const event = await catalog.findEvent(this.db, eventId);
    if (!event || !canSeeEvent(principal, event)) throw catalogErrors.eventNotFound();
    const row = await repo.findOnsale(this.db, eventId);
    if (!row) throw notFound('sales.onsale_not_found', 'This event has no on-sale yet.');
    return presentOnsale(row);
  }
}
