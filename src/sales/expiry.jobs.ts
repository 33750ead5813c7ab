import { DelayedError, Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { z } from 'zod';
import type { Infra } from '../infra/types.js';
import type { Config } from '../config.js';
import type { Db } from '../db/types.js';
import type { AppRedis } from '../infra/redis.js';
import { bullConnection, bullPrefix } from '../jobs/connection.js';
import type { JobModule } from '../jobs/runtime.js';
import type { PlatformSigner } from '../shared/signing.js';
import { expireHold } from './hold-lifecycle.js';
import { dueHoldIds, findHold } from './holds.repository.js';
import type { ExpiryScheduler } from './holds.service.js';
import { retryTransient } from './retry.js';

/**
 * Two independent ways a hold expires, either enough on its own:
 *   - a delayed job per hold, due at its expiry (prompt: seats come back within a second);
 *   - a sweeper every SWEEP_EVERY_MS that expires whatever is overdue (covers a job lost with
 *     Redis, a hold committed while Redis was down, a worker that was not running).
 * Both end in `expireHold`, a conditional UPDATE, so running both, or either twice, is harmless.
 */
export const HOLD_EXPIRY_QUEUE = 'hold-expiry';
export const HOLD_SWEEP_QUEUE = 'hold-sweep';

/** A job fires this much after the expiry, so that clock drift between hosts rarely makes it early. */
const FIRE_MARGIN_MS = 250;
/** 30 s: a lost job costs a fan at most half a minute of seats shown as taken; the scan is one index range. */
const SWEEP_EVERY_MS = 30_000;
/** Holds per sweep: bounds one run's duration; a backlog drains over a few runs. */
const SWEEP_BATCH = 500;
/** Parallel expiry jobs per worker: each is one short transaction; the pool has 10 connections. */
const EXPIRY_CONCURRENCY = 4;

const payload = z.object({ holdId: z.uuid() });

/** The producer side, used by the hold service in the API process. */
export function holdExpiryScheduler(redis: AppRedis, config: Pick<Config, 'REDIS_PREFIX'>): ExpiryScheduler {
  const queue = new Queue(HOLD_EXPIRY_QUEUE, { connection: redis, prefix: bullPrefix(config) });
  return {
    schedule: async (holdId, expiresAt) => {
      await queue.add(
        'expire',
        { holdId },
        {
          // One job per hold however often scheduling is retried.
          jobId: `hold-${holdId}`,
          delay: Math.max(0, expiresAt.getTime() - Date.now()) + FIRE_MARGIN_MS,
          attempts: 5,
          backoff: { type: 'exponential', delay: 1000 },
          removeOnComplete: true,
          removeOnFail: 1000,
        },
      );
    },
  };
}

/** Expires every overdue hold (up to a batch); returns how many it expired. */
export async function sweepExpiredHolds(db: Db, signer: PlatformSigner, batch = SWEEP_BATCH): Promise<number> {
  let expired = 0;
  for (const id of await dueHoldIds(db, batch)) {
    if (await retryTransient(() => db.transaction((tx) => expireHold(tx, id, { signer })))) expired++;
  }
  return expired;
}

export interface HoldExpiryOptions {
  /** Run the per-hold delayed jobs (default on). */
  delayed?: boolean;
  /** Run the periodic sweeper (default on). */
  sweeper?: boolean;
  sweepEveryMs?: number;
}

export function holdExpiryModule(options: HoldExpiryOptions = {}): JobModule {
  const { delayed = true, sweeper = true, sweepEveryMs = SWEEP_EVERY_MS } = options;
  return {
    name: 'hold-expiry',
    async start(infra: Infra) {
      const { db } = infra.database;
      const connection = bullConnection(infra.config);
      const prefix = bullPrefix(infra.config);
      const closers: (() => Promise<unknown>)[] = [];

      if (delayed) {
        const worker = new Worker(
          HOLD_EXPIRY_QUEUE,
          async (job: Job, token?: string) => {
            const parsed = payload.safeParse(job.data);
            if (!parsed.success) throw new UnrecoverableError(`bad hold-expiry payload: ${parsed.error.message}`);
            const { holdId } = parsed.data;
            const expired = await retryTransient(() =>
              db.transaction((tx) => expireHold(tx, holdId, { signer: infra.signer })),
            );
            if (expired) return 'expired';
            const hold = await findHold(db, holdId);
            if (hold?.status === 'active' && hold.expiresAt.getTime() > Date.now() - FIRE_MARGIN_MS) {
              // Fired before the database clock reached the expiry: come back then.
              await job.moveToDelayed(hold.expiresAt.getTime() + FIRE_MARGIN_MS, token);
              throw new DelayedError();
            }
            return hold ? hold.status : 'unknown';
          },
          { connection, prefix, concurrency: EXPIRY_CONCURRENCY },
        );
        worker.on('failed', (job, err) => infra.logger.warn({ err, jobId: job?.id }, 'hold expiry job failed'));
        closers.push(() => worker.close());
      }

      const sweepQueue = new Queue(HOLD_SWEEP_QUEUE, { connection, prefix });
      closers.push(() => sweepQueue.close());
      if (sweeper) {
        // A job scheduler: one sweep per interval across all worker processes, not one per process.
        await sweepQueue.upsertJobScheduler(
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
        closers.unshift(() => worker.close());
      } else {
        await sweepQueue.removeJobScheduler('sweep');
      }

      return {
        close: async () => {
          for (const close of closers) await close();
          await connection.quit();
        },
      };
    },
  };
}
