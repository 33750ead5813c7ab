import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from '../auth/auth.table.js';
import { events } from '../catalog/catalog.table.js';
import { tickets } from '../tickets/tickets.table.js';

export const listingStatuses = ['listed', 'sold', 'withdrawn'] as const;
export type ListingStatus = (typeof listingStatuses)[number];

/**
 * A ticket its holder offers back at face value or less (issue #19, part 4). `listed` until a
 * buyer's purchase commits (`sold`) or the seller, or a change to the ticket, ends it
 * (`withdrawn`). The ticket row carries the listing's id while it is listed, so a transfer
 * or gift of it is refused under the ticket's own lock.
 *
 * While waitlisted fans wait for the event, the listing is first offered to them one at a time
 * (resale_offers); `open_at` is set once anyone may buy it.
 */
export const resaleListings = pgTable(
  'resale_listings',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    ticketId: uuid('ticket_id')
      .notNull()
      .references(() => tickets.id),
    eventId: uuid('event_id')
      .notNull()
      .references(() => events.id),
    sellerId: uuid('seller_id')
      .notNull()
      .references(() => users.id),
    /** The seller's order: the payout goes back to its tenders, as a cancellation refund does. */
    orderId: uuid('order_id').notNull(),
    /** The ticket version listed; a ticket changed since (moved, exchanged) cannot be sold from it. */
    ticketVersion: integer('ticket_version').notNull(),
    /** What was paid for the ticket (its order item, fee included): the highest price allowed. */
    faceValueCents: integer('face_value_cents').notNull(),
    priceCents: integer('price_cents').notNull(),
    /** Fairdrop's fee, kept from the price; shown to the seller before listing. */
    feeCents: integer('fee_cents').notNull(),
    currency: text('currency').notNull(),
    status: text('status', { enum: listingStatuses }).notNull().default('listed'),
    /** When anyone may buy it (null while it is offered to the waitlist first). */
    openAt: timestamp('open_at', { withTimezone: true, precision: 3 }),
    buyerId: uuid('buyer_id').references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    endedAt: timestamp('ended_at', { withTimezone: true, precision: 3 }),
  },
  (t) => [
    // A ticket is on sale once at a time: a second listing while one is live is a conflict.
    uniqueIndex('resale_listings_live_ticket_unique')
      .on(t.ticketId)
      .where(sql`${t.status} = 'listed'`),
    // Serves an event page's listings on sale, oldest first.
    index('resale_listings_event_live_idx')
      .on(t.eventId, t.createdAt)
      .where(sql`${t.status} = 'listed'`),
    // Serves "my listings".
    index('resale_listings_seller_idx').on(t.sellerId, t.createdAt),
    check('resale_listings_status_valid', sql`${t.status} in ('listed','sold','withdrawn')`),
    check(
      'resale_listings_price_capped',
      sql`${t.priceCents} > 0 and ${t.priceCents} <= ${t.faceValueCents} and ${t.feeCents} >= 0 and ${t.feeCents} < ${t.priceCents}`,
    ),
    check('resale_listings_sold_has_buyer', sql`(${t.status} = 'sold') = (${t.buyerId} is not null)`),
  ],
);

export const offerStatuses = ['open', 'bought', 'passed', 'lapsed', 'ended'] as const;
export type OfferStatus = (typeof offerStatuses)[number];

/**
 * A listing offered to one waitlisted fan before anyone else, until `expires_at`. Only one
 * offer of a listing is open at a time; an offer that lapses or is passed up goes to the next
 * fan in line, and when the line is done the listing opens to all.
 */
