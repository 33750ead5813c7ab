import { Queue, Worker } from 'bullmq';
import type { Infra } from '../infra/types.js';
import { deleteExpiredIdempotencyKeys } from '../http/idempotency.js';
import { bullConnection, bullPrefix } from './connection.js';
import type { JobModule } from './runtime.js';

/**
 * Forgets what is kept only for a while: idempotent answers older than IDEMPOTENCY_TTL_HOURS.
 * A claim already treats such an answer as gone (its key is a new request); the sweep bounds
 * how long its sealed copy stays on disk and how large the table grows (a row per hold, order
 * and sign-in of every drop).
 */
const QUEUE = 'retention';

/** 10 minutes: an expired row outlives its TTL by at most this; the delete is an index range. */
const SWEEP_EVERY_MS = 10 * 60_000;

export interface RetentionReport {
  idempotencyKeys: number;
}

export async function sweepRetention(infra: Pick<Infra, 'database' | 'config'>): Promise<RetentionReport> {
  const before = new Date(Date.now() - infra.config.IDEMPOTENCY_TTL_HOURS * 3_600_000);
  return { idempotencyKeys: await deleteExpiredIdempotencyKeys(infra.database.db, before) };
}

/** A job scheduler (one sweep per interval across all workers), plus one sweep at start. */
export function retentionModule(options: { sweepEveryMs?: number } = {}): JobModule {
  const { sweepEveryMs = SWEEP_EVERY_MS } = options;
  return {
    name: 'retention',
    async start(infra) {
      const prefix = bullPrefix(infra.config);
      const queueConnection = bullConnection(infra.config);
      const workerConnection = bullConnection(infra.config);
      const queue = new Queue(QUEUE, { connection: queueConnection, prefix });
      const opts = { removeOnComplete: 20, removeOnFail: 50 };
      await queue.upsertJobScheduler('sweep', { every: sweepEveryMs }, { name: 'sweep', opts });
      await queue.add('sweep', {}, opts);
      const worker = new Worker(
        QUEUE,
        async () => {
          const report = await sweepRetention(infra);
          if (report.idempotencyKeys > 0) infra.logger.info({ report }, 'retention sweep');
          return report;
        },
        // One sweep at a time: a sweep already deletes everything due.
        { connection: workerConnection, prefix, concurrency: 1 },
      );
      worker.on('failed', (job, err) => infra.logger.warn({ err, jobId: job?.id }, 'retention sweep failed'));
      return {
        close: async () => {
          await worker.close();
          await queue.close();
          await Promise.allSettled([queueConnection.quit(), workerConnection.quit()]);
        },
      };
    },
  };
}
