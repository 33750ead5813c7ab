/**
 * How a hold ends, as functions that run INSIDE THE CALLER'S TRANSACTION (pass `tx`, never the
 * pool), so that the hold's state, the inventory and the caller's own rows (an order, tickets)
 * commit together or not at all.
 *
 * convertHold(tx, holdId, userId, { signer?, actorId?, orderId? }) → HeldItems
 *   For the order flow. Succeeds only if the hold belongs to `userId`, is `active` and its
 *   `expires_at` is still in the future by the database clock; then, in `tx`: the hold becomes
 *   `converted`, its seats go `held` → `sold` (they keep `hold_id`), or its GA quantity moves
 *   from `held` to `sold`. Returns what was bought at the prices shown when it was held.
 *   Throws (AppError) and changes nothing:
 *     404 sales.hold_not_found   no such hold, or another account's (no existence leak)
 *     409 sales.hold_expired     past its expiry (whether or not the sweeper got there yet)
 *     409 sales.hold_not_active  released or already converted (`data.status` says which)
 *   Converting does not change the per-account count (src/sales/limits.ts): the tickets were
 *   already counted while held. The `hold.converted` receipt comes back as `receipt`: pass
 *   `signer` to have it written in `tx` here, or (what the order flow does) append it in `tx`
 *   yourself together with your own receipts, one timeline append for the whole change.
 *   Call it before capturing any payment: if it throws, the caller's transaction must roll back.
 *
 * releaseHold(tx, holdId, { signer?, actorId?, reason? }) → HoldRow | undefined
 *   Gives the inventory back (seats → available, GA held − quantity) if the hold is `active`
 *   (expired-but-unswept included). Returns the released hold, or undefined when it was not
 *   active: calling it twice, or after expiry or conversion, changes nothing. No ownership
 *   check: the caller decides who may release (the DELETE route checks the owner).
 *
 * expireHold(tx, holdId, { signer? }) → HoldRow | undefined
 *   The same, for the expiry sweep: only a hold that is active AND due moves.
 */
import type { Db } from '../db/types.js';
import type { PlatformSigner } from '../shared/signing.js';
import { appendTimeline, type TimelineEvent } from '../timeline/timeline.repository.js';
import * as holdsRepo from './holds.repository.js';
import type { HoldRow } from './holds.repository.js';
import { releaseInventory, sellInventory, type SeatRef } from './inventory.repository.js';
import { salesErrors } from './sales.errors.js';

export interface HeldItems {
  holdId: string;
  userId: string;
  eventId: string;
  tierId: string;
  kind: 'seats' | 'ga';
  quantity: number;
  /** Per ticket, as shown when the hold was made; the fan pays quantity × (price + fee). */
  unitPriceCents: number;
  unitFeeCents: number;
  currency: string;
  /** The sold seats; empty for general admission. */
  seats: SeatRef[];
  /** The `hold.converted` receipt; already appended when a signer was passed, else the caller's to append in `tx`. */
  receipt: TimelineEvent;
}

export interface ReceiptOptions {
  signer?: PlatformSigner;
  /** Who did it (the fan, an organizer, staff); null or absent for the system. */
  actorId?: string | null;
}

function holdEvent(
  hold: HoldRow,
  kind: string,
  actorId: string | null | undefined,
  data: Record<string, unknown>,
): TimelineEvent {
  return {
    userId: hold.userId,
    kind,
    subjectType: 'hold',
    subjectId: hold.id,
    eventId: hold.eventId,
    actorId: actorId ?? null,
    data: { holdId: hold.id, tierId: hold.tierId, quantity: hold.quantity, ...data },
  };
}

async function receipt(
  tx: Db,
  options: ReceiptOptions,
  hold: HoldRow,
  kind: string,
  data: Record<string, unknown> = {},
) {
  if (!options.signer) return;
  await appendTimeline(tx, options.signer, [holdEvent(hold, kind, options.actorId, data)]);
}

export async function convertHold(
  tx: Db,
  holdId: string,
  userId: string,
  options: ReceiptOptions & { orderId?: string } = {},
): Promise<HeldItems> {
  const hold = await holdsRepo.markConverted(tx, holdId, userId);
  if (!hold) {
    const existing = await holdsRepo.findHold(tx, holdId);
    if (!existing || existing.userId !== userId) throw salesErrors.holdNotFound();
    // Still `active` here means the update refused it for being due.
    if (existing.status === 'expired' || existing.status === 'active') throw salesErrors.holdExpired();
    throw salesErrors.holdNotActive(existing.status);
  }
  const sold = await sellInventory(tx, hold);
  if (hold.kind === 'seats' && sold.length !== hold.quantity) {
    // Impossible while seats.hold_id and the CHECKs hold; failing loudly rolls the order back.
    throw new Error(`hold ${hold.id} had ${sold.length} held seats, expected ${hold.quantity}`);
  }
  const converted = holdEvent(
    hold,
    'hold.converted',
    options.actorId === undefined ? userId : options.actorId,
    options.orderId ? { orderId: options.orderId } : {},
  );
  if (options.signer) await appendTimeline(tx, options.signer, [converted]);
  return {
    holdId: hold.id,
    userId: hold.userId,
    eventId: hold.eventId,
    tierId: hold.tierId,
    kind: hold.kind,
    quantity: hold.quantity,
    unitPriceCents: hold.unitPriceCents,
    unitFeeCents: hold.unitFeeCents,
    currency: hold.currency,
    seats: sold.sort((a, b) => hold.seatIds.indexOf(a.id) - hold.seatIds.indexOf(b.id)),
    receipt: converted,
  };
}

export async function releaseHold(
  tx: Db,
  holdId: string,
  options: ReceiptOptions & { reason?: string } = {},
): Promise<HoldRow | undefined> {
  const hold = await holdsRepo.markReleased(tx, holdId);
  if (!hold) return undefined;
  await releaseInventory(tx, hold);
  await receipt(tx, options, hold, 'hold.released', options.reason ? { reason: options.reason } : {});
  return hold;
}

export async function expireHold(
  tx: Db,
  holdId: string,
  options: Pick<ReceiptOptions, 'signer'> = {},
): Promise<HoldRow | undefined> {
  const hold = await holdsRepo.markExpired(tx, holdId);
  if (!hold) return undefined;
  await releaseInventory(tx, hold);
  await receipt(tx, { signer: options.signer, actorId: null }, hold, 'hold.expired', {
    expiredAt: hold.expiresAt.toISOString(),
  });
  return hold;
}
