import { findUserById } from '../auth/auth.repository.js';
import type { Principal } from '../auth/principal.js';
import { findEvent } from '../catalog/catalog.repository.js';
import { isCheckedIn } from '../checkin/checkin.repository.js';
import type { Db } from '../db/types.js';
import type { Logger } from '../logger.js';
import { say } from '../notifications/notice-message.js';
import { notify } from '../notifications/notifications.repository.js';
import { queueDevicePushes, turnMailAllowed } from '../notifications/turn-notices.repository.js';
import { findOrder, itemsOfOrder } from '../orders/orders.repository.js';
import type { PlatformSigner } from '../shared/signing.js';
import { ticketSettings } from '../tickets/ticket-settings.repository.js';
import { ticketsOfOrder } from '../tickets/tickets.repository.js';
import { lockTicket, markListed, pendingOfferTicketIds } from '../tickets/transfers.repository.js';
import { appendTimeline } from '../timeline/timeline.repository.js';
import { nextInLine } from '../waitlist/waitlist.repository.js';
import { resaleErrors } from './resale.errors.js';
import { lowestPrice, priceCap, RESALE_FEE_PERCENT, RESALE_OFFER_SECONDS, resaleFee } from './resale.policy.js';
import * as repo from './resale.repository.js';
import type { ListingForSale, ListingRow } from './resale.repository.js';
import type { ListingView, QuoteView } from './resale.schemas.js';

export interface ResaleDeps {
  db: Db;
  signer: PlatformSigner;
  publicUrl: string;
  logger: Logger;
}

/** Events whose tickets no longer change hands. */
const CLOSED = new Set(['cancelled', 'completed', 'draft']);

/**
 * Resale at face value (issue #19, part 4): a holder lists a valid ticket for at most what was
 * paid for it (the organizer may lower the cap or turn resale off), waitlisted fans are offered
 * it first, one at a time, then anyone may buy it (ResalePurchases). The seller withdraws it
 * until it is sold. The listing's id on the ticket row blocks transfers and gifts meanwhile.
 */
export class ResaleService {
  constructor(private readonly deps: ResaleDeps) {}

  /** What the holder would get: the cap, the fee, the payout at the cap; and why not, if it cannot be listed. */
  async quote(principal: Principal, ticketId: string): Promise<QuoteView> {
    const { db } = this.deps;
    // Outside a transaction the row lock lasts the one statement: a plain read.
    const ticket = await lockTicket(db, ticketId);
    if (!ticket || ticket.holderId !== principal.userId) throw resaleErrors.ticketNotFound();
    const face = await this.faceValue(db, ticket.orderId, ticketId);
    const settings = await ticketSettings(db, ticket.eventId);
    const cap = priceCap(face.cents, settings.resaleCapPercent);
    let refusal: string | null = null;
    try {
      await this.assertListable(db, ticket);
    } catch (err) {
      refusal = (err as { code?: string }).code ?? 'resale.not_allowed';
    }
    const live = ticket.resaleListingId ? await repo.findListing(db, ticket.resaleListingId) : undefined;
    return {
      ticketId,
      eventId: ticket.eventId,
      listable: refusal === null,
      refusal,
      faceValueCents: face.cents,
      capPercent: settings.resaleCapPercent,
      maxPriceCents: cap,
      minPriceCents: lowestPrice(),
      feePercent: RESALE_FEE_PERCENT,
      feeAtMaxCents: resaleFee(cap),
      payoutAtMaxCents: cap - resaleFee(cap),
      currency: face.currency,
      listingId: live?.status === 'listed' ? live.id : null,
    };
  }

  async list(principal: Principal, ticketId: string, priceCents: number): Promise<ListingView> {
    const { db, signer } = this.deps;
    const made = await db.transaction(async (tx) => {
      const ticket = await lockTicket(tx, ticketId);
      if (!ticket || ticket.holderId !== principal.userId) throw resaleErrors.ticketNotFound();
      await this.assertListable(tx, ticket);
      const face = await this.faceValue(tx, ticket.orderId, ticketId);
      const cap = priceCap(face.cents, (await ticketSettings(tx, ticket.eventId)).resaleCapPercent);
      if (priceCents > cap) throw resaleErrors.aboveCap(cap);
      const fee = resaleFee(priceCents);
      if (priceCents - fee <= 0) throw resaleErrors.belowFee(lowestPrice());
      const listing = await repo.insertListing(tx, {
        ticketId,
        eventId: ticket.eventId,
        sellerId: principal.userId,
        orderId: ticket.orderId,
        ticketVersion: ticket.version,
        faceValueCents: face.cents,
        priceCents,
        feeCents: fee,
        currency: face.currency,
      });
      await markListed(tx, ticketId, ticket.version, listing.id);
      await appendTimeline(tx, signer, [
        {
          userId: principal.userId,
          kind: 'ticket.listed',
          subjectType: 'ticket',
          subjectId: ticketId,
          eventId: ticket.eventId,
          actorId: principal.userId,
          data: {
            listingId: listing.id,
            priceCents,
            feeCents: fee,
            payoutCents: priceCents - fee,
            amountCents: priceCents,
            currency: face.currency,
          },
        },
      ]);
      await this.offerNext(tx, listing);
      return listing;
    });
    return this.view(made.id, principal.userId);
  }

