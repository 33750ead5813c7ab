import { createHash } from 'node:crypto';
import { queueError } from '../../queue/errors.js';
import { catalogErrors } from '../catalog/catalog.errors.js';
import type { Db } from '../db/types.js';
import { isUniqueViolation } from '../db/errors.js';
import type { Logger } from '../logger.js';
import type { PlatformSigner } from '../shared/signing.js';
import { appendTimeline } from '../timeline/timeline.repository.js';
import { releaseHold } from './hold-lifecycle.js';
import * as holdsRepo from './holds.repository.js';
import type { HoldRow, SaleSnapshot } from './holds.repository.js';
import type { HoldRequest, HoldView } from './holds.schemas.js';
import * as inventory from './inventory.repository.js';
import type { SeatRef } from './inventory.repository.js';
import { countTowardsLimit, effectiveLimit, lockAccountEvent } from './limits.js';
import type { PurchaseGate } from './purchase-gate.js';
import { retryTransient } from './retry.js';
import { isFanFixable, isNothingLeft, salesErrors } from './sales.errors.js';

/** Schedules the per-hold expiry job (src/sales/expiry.jobs.ts); the sweeper covers a lost one. */
export interface ExpiryScheduler {
  schedule(holdId: string, expiresAt: Date): Promise<void>;
}

export interface HoldDeps {
  gate: PurchaseGate;
  expiry: ExpiryScheduler;
  logger: Logger;
}

type Caller = { userId: string };
type SaleContext = Omit<SaleSnapshot, 'tier' | 'onsale'> & {
  tier: NonNullable<SaleSnapshot['tier']>;
  onsale: NonNullable<SaleSnapshot['onsale']>;
};

/** How many runs of side-by-side seats to try before answering "not together". */
const TOGETHER_CANDIDATES = 8;

const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

export function presentHold(row: HoldRow, seats: SeatRef[]): HoldView {
  return {
    id: row.id,
    eventId: row.eventId,
    tierId: row.tierId,
    kind: row.kind,
    status: row.status,
    quantity: row.quantity,
    seats,
    unitPriceCents: row.unitPriceCents,
    unitFeeCents: row.unitFeeCents,
    totalCents: row.quantity * (row.unitPriceCents + row.unitFeeCents),
    currency: row.currency,
    expiresAt: row.expiresAt.toISOString(),
    createdAt: row.createdAt.toISOString(),
    endedAt: row.endedAt?.toISOString() ?? null,
  };
}

export class HoldService {
  constructor(
    private readonly db: Db,
    private readonly signer: PlatformSigner,
    private readonly deps: HoldDeps,
  ) {}

  /**
   * Holds inventory for a fan, all or nothing. Everything that decides happens in one
   * transaction: the account's lock for this event, its limit, the purchase token, the
   * conditional updates of seats or GA counter, the hold row and its receipt.
   */
  async create(caller: Caller, input: HoldRequest, idempotencyKey: string): Promise<HoldView> {
    const quantity = input.seats?.length ?? input.quantity!;
    let claimed = false;
    try {
      const { hold, seats } = await retryTransient(() =>
        this.db.transaction(async (tx) => {
          // Serialises this account's requests for this event: the limit count, the token claim
          // and the idempotency-key lookup below all assume no twin request runs beside them.
          // The snapshot goes out right behind the lock (one round trip): Postgres runs it once
          // the lock is held, with a snapshot of its own that sees a twin request's hold.
          const [, snapshot] = await Promise.all([
            lockAccountEvent(tx, caller.userId, input.eventId),
            holdsRepo.saleSnapshot(tx, { ...input, userId: caller.userId, key: idempotencyKey }),
          ]);
          if (snapshot?.existingId) {
            const existing = (await holdsRepo.findHold(tx, snapshot.existingId))!;
            return { hold: this.sameRequest(existing, input), seats: await holdsRepo.seatsByIds(tx, existing.seatIds) };
          }
          const context = this.checkSale(snapshot, input);
          const picked = input.seats ? await this.lockPicked(tx, input.eventId, context.tier.id, input.seats) : null;
          const needsToken = context.onsale.mode === 'queue';
          if (needsToken && !input.purchaseToken) throw salesErrors.tokenRequired();
          // The token is claimed before the seats are counted, so a refusal for lack of seats
          // gives it back through the catch below: usable again, and after "sold out" no longer
          // reserving seats that may come back for the next fans in line.
          if (needsToken && !claimed) {
            await this.deps.gate.claim(input.purchaseToken!, caller.userId, input.eventId);
            claimed = true;
          }
          if (context.available < quantity)
            throw context.available === 0 ? salesErrors.soldOut() : salesErrors.notEnoughSeats(context.available);
          return this.reserve(tx, caller, input, context, idempotencyKey, picked);
        }),
      );
      if (hold.status === 'active') {
        await Promise.all([
          this.deps.expiry.schedule(hold.id, hold.expiresAt).catch((err: unknown) => {
            this.deps.logger.warn(
              { err, holdId: hold.id },
              'expiry job not scheduled; the sweeper will expire this hold',
            );
          }),
          claimed &&
            this.deps.gate.settle(input.purchaseToken!, caller.userId, input.eventId).catch((err: unknown) => {
              this.deps.logger.warn(
                { err, holdId: hold.id },
                'purchase token not settled; its claim window will end on its own',
              );
            }),
        ]);
      }
      return presentHold(hold, seats);
    } catch (err) {
      if (isUniqueViolation(err, 'holds_user_key_unique')) {
        // The same key raced in for another event (a different lock): the first hold is the answer.
        const existing = await holdsRepo.findHoldByKey(this.db, caller.userId, idempotencyKey);
        if (existing)
          return presentHold(this.sameRequest(existing, input), await holdsRepo.seatsByIds(this.db, existing.seatIds));
      }
      if (claimed && isFanFixable(err)) {
        await this.deps.gate
          .release(input.purchaseToken!, caller.userId, input.eventId, { keepShare: !isNothingLeft(err) })
          .catch((releaseErr: unknown) => {
            this.deps.logger.warn({ err: releaseErr }, 'purchase token not released after a refused hold');
          });
      }
      // The gate's own refusal for a spent token, so the fan sees one code for it (queue/errors.ts).
      if (isUniqueViolation(err, 'holds_token_unique')) throw queueError(-8, { eventId: input.eventId });
      throw err;
    }
  }

