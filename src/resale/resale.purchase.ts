import type { Principal } from '../auth/principal.js';
import { findUserById } from '../auth/auth.repository.js';
import { findEvent } from '../catalog/catalog.repository.js';
import { isCheckedIn } from '../checkin/checkin.repository.js';
import type { Db } from '../db/types.js';
import { hashGiftCardCode } from '../giftcards/giftcards.code.js';
import { giftCardErrors } from '../giftcards/giftcards.errors.js';
import { creditGiftCard, debitGiftCard, findWithScopeByCodeHash } from '../giftcards/giftcards.repository.js';
import type { Logger } from '../logger.js';
import { money, say } from '../notifications/notice-message.js';
import { notify } from '../notifications/notifications.repository.js';
import { lockOrder, transitionOrder } from '../orders/orders.repository.js';
import { addRefunded, completeRefund, insertRefund, paymentsOfOrder } from '../payments/payments.repository.js';
import { toSource } from '../payments/payments.schemas.js';
import { declined, type PaymentProvider, type ProviderRegistry } from '../payments/provider.js';
import { countTowardsLimit, effectiveLimit, lockAccountEvent } from '../sales/limits.js';
import { findOnsale } from '../sales/onsale.repository.js';
import { salesErrors } from '../sales/sales.errors.js';
import type { AppError } from '../shared/errors.js';
import type { PlatformSigner } from '../shared/signing.js';
import { countValidTickets } from '../tickets/tickets.repository.js';
import { changeHolder, lockTicket } from '../tickets/transfers.repository.js';
import { appendTimeline, type TimelineEvent } from '../timeline/timeline.repository.js';
import { resaleErrors } from './resale.errors.js';
import * as repo from './resale.repository.js';
import type { ListingRow, PurchaseRow } from './resale.repository.js';
import type { PurchaseBody, PurchaseView } from './resale.schemas.js';
import type { ResaleService } from './resale.service.js';

export interface PurchaseDeps {
  db: Db;
  providers: ProviderRegistry;
  signer: PlatformSigner;
  logger: Logger;
  publicUrl: string;
  resale: ResaleService;
}

interface CardRefund {
  id: string;
  intentId: string;
  provider: 'stripe' | 'sandbox';
  amountCents: number;
}

const CLOSED = new Set(['cancelled', 'completed', 'draft']);

/**
 * Buying a listed ticket. By card: authorize (nothing moves), then one transaction re-issues the
 * ticket to the buyer and marks the listing sold (only one purchase of a listing can commit:
 * the listing row's lock and resale_purchases_one_winner), then capture; a purchase that cannot
 * commit voids its authorization. By gift card: the debit is inside that one transaction. The
 * seller's payout (price less the fee) is written only with the buyer's captured payment, back
 * to the seller's original tenders as a cancellation refund is.
 */
export class ResalePurchases {
  constructor(private readonly deps: PurchaseDeps) {}

  async buy(principal: Principal, listingId: string, body: PurchaseBody): Promise<PurchaseView> {
    const { db } = this.deps;
    await this.deps.resale.passOnIfLapsed(listingId);
    const listing = await repo.findListing(db, listingId);
    if (!listing) throw resaleErrors.listingNotFound();
    // Judged again under the listing's lock; this first look spares a card authorization.
    const early = this.judgeListing(principal, listing, await repo.openOfferOf(db, listingId));
    if (early) throw early;
    return 'giftCard' in body.payment
      ? this.byGiftCard(principal, listing, body.payment.giftCard.code)
      : this.byCard(principal, listing, body.payment.card);
  }

  /**
   * Captures card sales that committed but were not captured (a processor error or a crash came
   * between), and pays their sellers. Run by the resale job.
   */
  async settleCommitted(olderThanMs = 60_000, batch = 100): Promise<number> {
    let settled = 0;
    for (const p of await repo.committedPurchases(this.deps.db, new Date(Date.now() - olderThanMs), batch)) {
      if (!p.intentId || p.provider === 'gift_card') continue;
      try {
        const snap = await this.deps.providers.get(p.provider).capture(p.intentId, `resale:${p.id}:capture`);
        if (snap.status === 'succeeded' && (await this.settle(p.id))) settled++;
      } catch (err) {
        // One processor error does not hold up the others; this sale is tried again next run.
        this.deps.logger.warn({ err, purchaseId: p.id }, 'resale capture failed again');
      }
    }
    return settled;
  }

