import { Queue, Worker } from 'bullmq';
import type { Infra } from '../infra/types.js';
import type { Db } from '../db/types.js';
import { bullConnection, bullPrefix } from '../jobs/connection.js';
import type { JobModule } from '../jobs/runtime.js';
import type { PlatformSigner } from '../shared/signing.js';
import { expireHold } from './hold-lifecycle.js';
import { dueHoldIds } from './holds.repository.js';
import { retryTransient } from './retry.js';
import { businessMetrics } from '../shared/business-metrics.js';

/**
 * Holds expire by a sweep: every SWEEP_EVERY_MS one worker (a BullMQ job scheduler, so one sweep
 * per interval across all worker processes) reads the overdue holds from their index and
 * expires each with `expireHold`, a conditional UPDATE, so two sweeps meeting on a hold, or a fan
 * releasing it at the same moment, change it once. Seats come back within about
 * SWEEP_EVERY_MS of the expiry, by the database's clock; the API does nothing per hold for it.
 */
export const HOLD_SWEEP_QUEUE = 'hold-sweep';

/** Half a second: seats come back within a second of their expiry; an idle sweep is one index probe. */
const SWEEP_EVERY_MS = 500;
/** Holds per sweep: bounds one run's duration; a backlog drains over the next runs. */
const SWEEP_BATCH = 500;
/** Holds expired side by side in a sweep: each is one short transaction; the pool has 10 connections. */
const SWEEP_CONCURRENCY = 4;

/** Expires every overdue hold (up to a batch); returns how many it expired. */
export async function sweepExpiredHolds(db: Db, signer: PlatformSigner, batch = SWEEP_BATCH): Promise<number> {
  const due = await dueHoldIds(db, batch);
  let expired = 0;
  const lanes = Array.from({ length: Math.min(SWEEP_CONCURRENCY, due.length) }, async () => {
    for (let id = due.pop(); id !== undefined; id = due.pop()) {
      if (await retryTransient(() => db.transaction((tx) => expireHold(tx, id!, { signer })))) {
        expired++;
        businessMetrics.holdsExpired.inc();
      }
    }
  });
  await Promise.all(lanes);
  return expired;
}

export interface HoldExpiryOptions {
  sweepEveryMs?: number;
}

export function holdExpiryModule(options: HoldExpiryOptions = {}): JobModule {
  const { sweepEveryMs = SWEEP_EVERY_MS } = options;
  return {
    name: 'hold-expiry',
    async start(infra: Infra) {
      const { db } = infra.database;
      const connection = bullConnection(infra.config);
      const prefix = bullPrefix(infra.config);
      const queue = new Queue(HOLD_SWEEP_QUEUE, { connection, prefix });
      await queue.upsertJobScheduler(
        'sweep',
        { every: sweepEveryMs },
        { name: 'sweep', opts: { removeOnComplete: true, removeOnFail: 100 } },
      );
      const worker = new Worker(
        HOLD_SWEEP_QUEUE,
        async () => {
          const expired = await sweepExpiredHolds(db, infra.signer);
          if (expired > 0) infra.logger.info({ expired }, 'hold sweeper expired overdue holds');
          return expired;
        },
        { connection, prefix, concurrency: 1 },
      );
      worker.on('failed', (job, err) => infra.logger.warn({ err, jobId: job?.id }, 'hold sweep failed'));
      return {
        close: async () => {
          await worker.close();
          await queue.close();
          await connection.quit();
        },
      };
    },
  };
}
