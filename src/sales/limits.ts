import { sql } from 'drizzle-orm';
import { clientOf } from '../platform/prepared.js';
import type { Db } from '../db/types.js';
import { tickets } from '../tickets/tickets.table.js';
import { holds } from './holds.table.js';

/**
 * The per-account ticket limit, in ONE place. Everything that adds tickets to an account for
 * an event (a hold today; later a transfer or a gift received) must, in its own transaction:
 *   1. `await lockAccountEvent(tx, userId, eventId)` — serialises that account's changes for
 *      that event, so two concurrent requests cannot both see room for one more;
 *   2. `await countTowardsLimit(tx, userId, eventId)` and refuse when count + wanted > limit.
 * The lock is transaction-scoped and released at commit or rollback. Moving a ticket between
 * accounts (transfer, gift) locks and counts the receiving account.
 */

/**
 * Sent at once, not when awaited: a statement issued after this call (before awaiting it) goes
 * out behind it on the transaction's connection and so runs with the lock held (one round trip
 * for both; the hold sends its sale snapshot this way).
 */
export function lockAccountEvent(tx: Db, userId: string, eventId: string): Promise<unknown> {
  return clientOf(tx)`select pg_advisory_xact_lock(hashtextextended(${`limit:${userId}:${eventId}`}, 0))`.execute();
}

/**
 * What counts against the limit: tickets in the account's live holds (active and not yet past
 * expiry; an expired hold cannot be paid for, even before the sweeper gets to it) plus the
 * valid tickets it holds for the event (bought, or received by transfer or gift; refunded,
 * exchanged and revoked tickets no longer count). A converted hold is not counted: its
 * tickets are, from the same transaction that converted it.
 */
export async function countTowardsLimit(tx: Db, userId: string, eventId: string): Promise<number> {
  const [row] = await tx.execute<{ count: number }>(sql`
    select (
      select coalesce(sum(${holds.quantity}), 0) from ${holds}
      where ${holds.userId} = ${userId} and ${holds.eventId} = ${eventId}
        and ${holds.status} = 'active' and ${holds.expiresAt} > now()
    ) + (
      select count(*) from ${tickets}
      where ${tickets.holderId} = ${userId} and ${tickets.eventId} = ${eventId} and ${tickets.status} = 'valid'
    ) as count`);
  return Number(row?.count ?? 0);
}

/** The tighter of the event's policy and the on-sale's setting; null when neither sets one. */
export function effectiveLimit(...limits: (number | null | undefined)[]): number | null {
  const set = limits.filter((l): l is number => typeof l === 'number');
  return set.length > 0 ? Math.min(...set) : null;
}
