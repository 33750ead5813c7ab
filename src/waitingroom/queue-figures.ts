import type { WaitingRoom } from '../../queue/waiting-room.js';
import type { Db } from '../db/types.js';
import { activeQueueSales } from '../sales/onsale.repository.js';

/** One waiting room's figures as they stand, for /metrics. */
export interface QueueFigures {
  eventId: string;
  /** Fans in the room not yet admitted. */
  waiting: number;
  admitted: number;
  tokens: { outstanding: number; used: number; expired: number };
}

/**
 * The figures of every waiting room the scheduler looks after, read from Redis when /metrics is
 * scraped: one query for the rooms and one stats call per room, never on a fan's request. A
 * room that is not open yet has none.
 */
export async function queueFigures(deps: { db: Db; room: WaitingRoom }, now = new Date()): Promise<QueueFigures[]> {
  const sales = await activeQueueSales(deps.db, now);
  const figures = await Promise.all(
    sales.map((sale) =>
      deps.room.stats(sale.eventId).then(
        (stats): QueueFigures => ({
          eventId: sale.eventId,
          waiting: stats.waiting,
          admitted: stats.admitted,
          tokens: { outstanding: stats.outstandingTokens, used: stats.claimedTokens, expired: stats.expiredTokens },
        }),
        () => null,
      ),
    ),
  );
  return figures.filter((f): f is QueueFigures => f !== null);
}
