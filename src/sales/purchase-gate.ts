import { salesErrors } from './sales.errors.js';

/**
 * The hook between the waiting room and the sales core. A queue-mode on-sale holds seats only
 * for a fan who presents a purchase token; the hold service calls `claim` before it touches
 * inventory and `release` when the hold then fails for a reason the fan can fix (a seat was
 * just taken), so the fan can try again with the same token until it expires.
 *
 * The waiting room (queue/) provides the real implementation and is wired in src/app.ts.
 */
export interface PurchaseGate {
  /**
   * Redeems `token` for this account and event, once. Resolves when the token is valid, unused,
   * unexpired and bound to `userId` and `eventId`; otherwise throws an AppError. The waiting
   * room's gate answers queue/errors.ts codes: 403 `queue.token_invalid`, 403
   * `queue.token_wrong_account`, 410 `queue.token_expired`, 409 `queue.token_used`.
   */
  claim(token: string, userId: string, eventId: string): Promise<void>;
  /**
   * Makes a claimed token usable again (never past its original expiry). `keepShare: false`
   * when the hold found nothing left to sell: the token stops reserving seats, so seats that
   * come back are offered to the next fans in line too. Best effort: errors are logged, not shown.
   */
  release(token: string, userId: string, eventId: string, options: { keepShare: boolean }): Promise<void>;
  /**
   * The token's hold has committed: its seats are counted by Postgres now, so the waiting room
   * stops reserving them for the token at once instead of at the end of its claim window.
   * Best effort: if it fails, the window still ends on its own.
   */
  settle(token: string, userId: string, eventId: string): Promise<void>;
}

/**
 * The gate until the waiting room is plugged in: it accepts no token at all. A queue-mode
 * on-sale therefore sells nothing rather than letting anyone past a queue that does not exist.
 */
export const refuseAllPurchaseTokens: PurchaseGate = {
  claim: async () => {
    throw salesErrors.tokenInvalid('Purchase tokens cannot be redeemed yet: the waiting room is not connected.');
  },
  release: async () => {},
  settle: async () => {},
};
