import { and, asc, desc, eq, inArray, lte, sql } from 'drizzle-orm';
import { events, priceTiers } from '../catalog/catalog.joinable.js';
import type { Db } from '../db/types.js';
import { isUniqueViolation } from '../db/errors.js';
import { seats } from '../sales/sales.joinable.js';
import { tickets } from '../tickets/tickets.joinable.js';
import { resaleErrors } from './resale.errors.js';
import {
  resaleListings,
  resaleOffers,
  resalePayouts,
  resalePurchases,
  type ListingStatus,
  type OfferStatus,
  type PurchaseStatus,
} from './resale.table.js';

export type ListingRow = typeof resaleListings.$inferSelect;
export type OfferRow = typeof resaleOffers.$inferSelect;
export type PurchaseRow = typeof resalePurchases.$inferSelect;

export async function insertListing(tx: Db, values: typeof resaleListings.$inferInsert): Promise<ListingRow> {
  try {
    const [row] = await tx.insert(resaleListings).values(values).returning();
    return row!;
  } catch (err) {
    if (isUniqueViolation(err, 'resale_listings_live_ticket_unique')) throw resaleErrors.alreadyListed();
    throw err;
  }
}

export async function findListing(db: Db, id: string): Promise<ListingRow | undefined> {
  const [row] = await db.select().from(resaleListings).where(eq(resaleListings.id, id));
  return row;
}

/** The listing row, locked: a purchase, a withdrawal and an offer's passing take turns on it. */
export async function lockListing(tx: Db, id: string): Promise<ListingRow | undefined> {
  const [row] = await tx.select().from(resaleListings).where(eq(resaleListings.id, id)).for('update');
  return row;
}

/** Ends a live listing (sold to `buyerId`, or withdrawn); null when it was not live any more. */
export async function endListing(
  tx: Db,
  id: string,
  status: Exclude<ListingStatus, 'listed'>,
  buyerId: string | null,
): Promise<ListingRow | null> {
  const [row] = await tx
    .update(resaleListings)
    .set({ status, buyerId, endedAt: sql`now()` })
    .where(and(eq(resaleListings.id, id), eq(resaleListings.status, 'listed')))
    .returning();
  return row ?? null;
}

/** Opens a listing to anyone (its waitlist offers are done). */
export async function openListing(tx: Db, id: string): Promise<void> {
  await tx
    .update(resaleListings)
    .set({ openAt: sql`now()` })
    .where(and(eq(resaleListings.id, id), sql`${resaleListings.openAt} is null`));
}

/** A listing as a buyer sees it: the ticket's tier and seat, and the open waitlist offer if any. */
export interface ListingForSale {
  listing: ListingRow;
  tierName: string;
  seat: { section: string; row: string; number: number } | null;
  offer: { userId: string; expiresAt: Date } | null;
}

const openOffer = sql`(select jsonb_build_object('userId', o.user_id, 'expiresAt', o.expires_at)
  from resale_offers o where o.listing_id = ${resaleListings.id} and o.status = 'open')`;

async function forSale(db: Db, where: ReturnType<typeof and>, limit: number): Promise<ListingForSale[]> {
  const rows = await db
    .select({
      listing: resaleListings,
      tierName: priceTiers.name,
      section: seats.section,
      row: seats.row,
      number: seats.number,
      offer: sql<{ userId: string; expiresAt: string } | null>`${openOffer}`,
    })
    .from(resaleListings)
    .innerJoin(tickets, eq(tickets.id, resaleListings.ticketId))
    .innerJoin(priceTiers, eq(priceTiers.id, tickets.tierId))
    .leftJoin(seats, eq(seats.id, tickets.seatId))
    .where(where)
    .orderBy(asc(resaleListings.createdAt), asc(resaleListings.id))
    .limit(limit);
  return rows.map((r) => ({
    listing: r.listing,
    tierName: r.tierName,
    seat:
      r.section !== null && r.row !== null && r.number !== null
        ? { section: r.section, row: r.row, number: r.number }
        : null,
    offer: r.offer ? { userId: r.offer.userId, expiresAt: new Date(r.offer.expiresAt) } : null,
  }));
}

/**
 * An event's live listings whose ticket can still be sold (a ticket cancelled or checked in
 * since it was listed drops out here and is ended at its next purchase attempt).
 */
