import type { Db } from '../db/types.js';
import type { TimelineEvent } from '../timeline/timeline.repository.js';

/**
 * What orders need from the holds of src/sales: turn an active hold's seats into sold seats,
 * or give them back, inside the order's own transaction. Injected by the composition root so
 * the checkout stays independent of how holds are taken.
 */
/** What a converted hold sold, at the prices shown when it was held. */
export interface ConvertedHold {
  tierId: string;
  kind: 'seats' | 'ga';
  quantity: number;
  unitPriceCents: number;
  unitFeeCents: number;
  seats: { id: string }[];
  /** The hold's `hold.converted` receipt, for the caller to append in `tx` with its own (one append per change). */
  receipt: TimelineEvent;
}

export interface HoldPort {
  /** Throws the sales problem (`sales.hold_expired`, `sales.hold_not_active`…) when it cannot. */
  convert(tx: Db, holdId: string, userId: string, orderId: string): Promise<ConvertedHold>;
  release(tx: Db, holdId: string): Promise<unknown>;
}
