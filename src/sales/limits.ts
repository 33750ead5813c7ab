import { and, eq, gt, or, sql } from 'drizzle-orm';
import type { Db } from '../db/types.js';
import { holds } from './holds.table.js';

/**
 * The per-account ticket limit, in ONE place. Everything that adds tickets to an account for
 * an event (a hold today; later a transfer or a gift received) must, in its own transaction:
 *   1. `await lockAccountEvent(tx, userId, eventId)` — serialises that account's changes for
 *      that event, so two concurrent requests cannot both see room for one more;
 *   2. `await countTowardsLimit(tx, userId, eventId)` and refuse when count + wanted > limit.
 * The lock is transaction-scoped and released at commit or rollback.
 */

export async function lockAccountEvent(tx: Db, userId: string, eventId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`limit:${userId}:${eventId}`}, 0))`);
}

/**
 * What counts against the limit: tickets in the account's live holds (active and not yet past
 * expiry; an expired hold cannot be paid for, even before the sweeper gets to it) plus tickets
 * it bought (converted holds).
 *
 * TO EXTEND when src/tickets lands: "bought" should become "owned" — count the `tickets` rows
 * with holder_user_id = userId, event_id = eventId and a status that can still enter, instead of
 * converted holds, so that transfers, gifts and refunds move the count to the right account.
 * Keep the active-hold half as it is.
 */
export async function countTowardsLimit(tx: Db, userId: string, eventId: string): Promise<number> {
  const [row] = await tx
    .select({ count: sql<number>`coalesce(sum(${holds.quantity}), 0)::int` })
    .from(holds)
    .where(
      and(
        eq(holds.userId, userId),
        eq(holds.eventId, eventId),
        or(and(eq(holds.status, 'active'), gt(holds.expiresAt, sql`now()`)), eq(holds.status, 'converted')),
      ),
    );
  return row?.count ?? 0;
}

/** The tighter of the event's policy and the on-sale's setting; null when neither sets one. */
export function effectiveLimit(...limits: (number | null | undefined)[]): number | null {
  const set = limits.filter((l): l is number => typeof l === 'number');
  return set.length > 0 ? Math.min(...set) : null;
}
