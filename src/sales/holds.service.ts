import { createHash } from 'node:crypto';
import type { Db } from '../db/types.js';
import { isUniqueViolation, sqlRefusal } from '../db/errors.js';
import type { Logger } from '../logger.js';
import type { PlatformSigner } from '../shared/signing.js';
import { queueProblem } from '../waitingroom/refusals.js';
import { AppError } from '../shared/errors.js';
import { keyedHash } from '../shared/keyed-hash.js';
import type { ReceiptSigner } from '../timeline/receipt-signer.js';
import { releaseHold } from './hold-lifecycle.js';
import * as holdsRepo from './holds.repository.js';
import type { CreatedHold, HoldRow } from './holds.repository.js';
import type { HoldRequest, HoldView } from './holds.schemas.js';
import type { SeatRef } from './inventory.repository.js';
import type { PurchaseGate } from './purchase-gate.js';
import { retryTransient } from './retry.js';
import { refusalFrom, TOKEN_REFUSED } from './refusals.js';
import { isNothingLeft, salesErrors } from './sales.errors.js';
import { businessMetrics } from '../shared/business-metrics.js';

export interface HoldDeps {
  gate: PurchaseGate;
  /** Signs the receipts the hold statement wrote, once it has committed. */
  receipts: ReceiptSigner;
  logger: Logger;
  /**
   * Which waiting room's tokens buy the event's seats now: a queue-mode presale window open now
   * (src/presales), else the event's own room. Without it, always the event's own.
   */
  rooms?: { roomFor(eventId: string): Promise<string> };
}

type Caller = { userId: string };
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
   * Holds inventory for a fan, all or nothing, in one statement (`createHold`): the account's
   * lock for this event, the hold this key already made, the sale's state, the purchase token's
   * verdict, the limit, the seats or GA places, the hold row and its receipt all commit together.
   *
   * A queue-mode sale's purchase token is claimed in the waiting room first (Redis), and the
   * statement is told the verdict: it refuses a refused token only after the checks a fan can
   * fix themselves (so they learn those first), and answers a replayed key whatever the token
   * says (its retry finds the token spent by its own first attempt). A refusal after a claim
   * gives the token back; after "sold out" it stops reserving seats.
   */
  async create(caller: Caller, input: HoldRequest, idempotencyKey: string): Promise<HoldView> {
    const token = input.purchaseToken;
    let claimed = false;
    let tokenRefusal: unknown = null;
    // Asked only for a request that carries a token: open sales pay nothing for presales.
    const room = token && this.deps.rooms ? await this.deps.rooms.roomFor(input.eventId) : input.eventId;
    if (token) {
      try {
        await this.deps.gate.claim(token, caller.userId, room);
        claimed = true;
      } catch (err) {
        tokenRefusal = err;
      }
    }
    let created: CreatedHold;
    try {
      created = await retryTransient(() =>
        holdsRepo.createHold(this.db, {
          userId: caller.userId,
          eventId: input.eventId,
          tierId: input.tierId,
          quantity: input.seats?.length ?? input.quantity!,
          seats: input.seats ?? null,
          together: input.together ?? false,
          key: idempotencyKey,
          requestHash: keyedHash(idempotencyKey, { ...input, purchaseToken: undefined }),
          tokenHash: claimed ? tokenHash(token!) : null,
          tokenRefused: tokenRefusal !== null,
        }),
      );
    } catch (err) {
      throw await this.refused(caller, input, room, idempotencyKey, err, claimed, tokenRefusal);
    }
    const { hold, seats } = created;
    // The answer is the same either way; the statement's result says whether it was new.
    if (created.replay) {
      if (claimed) await this.releaseToken(caller, input, room, { keepShare: true });
      return presentHold(hold, seats);
    }
    this.deps.receipts.add(created.receipts);
    businessMetrics.holdsCreated.inc();
    if (claimed) {
      businessMetrics.tokensUsed.inc();
      await this.deps.gate.settle(token!, caller.userId, room).catch((err: unknown) => {
        this.deps.logger.warn(
          { err, holdId: hold.id },
          'purchase token not settled; its claim window will end on its own',
        );
      });
    }
    return presentHold(hold, seats);
  }

  /** The problem to answer for a hold that was not made, after giving back a token it claimed. */
  private async refused(
    caller: Caller,
    input: HoldRequest,
    room: string,
    idempotencyKey: string,
    err: unknown,
    claimed: boolean,
    tokenRefusal: unknown,
  ): Promise<unknown> {
    if (sqlRefusal(err)?.code === TOKEN_REFUSED) return tokenRefusal;
    if (isUniqueViolation(err, 'holds_user_key_unique')) {
      // The same key raced in for another event (a different lock): the first hold is the answer.
      const existing = await holdsRepo.findHoldByKey(this.db, caller.userId, idempotencyKey);
      if (existing && (existing.eventId !== input.eventId || existing.tierId !== input.tierId))
        return salesErrors.keyReused();
    }
    // The gate's own refusal for a spent token, so the fan sees one code for it (queue/errors.ts).
    if (isUniqueViolation(err, 'holds_token_unique')) return queueProblem(-8, { eventId: input.eventId });
    const problem = refusalFrom(err) ?? err;
    if (claimed && problem instanceof AppError && problem.status < 500)
      await this.releaseToken(caller, input, room, { keepShare: !isNothingLeft(problem) });
    return problem;
  }

  private async releaseToken(
    caller: Caller,
    input: HoldRequest,
    room: string,
    options: { keepShare: boolean },
  ): Promise<void> {
    await this.deps.gate.release(input.purchaseToken!, caller.userId, room, options).catch((err: unknown) => {
      this.deps.logger.warn({ err }, 'purchase token not released after a refused hold');
    });
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
    if (released) businessMetrics.holdsReleased.inc();
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
}