  /**
   * Gives resale buyers their money back once the event is cancelled after the sale: the
   * cancellation revokes the ticket and refunds the seller's order (what is left of it after the
   * payout); the buyer's payment comes back here, a gift card's at once, a card's through a
   * refund sent after commit (resent by the next run while it is `refund_pending`). Live listings
   * that can no longer sell (a cancelled event, a ticket cancelled by its buyer) end. Run by the
   * resale job; safe to run any number of times.
   */
  async refundCancelled(batch = 100): Promise<number> {
    const { db, signer } = this.deps;
    let refunded = 0;
    for (const p of await repo.capturedOfCancelledEvents(db, batch)) {
      const done = await db.transaction(async (tx) => {
        const moved = await repo.transitionPurchase(tx, p.id, ['captured'], 'refund_pending');
        if (!moved) return false;
        const listing = (await repo.findListing(tx, moved.listingId))!;
        if (moved.method === 'gift_card') {
          await creditGiftCard(tx, moved.giftCardId!, moved.amountCents, null);
          await repo.transitionPurchase(tx, moved.id, ['refund_pending'], 'refunded');
        }
        await appendTimeline(tx, signer, [
          {
            userId: moved.buyerId,
            kind: moved.method === 'gift_card' ? 'payment.refunded' : 'payment.refund_requested',
            subjectType: 'payment',
            subjectId: moved.id,
            eventId: listing.eventId,
            actorId: null,
            data: {
              listingId: listing.id,
              method: moved.method,
              provider: moved.provider,
              sandbox: moved.provider === 'sandbox',
              amountCents: moved.amountCents,
              currency: moved.currency,
              reason: 'event_cancelled',
            },
          },
        ]);
        const buyer = await findUserById(tx, moved.buyerId);
        await notify(tx, [
          {
            userId: moved.buyerId,
            email: buyer?.email,
            kind: 'resale.refunded',
            message: {
              title: say('notices:resaleRefunded.title'),
              body: [say('notices:resaleRefunded.body', { amount: money(moved.amountCents, moved.currency) })],
            },
            dedupeKey: `resale.refunded:${moved.id}`,
            data: { listingId: listing.id, eventId: listing.eventId, amountCents: moved.amountCents },
          },
        ]);
        return true;
      });
      if (done) refunded++;
    }
    for (const p of await repo.refundsToSend(db, batch)) {
      if (!p.intentId || p.provider === 'gift_card') continue;
      try {
        const sent = await this.deps.providers
          .get(p.provider)
          .refund(p.intentId, p.amountCents, `resale:${p.id}:refund`);
        if (sent.status !== 'failed') await repo.transitionPurchase(db, p.id, ['refund_pending'], 'refunded');
      } catch (err) {
        this.deps.logger.warn({ err, purchaseId: p.id }, 'resale buyer refund not sent; the next sweep retries');
      }
    }
    for (const dead of await repo.deadListings(db, batch)) {
      await db.transaction(async (tx) => {
        const listing = await repo.lockListing(tx, dead.id);
        if (listing?.status === 'listed') await this.deps.resale.endUnsold(tx, listing, null, dead.reason);
      });
    }
    return refunded;
  }

  /**
   * Releases card authorizations a crash left behind before their sale committed: the purchase
   * is voided first (so a commit still under way is refused and voids it itself), then the
   * authorization found by its idempotency key is cancelled. Run by the resale job.
   */
  async releaseAbandoned(olderThanMs = 10 * 60_000, batch = 100): Promise<number> {
    let released = 0;
    for (const p of await repo.abandonedPurchases(this.deps.db, new Date(Date.now() - olderThanMs), batch)) {
      const moved = await repo.transitionPurchase(this.deps.db, p.id, ['pending', 'authorized'], 'voided');
      if (!moved || p.provider === 'gift_card') continue;
      released++;
      const provider = this.deps.providers.get(p.provider);
      const intent =
        p.intentId ??
        (
          await provider
            .recover({
              amountCents: p.amountCents,
              currency: p.currency,
              source: null,
              idempotencyKey: `resale:${p.id}:authorize`,
              metadata: { resalePurchaseId: p.id, listingId: p.listingId },
            })
            .catch(() => null)
        )?.intentId;
      if (intent) await this.cancelQuietly(provider, p.id, intent);
    }
    return released;
  }