  /** The seller takes the listing back: the ticket is theirs to use, transfer or list again. */
  async withdraw(principal: Principal, listingId: string): Promise<ListingView> {
    const { db } = this.deps;
    await db.transaction(async (tx) => {
      const listing = await repo.lockListing(tx, listingId);
      if (!listing || listing.sellerId !== principal.userId) throw resaleErrors.listingNotFound();
      if (listing.status !== 'listed') throw resaleErrors.notListed(listing.status);
      await this.endUnsold(tx, listing, principal.userId, 'withdrawn_by_seller');
    });
    return this.view(listingId, principal.userId);
  }

  /** A waitlisted fan lets the offer go: it passes to the next fan in line at once. */
  async pass(principal: Principal, listingId: string): Promise<ListingView> {
    await this.deps.db.transaction(async (tx) => {
      const listing = await repo.lockListing(tx, listingId);
      if (!listing) throw resaleErrors.listingNotFound();
      const closed = await repo.closeOffer(tx, listingId, 'passed', { userId: principal.userId });
      if (!closed) throw resaleErrors.noOffer();
      if (listing.status === 'listed') await this.offerNext(tx, listing);
    });
    return this.view(listingId, principal.userId);
  }

  /** A listing as the caller sees it (a seller sees their own whatever its state; others a live one). */
  async get(principal: Principal | null, listingId: string): Promise<ListingView> {
    await this.passOnIfLapsed(listingId);
    const found = await repo.listingForSale(this.deps.db, listingId);
    if (!found) throw resaleErrors.listingNotFound();
    const mine = principal?.userId === found.listing.sellerId || principal?.userId === found.listing.buyerId;
    if (!mine && found.listing.status !== 'listed') throw resaleErrors.listingNotFound();
    return present(found, principal?.userId ?? null);
  }

  async ofEvent(principal: Principal | null, eventId: string): Promise<ListingView[]> {
    const event = await findEvent(this.deps.db, eventId);
    if (!event || event.status === 'draft') return [];
    return (await repo.liveListingsOfEvent(this.deps.db, eventId, 200)).map((l) =>
      present(l, principal?.userId ?? null),
    );
  }

  async mine(principal: Principal): Promise<ListingView[]> {
    return (await repo.listingsOfSeller(this.deps.db, principal.userId, 200)).map((l) => present(l, principal.userId));
  }

  /**
   * Passes every lapsed offer on (up to `batch`): the next fan in line is offered the listing, or
   * it opens to anyone. Run by the resale job; a purchase or a read of a listing does it too.
   */
  async passOnLapsedOffers(batch = 200): Promise<number> {
    let passed = 0;
    for (const id of await repo.listingsWithLapsedOffers(this.deps.db, batch)) {
      if (await this.passOnIfLapsed(id)) passed++;
    }
    return passed;
  }

  async passOnIfLapsed(listingId: string): Promise<boolean> {
    const open = await repo.openOfferOf(this.deps.db, listingId);
    if (!open || open.expiresAt.getTime() > Date.now()) return false;
    return this.deps.db.transaction(async (tx) => {
      const listing = await repo.lockListing(tx, listingId);
      if (!listing) return false;
      const lapsed = await repo.closeOffer(tx, listingId, 'lapsed', { onlyExpired: true });
      if (!lapsed) return false;
      if (listing.status === 'listed') await this.offerNext(tx, listing);
      return true;
    });
  }

  /**
   * Ends a live listing that was not sold, in the caller's transaction with the listing locked:
   * the seller withdrew it, or the ticket can no longer be sold (`reason`).
   */
  async endUnsold(tx: Db, listing: ListingRow, actorId: string | null, reason: string): Promise<void> {
    await repo.endListing(tx, listing.id, 'withdrawn', null);
    await repo.closeOffer(tx, listing.id, 'ended');
    const ticket = await lockTicket(tx, listing.ticketId);
    if (ticket?.resaleListingId === listing.id) await markListed(tx, ticket.id, ticket.version, null);
    await appendTimeline(tx, this.deps.signer, [
      {
        userId: listing.sellerId,
        kind: 'ticket.listing_withdrawn',
        subjectType: 'ticket',
        subjectId: listing.ticketId,
        eventId: listing.eventId,
        actorId,
        data: { listingId: listing.id, reason },
      },
    ]);
  }

