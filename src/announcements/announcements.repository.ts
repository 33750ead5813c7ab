import { and, asc, gt, or, sql } from 'drizzle-orm';
import { users } from '../auth/auth.joinable.js';
import type { Db } from '../db/types.js';
import { watches } from '../notifications/notifications.joinable.js';
import { tickets } from '../tickets/tickets.joinable.js';

/** Who hears an announcement about an event. */
export type Audience = 'holders' | 'watchers' | 'holders_and_watchers';

function audienceFilter(eventId: string, audience: Audience) {
  // Holders of revoked tickets count: a cancellation revokes them before anyone is told.
  const holders = sql`${users.id} in (select ${tickets.holderId} from ${tickets} where ${tickets.eventId} = ${eventId} and ${tickets.status} in ('valid', 'revoked'))`;
  const watchers = sql`${users.id} in (select ${watches.userId} from ${watches} where ${watches.eventId} = ${eventId})`;
  return audience === 'holders' ? holders : audience === 'watchers' ? watchers : or(holders, watchers);
}

/**
 * The next `limit` people of an event's audience after the account id `after`, in id order:
 * each account once, however many tickets it holds and whether it also watches the event.
 */
export async function audiencePage(
  db: Db,
  eventId: string,
  audience: Audience,
  after: string,
  limit: number,
): Promise<{ id: string; email: string }[]> {
  return db
    .select({ id: users.id, email: users.email })
    .from(users)
    .where(and(gt(users.id, after), audienceFilter(eventId, audience)))
    .orderBy(asc(users.id))
    .limit(limit);
}