  private async byCard(
    principal: Principal,
    listing: ListingRow,
    card: Extract<PurchaseBody['payment'], { card: unknown }>['card'],
  ): Promise<PurchaseView> {
    const { db, logger } = this.deps;
    const source = toSource(card);
    const provider = this.deps.providers.forSource(source);
    const purchase = await repo.insertPurchase(db, {
      listingId: listing.id,
      buyerId: principal.userId,
      method: 'card',
      provider: provider.name,
      amountCents: listing.priceCents,
      currency: listing.currency,
    });
    let intent;
    try {
      intent = await provider.authorize({
        amountCents: listing.priceCents,
        currency: listing.currency,
        source,
        idempotencyKey: `resale:${purchase.id}:authorize`,
        metadata: { resalePurchaseId: purchase.id, listingId: listing.id },
        description: 'Fairdrop resale at face value',
      });
    } catch (err) {
      await repo.transitionPurchase(db, purchase.id, ['pending'], 'declined');
      throw err;
    }
    if (intent.status !== 'requires_capture') {
      // A decline, or a card that asks for 3-D Secure, which this checkout cannot run: nothing moves.
      if (intent.status === 'requires_action' || intent.status === 'requires_payment_method')
        await provider.cancel(intent.intentId, `resale:${purchase.id}:cancel`).catch(() => undefined);
      await repo.transitionPurchase(db, purchase.id, ['pending'], 'declined', { intentId: intent.intentId });
      throw declined({
        provider: intent.provider,
        failureCode: intent.failureCode ?? (intent.status === 'requires_action' ? 'authentication_required' : null),
      });
    }
    await repo.transitionPurchase(db, purchase.id, ['pending'], 'authorized', {
      intentId: intent.intentId,
      cardLast4: intent.cardLast4,
    });
    let outcome: { refusal: AppError } | { refusal: null; ticketId: string };
    try {
      outcome = await db.transaction(async (tx) => {
        const judged = await this.judgeLocked(tx, principal, listing.id);
        if ('refusal' in judged) return { refusal: judged.refusal };
        const moved = await repo.transitionPurchase(tx, purchase.id, ['authorized'], 'committed');
        if (!moved) throw resaleErrors.unavailable();
        await this.reissue(tx, principal, judged.listing, moved);
        return { refusal: null, ticketId: judged.listing.ticketId };
      });
    } catch (err) {
      await this.voidCard(provider, purchase.id, intent.intentId);
      throw err;
    }
    if (outcome.refusal) {
      await this.voidCard(provider, purchase.id, intent.intentId);
      throw outcome.refusal;
    }
    // Captured only now that the ticket is the buyer's; a failure here leaves the sale committed
    // for settleCommitted to capture (the authorization holds for days).
    try {
      const snap = await provider.capture(intent.intentId, `resale:${purchase.id}:capture`);
      if (snap.status === 'succeeded') await this.settle(purchase.id);
    } catch (err) {
      logger.warn({ err, purchaseId: purchase.id }, 'resale capture failed; the sweep retries it');
    }
    return this.view(purchase.id, outcome.ticketId);
  }

  private async byGiftCard(principal: Principal, listing: ListingRow, code: string): Promise<PurchaseView> {
    const { db } = this.deps;
    const card = await findWithScopeByCodeHash(db, hashGiftCardCode(code));
    if (!card) throw giftCardErrors.notFound();
    if (card.scopeOrganizerId) throw resaleErrors.giftCardScoped();
    if (card.currency !== listing.currency) throw resaleErrors.giftCardCurrency(listing.currency);
    const outcome = await db.transaction(async (tx) => {
      const judged = await this.judgeLocked(tx, principal, listing.id);
      if ('refusal' in judged) return { refusal: judged.refusal };
      const purchase = await repo.insertPurchase(tx, {
        listingId: listing.id,
        buyerId: principal.userId,
        method: 'gift_card',
        provider: 'gift_card',
        giftCardId: card.id,
        amountCents: judged.listing.priceCents,
        currency: judged.listing.currency,
        status: 'captured',
      });
      // The ledger row names the listing: the money went to a resale, not an order.
      await debitGiftCard(tx, card.id, judged.listing.priceCents, judged.listing.id);
      await this.reissue(tx, principal, judged.listing, purchase);
      const refunds = await this.payout(tx, judged.listing, purchase);
      return { refusal: null, purchase, refunds };
    });
    if (outcome.refusal) throw outcome.refusal;
    await this.sendRefunds(outcome.refunds);
    return this.view(outcome.purchase.id, listing.ticketId);
  }