export const resaleOffers = pgTable(
  'resale_offers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    listingId: uuid('listing_id')
      .notNull()
      .references(() => resaleListings.id),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    waitlistEntryId: uuid('waitlist_entry_id').notNull(),
    status: text('status', { enum: offerStatuses }).notNull().default('open'),
    expiresAt: timestamp('expires_at', { withTimezone: true, precision: 3 }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    // One open offer per listing: it is never offered to two fans at once.
    uniqueIndex('resale_offers_open_unique')
      .on(t.listingId)
      .where(sql`${t.status} = 'open'`),
    // A fan is offered a listing once.
    uniqueIndex('resale_offers_listing_user_unique').on(t.listingId, t.userId),
    // Serves the sweep of offers that ran out.
    index('resale_offers_open_expiry_idx')
      .on(t.expiresAt)
      .where(sql`${t.status} = 'open'`),
    check('resale_offers_status_valid', sql`${t.status} in ('open','bought','passed','lapsed','ended')`),
  ],
);

export const purchaseStatuses = [
  'pending',
  'authorized',
  'committed',
  'captured',
  'voided',
  'declined',
  'refund_pending',
  'refunded',
] as const;
export type PurchaseStatus = (typeof purchaseStatuses)[number];

/**
 * A buyer's payment for a listing. A card is authorized first (`authorized`), then the sale
 * commits (`committed`, the ticket is the buyer's) and only then is it captured (`captured`);
 * a sale that cannot commit voids the authorization (`voided`). A gift card is debited in the
 * sale's own transaction (`captured` at once). When the event is cancelled after the sale, the
 * buyer's payment is given back: `refund_pending` (written with the gift card's credit, or
 * before the card refund is sent), then `refunded`.
 */
export const resalePurchases = pgTable(
  'resale_purchases',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    listingId: uuid('listing_id')
      .notNull()
      .references(() => resaleListings.id),
    buyerId: uuid('buyer_id')
      .notNull()
      .references(() => users.id),
    method: text('method', { enum: ['card', 'gift_card'] }).notNull(),
    provider: text('provider', { enum: ['stripe', 'sandbox', 'gift_card'] }).notNull(),
    intentId: text('intent_id'),
    giftCardId: uuid('gift_card_id'),
    amountCents: integer('amount_cents').notNull(),
    currency: text('currency').notNull(),
    status: text('status', { enum: purchaseStatuses }).notNull().default('pending'),
    cardLast4: text('card_last4'),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    // A listing is sold once: at most one purchase of it ever commits.
    uniqueIndex('resale_purchases_one_winner')
      .on(t.listingId)
      .where(sql`${t.status} in ('committed','captured')`),
    uniqueIndex('resale_purchases_intent_unique')
      .on(t.intentId)
      .where(sql`${t.intentId} is not null`),
    // Serves the sweep that captures sales a crash left committed and uncaptured.
    index('resale_purchases_committed_idx')
      .on(t.updatedAt)
      .where(sql`${t.status} = 'committed'`),
    // Serves the sweep that sends buyer refunds of a cancelled event's resales.
    index('resale_purchases_refund_pending_idx')
      .on(t.updatedAt)
      .where(sql`${t.status} = 'refund_pending'`),
    check('resale_purchases_amount_positive', sql`${t.amountCents} > 0`),
    check(
      'resale_purchases_status_valid',
      sql`${t.status} in ('pending','authorized','committed','captured','voided','declined','refund_pending','refunded')`,
    ),
  ],
);

/**
 * The seller's money for a sold listing: written once (one per listing), in the transaction
 * that records the buyer's captured payment, never before. Its amount goes back to the seller's
 * original tenders (gift card credits at once, card refunds through payment_refunds, sent after
 * commit and resent by the reconciler).
 */
export const resalePayouts = pgTable(
  'resale_payouts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    listingId: uuid('listing_id')
      .notNull()
      .references(() => resaleListings.id)
      .unique(),
    sellerId: uuid('seller_id')
      .notNull()
      .references(() => users.id),
    orderId: uuid('order_id').notNull(),
    purchaseId: uuid('purchase_id')
      .notNull()
      .references(() => resalePurchases.id),
    amountCents: integer('amount_cents').notNull(),
    currency: text('currency').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [check('resale_payouts_amount_nonnegative', sql`${t.amountCents} >= 0`)],
);
