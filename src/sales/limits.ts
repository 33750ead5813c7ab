/**
 * The per-account ticket limit, in ONE place. Everything that adds tickets to an account for
 * an event (a hold; a transfer or a gift received) must, in its own transaction:
 *   1. `await lockAccountEvent(tx, userId, eventId)` — serialises that account's changes for
 *      that event, so two concurrent requests cannot both see room for one more;
 *   2. `await countTowardsLimit(tx, userId, eventId)` and refuse when count + wanted > limit.
 * The lock is transaction-scoped and released at commit or rollback. Moving a ticket between
 * accounts (transfer, gift) locks and counts the receiving account. A hold does both inside
 * `fd_hold_create` (drizzle/0018), with the same lock key; the statements for everything else
 * are in holds.repository.ts.
 */
export { countTowardsLimit, lockAccountEvent } from './holds.repository.js';

/** The tighter of the event's policy and the on-sale's setting; null when neither sets one. */
export function effectiveLimit(...limits: (number | null | undefined)[]): number | null {
  const set = limits.filter((l): l is number => typeof l === 'number');
  return set.length > 0 ? Math.min(...set) : null;
}