  /** Quick refusals from the listing alone: sold or withdrawn, the buyer's own, offered to someone else. */
  private judgeListing(principal: Principal, listing: ListingRow, offer: repo.OfferRow | undefined): AppError | null {
    if (listing.status !== 'listed') return resaleErrors.unavailable();
    if (listing.sellerId === principal.userId) return resaleErrors.ownListing();
    if (listing.openAt === null) {
      const mine = offer && offer.userId === principal.userId && offer.expiresAt.getTime() > Date.now();
      if (!mine) return resaleErrors.offeredToWaitlist((offer?.expiresAt ?? new Date()).toISOString());
    }
    return null;
  }

  /**
   * Everything a sale needs, judged with the listing and then the ticket locked. A ticket that
   * can no longer be sold (changed, used, its event closed) ends its listing here, and that
   * ending commits with the refusal.
   */
  private async judgeLocked(
    tx: Db,
    principal: Principal,
    listingId: string,
  ): Promise<{ refusal: AppError } | { listing: ListingRow }> {
    const listing = await repo.lockListing(tx, listingId);
    if (!listing) return { refusal: resaleErrors.listingNotFound() };
    const early = this.judgeListing(principal, listing, await repo.openOfferOf(tx, listingId));
    if (early) return { refusal: early };
    const ticket = await lockTicket(tx, listing.ticketId);
    const event = await findEvent(tx, listing.eventId);
    const changed =
      !ticket ||
      ticket.status !== 'valid' ||
      ticket.version !== listing.ticketVersion ||
      ticket.holderId !== listing.sellerId ||
      ticket.resaleListingId !== listing.id;
    const closed = !event || CLOSED.has(event.status) || event.startsAt.getTime() <= Date.now();
    const used = !changed && (await isCheckedIn(tx, listing.ticketId));
    if (changed || closed || used) {
      await this.deps.resale.endUnsold(
        tx,
        listing,
        null,
        changed ? 'ticket_changed' : closed ? 'event_closed' : 'ticket_used',
      );
      return { refusal: resaleErrors.unavailable() };
    }
    // The per-account limit counts a resale ticket as it counts a transfer (src/sales/limits.ts).
    const limit = effectiveLimit(event.perAccountLimit, (await findOnsale(tx, listing.eventId))?.perAccountLimit);
    if (limit !== null) {
      await lockAccountEvent(tx, principal.userId, listing.eventId);
      const counted = Math.max(
        await countTowardsLimit(tx, principal.userId, listing.eventId),
        await countValidTickets(tx, principal.userId, listing.eventId),
      );
      if (counted + 1 > limit) return { refusal: salesErrors.limitExceeded(limit, counted) };
    }
    return { listing };
  }