  async get(caller: Caller, holdId: string): Promise<HoldView> {
    const hold = await this.owned(caller, holdId);
    return presentHold(hold, await holdsRepo.seatsByIds(this.db, hold.seatIds));
  }

  /** Lets go of a hold. Releasing a released hold again answers the same; expired and bought holds say so. */
  async release(caller: Caller, holdId: string): Promise<HoldView> {
    const hold = await this.owned(caller, holdId);
    if (hold.status === 'expired') throw salesErrors.holdExpired();
    if (hold.status === 'converted') throw salesErrors.holdNotActive(hold.status);
    const released = await retryTransient(() =>
      this.db.transaction((tx) =>
        releaseHold(tx, holdId, { signer: this.signer, actorId: caller.userId, reason: 'fan' }),
      ),
    );
    const now = released ?? (await holdsRepo.findHold(this.db, holdId))!;
    if (now.status === 'expired') throw salesErrors.holdExpired();
    if (now.status === 'converted') throw salesErrors.holdNotActive(now.status);
    return presentHold(now, await holdsRepo.seatsByIds(this.db, now.seatIds));
  }

  private async owned(caller: Caller, holdId: string): Promise<HoldRow> {
    const hold = await holdsRepo.findHold(this.db, holdId);
    // Another account's hold is answered exactly like a missing one.
    if (!hold || hold.userId !== caller.userId) throw salesErrors.holdNotFound();
    return hold;
  }

  private sameRequest(existing: HoldRow, input: HoldRequest): HoldRow {
    if (existing.eventId !== input.eventId || existing.tierId !== input.tierId) throw salesErrors.keyReused();
    return existing;
  }

  private checkSale(snapshot: SaleSnapshot | undefined, input: HoldRequest): SaleContext {
    if (!snapshot || snapshot.event.status === 'draft') throw catalogErrors.eventNotFound();
    const { event, tier, onsale } = snapshot;
    if (!tier) throw catalogErrors.tierNotFound();
    if (tier.kind === 'ga' && input.seats) throw salesErrors.wrongTierKind('ga');
    if (event.status !== 'on_sale' && event.status !== 'scheduled')
      throw salesErrors.notOnSale(`This event is ${event.status.replace('_', ' ')}.`, { status: event.status });
    if (!onsale) throw salesErrors.notOnSale('This event has no on-sale yet.');
    const now = Date.now();
    if (onsale.state !== 'scheduled')
      throw salesErrors.notOnSale(`The on-sale is ${onsale.state}.`, { state: onsale.state });
    if (now < onsale.saleStartsAt.getTime())
      throw salesErrors.notOnSale('The sale has not started yet.', { opensAt: onsale.saleStartsAt.toISOString() });
    if (onsale.saleEndsAt && now >= onsale.saleEndsAt.getTime())
      throw salesErrors.notOnSale('The sale has ended.', { endedAt: onsale.saleEndsAt.toISOString() });
    return { ...snapshot, tier, onsale };
  }