export function liveListingsOfEvent(db: Db, eventId: string, limit: number): Promise<ListingForSale[]> {
  return forSale(
    db,
    and(
      eq(resaleListings.eventId, eventId),
      eq(resaleListings.status, 'listed'),
      eq(tickets.status, 'valid'),
      eq(tickets.resaleListingId, resaleListings.id),
    ),
    limit,
  );
}

export async function listingForSale(db: Db, id: string): Promise<ListingForSale | undefined> {
  const [row] = await forSale(db, and(eq(resaleListings.id, id)), 1);
  return row;
}

export async function listingsOfSeller(db: Db, sellerId: string, limit: number): Promise<ListingForSale[]> {
  const rows = await forSale(db, and(eq(resaleListings.sellerId, sellerId)), 1000);
  return rows.sort((a, b) => b.listing.createdAt.getTime() - a.listing.createdAt.getTime()).slice(0, limit);
}

/** The live listing of a ticket, if any. */
export async function liveListingOfTicket(db: Db, ticketId: string): Promise<ListingRow | undefined> {
  const [row] = await db
    .select()
    .from(resaleListings)
    .where(and(eq(resaleListings.ticketId, ticketId), eq(resaleListings.status, 'listed')));
  return row;
}

// Offers to waitlisted fans.

export async function insertOffer(tx: Db, values: typeof resaleOffers.$inferInsert): Promise<OfferRow> {
  const [row] = await tx.insert(resaleOffers).values(values).returning();
  return row!;
}

export async function openOfferOf(db: Db, listingId: string): Promise<OfferRow | undefined> {
  const [row] = await db
    .select()
    .from(resaleOffers)
    .where(and(eq(resaleOffers.listingId, listingId), eq(resaleOffers.status, 'open')));
  return row;
}

/** Closes the listing's open offer; `onlyExpired`: only if its time is up. Returns the offer closed. */
export async function closeOffer(
  tx: Db,
  listingId: string,
  status: Exclude<OfferStatus, 'open'>,
  options: { onlyExpired?: boolean; userId?: string } = {},
): Promise<OfferRow | null> {
  const [row] = await tx
    .update(resaleOffers)
    .set({ status })
    .where(
      and(
        eq(resaleOffers.listingId, listingId),
        eq(resaleOffers.status, 'open'),
        options.onlyExpired ? lte(resaleOffers.expiresAt, sql`now()`) : undefined,
        options.userId ? eq(resaleOffers.userId, options.userId) : undefined,
      ),
    )
    .returning();
  return row ?? null;
}

/** Who was offered this listing already, and who holds an open offer of another listing of the event. */
export async function usersNotToOffer(tx: Db, listingId: string, eventId: string): Promise<string[]> {
  const rows = await tx
    .select({ userId: resaleOffers.userId })
    .from(resaleOffers)
    .innerJoin(resaleListings, eq(resaleListings.id, resaleOffers.listingId))
    .where(
      sql`${resaleOffers.listingId} = ${listingId} or (${resaleListings.eventId} = ${eventId} and ${resaleOffers.status} = 'open')`,
    );
  return [...new Set(rows.map((r) => r.userId))];
}

/** Listings whose open offer ran out, oldest first. */
export async function listingsWithLapsedOffers(db: Db, limit: number): Promise<string[]> {
  const rows = await db
    .select({ listingId: resaleOffers.listingId })
    .from(resaleOffers)
    .where(and(eq(resaleOffers.status, 'open'), lte(resaleOffers.expiresAt, sql`now()`)))
    .orderBy(asc(resaleOffers.expiresAt))
    .limit(limit);
  return rows.map((r) => r.listingId);
}

// Purchases and payouts.

export async function insertPurchase(db: Db, values: typeof resalePurchases.$inferInsert): Promise<PurchaseRow> {
  const [row] = await db.insert(resalePurchases).values(values).returning();
  return row!;
}