  /** The sale itself, in the caller's transaction: the ticket is the buyer's, the listing sold. */
  private async reissue(tx: Db, buyer: Principal, listing: ListingRow, purchase: PurchaseRow): Promise<void> {
    const buyerAsHolder = { userId: buyer.userId, name: buyer.displayName, email: buyer.email.toLowerCase() };
    const version = await changeHolder(tx, listing.ticketId, listing.ticketVersion, buyerAsHolder, listing.id);
    if (version === null) throw resaleErrors.unavailable();
    if (!(await repo.endListing(tx, listing.id, 'sold', buyer.userId))) throw resaleErrors.unavailable();
    await repo.closeOffer(tx, listing.id, 'bought', { userId: buyer.userId });
    await repo.closeOffer(tx, listing.id, 'ended');
    const event = (await findEvent(tx, listing.eventId))!;
    const seller = await findUserById(tx, listing.sellerId);
    const price = money(listing.priceCents, listing.currency);
    const receipts: TimelineEvent[] = [
      {
        userId: listing.sellerId,
        kind: 'ticket.resold',
        subjectType: 'ticket',
        subjectId: listing.ticketId,
        eventId: listing.eventId,
        actorId: buyer.userId,
        data: {
          listingId: listing.id,
          amountCents: listing.priceCents,
          currency: listing.currency,
          fromVersion: listing.ticketVersion,
          version,
        },
      },
      {
        userId: buyer.userId,
        kind: 'ticket.bought_resale',
        subjectType: 'ticket',
        subjectId: listing.ticketId,
        eventId: listing.eventId,
        actorId: buyer.userId,
        data: {
          listingId: listing.id,
          purchaseId: purchase.id,
          amountCents: listing.priceCents,
          currency: listing.currency,
          version,
        },
      },
    ];
    if (purchase.method === 'gift_card') receipts.push(capturedReceipt(buyer.userId, listing, purchase));
    await appendTimeline(tx, this.deps.signer, receipts);
    await notify(tx, [
      {
        userId: buyer.userId,
        email: buyer.email,
        kind: 'resale.bought',
        message: {
          title: say('notices:resaleBought.title', { event: event.title }),
          body: [say('notices:resaleBought.body', { price, link: `${this.deps.publicUrl}/tickets.html` })],
        },
        dedupeKey: `resale.bought:${listing.id}`,
        data: { listingId: listing.id, ticketId: listing.ticketId, eventId: listing.eventId },
      },
      {
        userId: listing.sellerId,
        email: seller?.email,
        kind: 'resale.sold',
        message: {
          title: say('notices:resaleSold.title', { event: event.title }),
          body: [
            say('notices:resaleSold.body', {
              price,
              payout: money(listing.priceCents - listing.feeCents, listing.currency),
            }),
          ],
        },
        dedupeKey: `resale.sold:${listing.id}`,
        data: { listingId: listing.id, ticketId: listing.ticketId, eventId: listing.eventId },
      },
    ]);
  }

  /** A card sale captured: recorded, and its seller paid, once. */
  private async settle(purchaseId: string): Promise<boolean> {
    const out = await this.deps.db.transaction(async (tx) => {
      const purchase = await repo.transitionPurchase(tx, purchaseId, ['committed'], 'captured');
      if (!purchase) return null;
      const listing = (await repo.findListing(tx, purchase.listingId))!;
      await appendTimeline(tx, this.deps.signer, [capturedReceipt(purchase.buyerId, listing, purchase)]);
      return this.payout(tx, listing, purchase);
    });
    if (!out) return false;
    await this.sendRefunds(out);
    return true;
  }

