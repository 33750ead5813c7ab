/**
 * The per-account ticket limit. Everything that adds tickets to an account for an event (a
 * hold; a transfer or a gift received) must, in its own transaction:
 *   1. lock the account and event — serialises that account's changes for that event, so two
 *      concurrent requests cannot both see room for one more;
 *   2. count what the account has for the event and refuse when count + wanted > limit.
 * The lock is a transaction-scoped advisory lock on `limit:<userId>:<eventId>`, released at
 * commit or rollback. The rule is carried out in two places that share that key and that count:
 *   - a hold: inside the SQL function `fd_hold_create` (drizzle/0018 defines it, drizzle/0024
 *     holds the body that runs), which locks, counts and refuses in the statement that holds;
 *   - a ticket moved between accounts (transfer, gift): the receiving account, through
 *     `lockAccountEvent` and `countTowardsLimit` from holds.repository.ts, re-exported here.
 */
export { countTowardsLimit, lockAccountEvent } from './holds.repository.js';

/** The tighter of the event's policy and the on-sale's setting; null when neither sets one. */
export function effectiveLimit(...limits: (number | null | undefined)[]): number | null {
  const set = limits.filter((l): l is number => typeof l === 'number');
  return set.length > 0 ? Math.min(...set) : null;
}