/** Moves a purchase from one of `from` to `to`; null when another actor moved it first. */
export async function transitionPurchase(
  db: Db,
  id: string,
  from: readonly PurchaseStatus[],
  to: PurchaseStatus,
  patch: Partial<Pick<PurchaseRow, 'intentId' | 'cardLast4'>> = {},
): Promise<PurchaseRow | null> {
  try {
    const [row] = await db
      .update(resalePurchases)
      .set({ status: to, ...patch, updatedAt: sql`now()` })
      .where(and(eq(resalePurchases.id, id), inArray(resalePurchases.status, [...from])))
      .returning();
    return row ?? null;
  } catch (err) {
    // resale_purchases_one_winner: another purchase of the listing committed first.
    if (isUniqueViolation(err, 'resale_purchases_one_winner')) throw resaleErrors.unavailable();
    throw err;
  }
}

export async function findPurchase(db: Db, id: string): Promise<PurchaseRow | undefined> {
  const [row] = await db.select().from(resalePurchases).where(eq(resalePurchases.id, id));
  return row;
}

/** Card sales that committed but were not captured (a crash or a processor error came between). */
export async function committedPurchases(db: Db, olderThan: Date, limit: number): Promise<PurchaseRow[]> {
  return db
    .select()
    .from(resalePurchases)
    .where(and(eq(resalePurchases.status, 'committed'), lte(resalePurchases.updatedAt, olderThan)))
    .orderBy(asc(resalePurchases.updatedAt))
    .limit(limit);
}

export async function insertPayout(tx: Db, values: typeof resalePayouts.$inferInsert): Promise<boolean> {
  const rows = await tx
    .insert(resalePayouts)
    .values(values)
    .onConflictDoNothing({ target: resalePayouts.listingId })
    .returning({ id: resalePayouts.id });
  return rows.length === 1;
}

export async function payoutOf(db: Db, listingId: string) {
  const [row] = await db.select().from(resalePayouts).where(eq(resalePayouts.listingId, listingId));
  return row;
}

export async function purchasesOfListing(db: Db, listingId: string): Promise<PurchaseRow[]> {
  return db
    .select()
    .from(resalePurchases)
    .where(eq(resalePurchases.listingId, listingId))
    .orderBy(desc(resalePurchases.createdAt));
}

/** Captured resale payments of cancelled events: their buyers are owed their money back. */
export async function capturedOfCancelledEvents(db: Db, limit: number): Promise<PurchaseRow[]> {
  const rows = await db
    .select({ purchase: resalePurchases })
    .from(resalePurchases)
    .innerJoin(resaleListings, eq(resaleListings.id, resalePurchases.listingId))
    .innerJoin(events, eq(events.id, resaleListings.eventId))
    .where(and(eq(resalePurchases.status, 'captured'), eq(events.status, 'cancelled')))
    .limit(limit);
  return rows.map((r) => r.purchase);
}

/** Buyer refunds written but not yet confirmed by the processor. */
export async function refundsToSend(db: Db, limit: number): Promise<PurchaseRow[]> {
  return db
    .select()
    .from(resalePurchases)
    .where(eq(resalePurchases.status, 'refund_pending'))
    .orderBy(asc(resalePurchases.updatedAt))
    .limit(limit);
}

/**
 * Live listings that can no longer sell: their event was cancelled, or their ticket ended (its
 * buyer cancelled it for a refund, the event's cancellation revoked it). To be ended.
 */
export async function deadListings(db: Db, limit: number): Promise<{ id: string; reason: string }[]> {
  return db
    .select({
      id: resaleListings.id,
      reason: sql<string>`case when ${events.status} = 'cancelled' then 'event_cancelled' else 'ticket_ended' end`,
    })
    .from(resaleListings)
    .innerJoin(events, eq(events.id, resaleListings.eventId))
    .innerJoin(tickets, eq(tickets.id, resaleListings.ticketId))
    .where(
      and(eq(resaleListings.status, 'listed'), sql`(${events.status} = 'cancelled' or ${tickets.status} <> 'valid')`),
    )
    .limit(limit);
}

/** Purchases stuck before their sale's commit (a crash between the authorization and the commit). */
export async function abandonedPurchases(db: Db, olderThan: Date, limit: number): Promise<PurchaseRow[]> {
  return db
    .select()
    .from(resalePurchases)
    .where(and(inArray(resalePurchases.status, ['pending', 'authorized']), lte(resalePurchases.updatedAt, olderThan)))
    .orderBy(asc(resalePurchases.updatedAt))
    .limit(limit);
}