  /**
   * The seller's payout, in the transaction that records the buyer's captured payment: the price
   * less the fee, back to the seller's order's tenders, gift cards first (instant), then card
   * refunds written here and sent after commit (the reconciler resends any left pending).
   */
  private async payout(tx: Db, listing: ListingRow, purchase: PurchaseRow): Promise<CardRefund[]> {
    const amount = listing.priceCents - listing.feeCents;
    const fresh = await repo.insertPayout(tx, {
      listingId: listing.id,
      sellerId: listing.sellerId,
      orderId: listing.orderId,
      purchaseId: purchase.id,
      amountCents: amount,
      currency: listing.currency,
    });
    if (!fresh) return [];
    const order = (await lockOrder(tx, listing.orderId))!;
    let due = amount;
    const refunds: CardRefund[] = [];
    const receipts: TimelineEvent[] = [];
    const tenders = (await paymentsOfOrder(tx, order.id)).sort((a, b) =>
      a.method === b.method ? 0 : a.method === 'gift_card' ? -1 : 1,
    );
    const receipt = (kind: string, subjectId: string, data: Record<string, unknown>): TimelineEvent => ({
      userId: listing.sellerId,
      kind,
      subjectType: 'payment',
      subjectId,
      eventId: listing.eventId,
      actorId: null,
      data: { orderId: order.id, listingId: listing.id, currency: listing.currency, reason: 'resale', ...data },
    });
    for (const tender of tenders) {
      const part = Math.min(due, tender.amountCents - tender.refundedCents);
      if (part <= 0 || (tender.status !== 'captured' && tender.status !== 'partially_refunded')) continue;
      due -= part;
      await addRefunded(tx, tender.id, part);
      if (tender.method === 'gift_card') {
        await creditGiftCard(tx, tender.giftCardId!, part, order.id);
        receipts.push(
          receipt('payment.refunded', tender.id, {
            method: 'gift_card',
            giftCardId: tender.giftCardId,
            amountCents: part,
          }),
        );
      } else {
        const row = await insertRefund(tx, { paymentId: tender.id, orderId: order.id, amountCents: part });
        refunds.push({
          id: row.id,
          intentId: tender.intentId!,
          provider: tender.provider as 'stripe' | 'sandbox',
          amountCents: part,
        });
        receipts.push(
          receipt('payment.refund_requested', tender.id, {
            method: 'card',
            provider: tender.provider,
            sandbox: tender.provider === 'sandbox',
            amountCents: part,
            refundId: row.id,
          }),
        );
      }
    }
    if (due > 0)
      this.deps.logger.error({ listingId: listing.id, due }, 'resale payout exceeds what is left of the order');
    await transitionOrder(tx, order.id, [order.status], order.status, {
      refundedCents: order.refundedCents + amount - due,
    });
    await appendTimeline(tx, this.deps.signer, receipts);
    const seller = await findUserById(tx, listing.sellerId);
    await notify(tx, [
      {
        userId: listing.sellerId,
        email: seller?.email,
        kind: 'resale.paid',
        message: {
          title: say('notices:resalePaid.title'),
          body: [
            say('notices:resalePaid.body', {
              payout: money(amount - due, listing.currency),
              price: money(listing.priceCents, listing.currency),
              fee: money(listing.feeCents, listing.currency),
            }),
          ],
        },
        dedupeKey: `resale.paid:${listing.id}`,
        data: {
          listingId: listing.id,
          ticketId: listing.ticketId,
          eventId: listing.eventId,
          amountCents: amount - due,
        },
      },
    ]);
    return refunds;
  }

  /** Sends card refunds written by a payout; the key per refund row makes a resend a no-op. */
  private async sendRefunds(refunds: readonly CardRefund[]): Promise<void> {
    for (const r of refunds) {
      try {
        const sent = await this.deps.providers.get(r.provider).refund(r.intentId, r.amountCents, `refund:${r.id}`);
        await completeRefund(this.deps.db, r.id, sent.status === 'failed' ? 'failed' : 'succeeded', sent.refundId);
      } catch (err) {
        this.deps.logger.warn({ err, refundId: r.id }, 'resale payout refund not sent; the reconciler resends it');
      }
    }
  }

  private async voidCard(provider: PaymentProvider, purchaseId: string, intentId: string): Promise<void> {
    await this.cancelQuietly(provider, purchaseId, intentId);
    await repo.transitionPurchase(this.deps.db, purchaseId, ['authorized', 'pending'], 'voided');
  }

  private async cancelQuietly(provider: PaymentProvider, purchaseId: string, intentId: string): Promise<void> {
    await provider
      .cancel(intentId, `resale:${purchaseId}:cancel`)
      .catch((err: unknown) => this.deps.logger.error({ err, purchaseId }, 'could not void a resale authorization'));
  }

  private async view(purchaseId: string, ticketId: string): Promise<PurchaseView> {
    const p = (await repo.findPurchase(this.deps.db, purchaseId))!;
    return {
      id: p.id,
      listingId: p.listingId,
      ticketId,
      method: p.method,
      status: p.status === 'captured' ? 'captured' : 'committed',
      amountCents: p.amountCents,
      currency: p.currency,
      cardLast4: p.cardLast4,
    };
  }
}

function capturedReceipt(buyerId: string, listing: ListingRow, purchase: PurchaseRow): TimelineEvent {
  return {
    userId: buyerId,
    kind: 'payment.captured',
    subjectType: 'payment',
    subjectId: purchase.id,
    eventId: listing.eventId,
    actorId: buyerId,
    data: {
      listingId: listing.id,
      method: purchase.method,
      provider: purchase.provider,
      sandbox: purchase.provider === 'sandbox',
      amountCents: purchase.amountCents,
      currency: purchase.currency,
      reason: 'resale',
    },
  };
}
