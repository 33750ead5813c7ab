import type { Principal } from '../auth/principal.js';
import { findEvent } from '../catalog/catalog.repository.js';
import { catalogErrors } from '../catalog/catalog.errors.js';
import { assertEventOrganizer } from '../catalog/guards.js';
import type { Db } from '../db/types.js';
import { unsoldCount } from '../sales/inventory.repository.js';
import { findOnsale } from '../sales/onsale.repository.js';
import { Reply } from '../http/route.js';
import { waitlistErrors } from './waitlist.errors.js';
import * as repo from './waitlist.repository.js';
import type { MyEntryView, OrganizerListView } from './waitlist.schemas.js';

/**
 * A sold-out sale's ordered waitlist (issue #19, part 2). Fans join once the sale has nothing
 * left to hold; each place that comes back is offered to the next fan in line as a hold of
 * OFFER_TTL_SECONDS (src/waitlist/waitlist.repository.ts, offerReturnedPlaces), bought through
 * the ordinary checkout. While anyone waits, returned places go to the line, not back on sale.
 */
export class WaitlistService {
  constructor(private readonly db: Db) {}

  async join(userId: string, eventId: string): Promise<Reply<MyEntryView>> {
    const event = await findEvent(this.db, eventId);
    if (!event || event.status === 'draft') throw catalogErrors.eventNotFound();
    const existing = await repo.findEntry(this.db, eventId, userId);
    if (existing) return new Reply(200, await this.view(eventId, existing));
    const sale = await findOnsale(this.db, eventId);
    const now = Date.now();
    if (
      !sale ||
      sale.state !== 'scheduled' ||
      !['on_sale', 'sold_out', 'scheduled'].includes(event.status) ||
      sale.saleStartsAt.getTime() > now ||
      (sale.saleEndsAt !== null && sale.saleEndsAt.getTime() <= now)
    )
      throw waitlistErrors.saleNotOn();
    if ((await unsoldCount(this.db, eventId)) > 0) throw waitlistErrors.notSoldOut();
    const { created } = await repo.joinWaitlist(this.db, eventId, userId);
    const entry = (await repo.findEntry(this.db, eventId, userId))!;
    return new Reply(created ? 201 : 200, await this.view(eventId, entry));
  }

  async mine(userId: string, eventId: string): Promise<MyEntryView> {
    const entry = await repo.findEntry(this.db, eventId, userId);
    if (!entry) throw waitlistErrors.notInLine();
    return this.view(eventId, entry);
  }

  /** Leaves the line. Leaving again answers the same; an offer already made is the hold's to end. */
  async leave(userId: string, eventId: string): Promise<MyEntryView> {
    const entry = await repo.findEntry(this.db, eventId, userId);
    if (!entry) throw waitlistErrors.notInLine();
    await repo.leaveWaitlist(this.db, eventId, userId);
    return this.view(eventId, (await repo.findEntry(this.db, eventId, userId))!);
  }

  async list(
    principal: Principal,
    eventId: string,
    page: { after: number; limit: number },
  ): Promise<OrganizerListView> {
    const event = await findEvent(this.db, eventId);
    if (!event) throw catalogErrors.eventNotFound();
    assertEventOrganizer(principal, event);
    const { counts, entries } = await repo.listWaitlist(this.db, eventId, {
      afterSeq: page.after,
      limit: page.limit,
    });
    return {
      eventId,
      counts,
      entries: entries.map((e) => ({
        seq: e.seq,
        email: e.email,
        state: e.state,
        position: e.position,
        holdId: e.holdId,
        offerExpiresAt: e.offerExpiresAt?.toISOString() ?? null,
        joinedAt: e.joinedAt.toISOString(),
      })),
      nextAfter: entries.length === page.limit ? entries[entries.length - 1]!.seq : null,
    };
  }

  private async view(eventId: string, entry: repo.EntryView): Promise<MyEntryView> {
    return {
      eventId,
      state: entry.state,
      position: entry.position,
      waiting: await repo.waitingCount(this.db, eventId),
      holdId: entry.holdId,
      offerExpiresAt: entry.state === 'offered' ? (entry.offerExpiresAt?.toISOString() ?? null) : null,
      joinedAt: entry.joinedAt.toISOString(),
    };
  }
}