  /** Offers the listing to the next waitlisted fan not yet offered it, or opens it to anyone. */
  private async offerNext(tx: Db, listing: ListingRow): Promise<void> {
    const skip = [listing.sellerId, ...(await repo.usersNotToOffer(tx, listing.id, listing.eventId))];
    const next = await nextInLine(tx, listing.eventId, skip);
    if (!next) {
      await repo.openListing(tx, listing.id);
      return;
    }
    const offer = await repo.insertOffer(tx, {
      listingId: listing.id,
      userId: next.userId,
      waitlistEntryId: next.entryId,
      expiresAt: new Date(Date.now() + RESALE_OFFER_SECONDS * 1000),
    });
    const event = (await findEvent(tx, listing.eventId))!;
    const fan = await findUserById(tx, next.userId);
    const notice = {
      userId: next.userId,
      kind: 'resale.offered',
      message: {
        title: say('notices:resaleOffered.title', { event: event.title }),
        body: [
          say('notices:resaleOffered.body', { count: RESALE_OFFER_SECONDS / 60 }),
          say('notices:resaleOffered.link', { link: `${this.deps.publicUrl}/resale.html#listing=${listing.id}` }),
        ],
      },
      data: { listingId: listing.id, eventId: listing.eventId, expiresAt: offer.expiresAt.toISOString() },
    };
    // The feed, the open pages and a mail; then the fan's devices, as a waitlist offer of a
    // returned place is (issue #19, part 1: an offer reaches the fan on every channel they allow).
    const email = (await turnMailAllowed(tx, [next.userId])).has(next.userId) ? fan?.email : undefined;
    await notify(tx, [{ ...notice, email, dedupeKey: `resale.offered:${offer.id}` }]);
    await queueDevicePushes(tx, [
      { ...notice, url: `/resale.html#listing=${listing.id}`, tag: `resale-${listing.id}` },
    ]);
  }

  private async assertListable(
    db: Db,
    ticket: { id: string; eventId: string; status: string; resaleListingId: string | null },
  ): Promise<void> {
    if (ticket.status !== 'valid') throw resaleErrors.ticketNotValid(ticket.status);
    if (ticket.resaleListingId) throw resaleErrors.alreadyListed();
    const event = await findEvent(db, ticket.eventId);
    if (!event) throw resaleErrors.ticketNotFound();
    if (CLOSED.has(event.status) || event.startsAt.getTime() <= Date.now())
      throw resaleErrors.eventClosed(CLOSED.has(event.status) ? event.status : 'under way');
    if (!(await ticketSettings(db, ticket.eventId)).resaleEnabled) throw resaleErrors.notAllowed();
    if (await isCheckedIn(db, ticket.id)) throw resaleErrors.ticketUsed();
    if ((await pendingOfferTicketIds(db, [ticket.id])).length > 0) throw resaleErrors.transferPending();
  }

  /** What was paid for the ticket: its order item's all-in price, in the order's currency. */
  private async faceValue(db: Db, orderId: string, ticketId: string): Promise<{ cents: number; currency: string }> {
    const ticket = (await ticketsOfOrder(db, orderId)).find((t) => t.id === ticketId);
    const item = (await itemsOfOrder(db, orderId)).find((i) => i.id === ticket?.orderItemId);
    const order = await findOrder(db, orderId);
    if (!item || !order) throw resaleErrors.ticketNotFound();
    return { cents: item.priceCents, currency: order.currency };
  }

  private async view(listingId: string, viewerId: string): Promise<ListingView> {
    const found = await repo.listingForSale(this.deps.db, listingId);
    return present(found!, viewerId);
  }
}

/** A listing in the API's words; the seller's payout only to the seller. */
export function present(l: ListingForSale, viewerId: string | null): ListingView {
  const seller = viewerId === l.listing.sellerId;
  const offeredToViewer = viewerId !== null && l.offer?.userId === viewerId;
  return {
    id: l.listing.id,
    eventId: l.listing.eventId,
    ticketId: seller ? l.listing.ticketId : null,
    tierName: l.tierName,
    seat: l.seat,
    priceCents: l.listing.priceCents,
    currency: l.listing.currency,
    status: l.listing.status,
    mine: seller,
    bought: viewerId !== null && viewerId === l.listing.buyerId,
    feeCents: seller ? l.listing.feeCents : null,
    payoutCents: seller ? l.listing.priceCents - l.listing.feeCents : null,
    openToAll: l.listing.openAt !== null,
    offeredToYou: offeredToViewer,
    offerExpiresAt: offeredToViewer || seller ? (l.offer?.expiresAt.toISOString() ?? null) : null,
    waitlistOfferUntil: l.offer && !offeredToViewer ? l.offer.expiresAt.toISOString() : null,
    createdAt: l.listing.createdAt.toISOString(),
    endedAt: l.listing.endedAt?.toISOString() ?? null,
  };
}