  /**
   * Locks those of the picked seats that are free, and refuses seats that are not this event's
   * and tier's. A fan usually picks free seats, so one statement answers both; only when some
   * did not lock does a second one tell unknown seats (refused here) from taken ones (refused
   * by `lockSeats`, after the limit, as before: the order of refusals does not change).
   */
  private async lockPicked(tx: Db, eventId: string, tierId: string, ids: readonly string[]): Promise<string[]> {
    const locked = await inventory.lockSeatsById(tx, eventId, tierId, ids);
    if (locked.length === ids.length) return locked;
    const known = await inventory.existingSeatIds(tx, eventId, tierId, ids);
    const unknown = ids.flatMap((id, i) => (known.has(id) ? [] : [i]));
    if (unknown.length > 0) throw salesErrors.unknownSeats(unknown);
    return locked;
  }

  /** Inside the transaction, after the account lock: limit, inventory, hold row, receipt. */
  private async reserve(
    tx: Db,
    caller: Caller,
    input: HoldRequest,
    context: SaleContext,
    idempotencyKey: string,
    picked: string[] | null,
  ) {
    const { event, tier, onsale } = context;
    const limit = effectiveLimit(event.perAccountLimit, onsale.perAccountLimit);
    const quantity = input.seats?.length ?? input.quantity!;
    if (limit !== null) {
      const counted = await countTowardsLimit(tx, caller.userId, input.eventId);
      if (counted + quantity > limit) throw salesErrors.limitExceeded(limit, counted);
    }
    const seatIds = tier.kind === 'ga' ? [] : await this.lockSeats(tx, tier.id, input, quantity, picked);
    const hold = await holdsRepo.insertHold(tx, {
      userId: caller.userId,
      eventId: input.eventId,
      tierId: tier.id,
      kind: tier.kind === 'ga' ? 'ga' : 'seats',
      quantity,
      seatIds,
      unitPriceCents: tier.priceCents,
      unitFeeCents: tier.feeCents,
      currency: tier.currency,
      idempotencyKey,
      purchaseTokenHash: input.purchaseToken && onsale.mode === 'queue' ? tokenHash(input.purchaseToken) : null,
      ttlSeconds: onsale.holdTtlSeconds,
    });
    let seats: SeatRef[] = [];
    if (tier.kind !== 'ga') {
      seats = await inventory.markSeatsHeld(tx, hold.id, seatIds);
      // Unreachable while we hold the row locks; kept so a future change cannot make it silent.
      if (seats.length !== seatIds.length)
        throw salesErrors.seatUnavailable(seatIds.filter((id) => !seats.some((s) => s.id === id)));
      seats.sort((a, b) => seatIds.indexOf(a.id) - seatIds.indexOf(b.id));
    }
    await appendTimeline(tx, this.signer, [
      {
        userId: caller.userId,
        kind: 'hold.created',
        subjectType: 'hold',
        subjectId: hold.id,
        eventId: hold.eventId,
        actorId: caller.userId,
        data: {
          holdId: hold.id,
          tierId: hold.tierId,
          quantity,
          seats: seats.map((s) => ({ section: s.section, row: s.row, number: s.number })),
          totalCents: quantity * (hold.unitPriceCents + hold.unitFeeCents),
          currency: hold.currency,
          expiresAt: hold.expiresAt.toISOString(),
        },
      },
    ]);
    // GA last: every buyer of the tier queues on its one counter row, so the row lock is taken
    // as late as possible and held only until the commit that follows.
    if (tier.kind === 'ga' && !(await inventory.holdGa(tx, tier.id, quantity)))
      throw await this.shortage(tx, tier.id, 'ga');
    return { hold, seats };
  }

  /** Locks the seats this request would take (picked ones are locked already), or throws the refusal that says why it cannot. */
  private async lockSeats(
    tx: Db,
    tierId: string,
    input: HoldRequest,
    quantity: number,
    picked: string[] | null,
  ): Promise<string[]> {
    if (input.seats && picked) {
      if (picked.length < input.seats.length)
        throw salesErrors.seatUnavailable(input.seats.filter((id) => !picked.includes(id)));
      return picked;
    }
    if (!input.together || quantity === 1) {
      const locked = await inventory.lockBestAvailable(tx, tierId, quantity);
      if (locked.length < quantity) throw await this.shortage(tx, tierId, 'reserved');
      return locked;
    }
    for (const run of await inventory.togetherCandidates(tx, tierId, quantity, TOGETHER_CANDIDATES)) {
      const locked = await inventory.lockRunNoWait(tx, tierId, run);
      if (locked.length === quantity) return locked;
    }
    const left = await inventory.remaining(tx, tierId, 'reserved');
    if (left < quantity) throw await this.shortage(tx, tierId, 'reserved');
    throw salesErrors.notEnoughTogether(quantity);
  }

  private async shortage(tx: Db, tierId: string, kind: 'reserved' | 'ga') {
    const left = await inventory.remaining(tx, tierId, kind);
    return left === 0 ? salesErrors.soldOut() : salesErrors.notEnoughSeats(left);
  }
}
