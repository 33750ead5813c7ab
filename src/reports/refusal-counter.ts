import type { Db } from '../db/types.js';
import type { Logger } from '../logger.js';
import { Batcher } from '../shared/batcher.js';
import { addRefusals, type RefusalCount } from './drop-facts.repository.js';

/** Why a join was refused before it reached the queue: what the report's "bots refused" counts. */
export type RefusalReason = 'pow_required' | 'pow_invalid' | 'rate_limited';

const MINUTE_MS = 60_000;

/**
 * Counts refused joins per event, reason and minute for the post-drop report. The join answers
 * at once and does not wait: the count is queued and the refusals of the same moment are added
 * by one upsert (src/shared/batcher.ts), so a storm of bad joins costs a few statements, not
 * one round trip each. A count that cannot be written is logged and dropped: the report is a
 * statistic, and a refusal must never fail because of it.
 */
export class RefusalCounter {
  private readonly batcher: Batcher<RefusalCount, void>;

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
  ) {
    // Up to 2,000 refusals summed per statement; the rows of a batch are a handful (events × reasons × minutes).
    this.batcher = new Batcher((items) => this.write(items), 2_000);
  }

  count(eventId: string, reason: RefusalReason, at = Date.now()): void {
    const minute = new Date(Math.floor(at / MINUTE_MS) * MINUTE_MS);
    this.batcher
      .run({ eventId, reason, minute, count: 1 })
      .catch((err: unknown) => this.logger.warn({ err, eventId, reason }, 'join refusal not counted'));
  }

  private async write(items: readonly RefusalCount[]): Promise<void[]> {
    const sums = new Map<string, RefusalCount>();
    for (const item of items) {
      const key = `${item.eventId}|${item.reason}|${item.minute.getTime()}`;
      const seen = sums.get(key);
      if (seen) seen.count += item.count;
      else sums.set(key, { ...item });
    }
    await addRefusals(this.db, [...sums.values()]);
    return items.map(() => undefined);
  }
}
