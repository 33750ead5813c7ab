import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { z } from 'zod';
import { announce } from '../announcements/announcements.js';
import type { Infra } from '../infra/types.js';
import { findEvent } from '../catalog/catalog.repository.js';
import type { Config } from '../config.js';
import type { AppRedis } from '../infra/redis.js';
import { bullConnection, bullPrefix } from '../jobs/connection.js';
import type { JobModule } from '../jobs/runtime.js';
import { say } from '../notifications/notice-message.js';
import { timeIn } from '../notifications/notice-text.js';
import { createCommerce } from '../orders/commerce.js';
import { revokeEventTickets } from '../tickets/tickets.repository.js';
import {
  addToTotals,
  adoptUntrackedCancellations,
  completeCancellation,
  findCancellation,
  markAnnounced,
  listOrdersToRefund,
  openCancellations,
  pendingOrderIds,
} from './cancellations.repository.js';
import type { CancellationQueue } from './cancellations.service.js';
import { refundForCancellation, type RefundDeps } from './refund-order.js';

/**
 * One queue, three kinds of job:
 *   fanout  {eventId}           lists the pending orders as refund jobs, then tells holders and watchers;
 *   refund  {eventId, orderId}  refunds one order (jobId per order: enqueued twice, it exists once);
 *   sweep   (repeatable)        finds cancellations with pending orders and enqueues them again.
 * Postgres holds the work list (cancellation_refunds); Redis only holds the current attempt,
 * so a lost Redis, a dead worker or a duplicate job all end in "run it again".
 */
export const CANCELLATION_QUEUE = 'event-cancellation';

/** Orders read and enqueued per page in a fan-out: one addBulk round trip each. */
const FANOUT_PAGE = 500;
/**
 * Refund jobs in parallel per worker. A job is ~20 short round trips to Postgres and one to
 * the processor, so it mostly waits; 8 keeps the pool (10 connections) busy and leaves two
 * for the outbox dispatcher and the announcement running beside it.
 */
const REFUND_CONCURRENCY = 8;
/**
 * A killed worker's active jobs are retried once their lock lapses: 15 s (not BullMQ's 30)
 * brings a crashed cancellation back sooner; a refund job takes well under a second, and
 * the lock is renewed at half this while it runs.
 */
const LOCK_MS = 15_000;
/** How often a worker looks for such jobs. */
const STALLED_CHECK_MS = 5_000;

const fanoutData = z.object({ eventId: z.uuid() });
const refundData = z.object({ eventId: z.uuid(), orderId: z.uuid() });

const jobOptions = {
  // Transient failures (a deadlock, Stripe hiccup) retry with backoff; the sweeper catches whatever still fails.
  attempts: 5,
  backoff: { type: 'exponential' as const, delay: 1000 },
  removeOnComplete: true,
  removeOnFail: 1000,
};

const refundJob = (eventId: string, orderId: string) => ({
  name: 'refund',
  data: { eventId, orderId },
  opts: { ...jobOptions, jobId: `refund-${orderId}` },
});

/** The producer the API uses: the fan-out job of an event, once per event while it exists. */
export function cancellationQueue(redis: AppRedis, config: Pick<Config, 'REDIS_PREFIX'>): CancellationQueue {
  const queue = new Queue(CANCELLATION_QUEUE, { connection: redis, prefix: bullPrefix(config) });
  return {
    start: async (eventId) => {
      await queue.add('fanout', { eventId }, { ...jobOptions, jobId: `fanout-${eventId}` });
    },
  };
}

export function cancellationModule(options: { sweepEveryMs?: number } = {}): JobModule {
  return {
    name: 'event-cancellation',
    async start(infra: Infra) {
      const { db } = infra.database;
      const { orders, providers, receipts } = createCommerce(infra);
      const deps: RefundDeps = {
        db,
        providers,
        signer: infra.signer,
        settlement: orders.settlement,
        logger: infra.logger,
      };
      const prefix = bullPrefix(infra.config);
      const queueConnection = bullConnection(infra.config);
      const workerConnection = bullConnection(infra.config);
      const queue = new Queue(CANCELLATION_QUEUE, { connection: queueConnection, prefix });

      const enqueueAll = async (eventId: string): Promise<number> => {
        let after: string | null = null;
        let total = 0;
        for (;;) {
          const ids = await pendingOrderIds(db, eventId, after, FANOUT_PAGE);
          if (ids.length === 0) return total;
          await queue.addBulk(ids.map((orderId) => refundJob(eventId, orderId)));
          total += ids.length;
          after = ids.at(-1)!;
        }
      };

      const announceCancelled = async (eventId: string) => {
        const [event, cancellation] = await Promise.all([findEvent(db, eventId), findCancellation(db, eventId)]);
        if (!event || !cancellation || cancellation.announcedAt) return 0;
        const written = await announce(db, eventId, 'holders_and_watchers', {
          kind: 'event.cancelled',
          causeKey: eventId,
          message: {
            title: say('notices:cancelled.title', { event: event.title }),
            body: [
              say('notices:cancelled.body', {
                event: event.title,
                time: timeIn('startsAt'),
                reason: cancellation.reason,
              }),
              say('notices:cancelled.refunds'),
            ],
          },
          data: { reason: cancellation.reason, startsAt: event.startsAt.toISOString() },
          mail: true,
        });
        await markAnnounced(db, eventId);
        return written;
      };

      const handle = async (job: Job) => {
        if (job.name === 'refund') {
          const parsed = refundData.safeParse(job.data);
          if (!parsed.success) throw new UnrecoverableError(`bad refund payload: ${parsed.error.message}`);
          const outcome = await refundForCancellation(deps, parsed.data.eventId, parsed.data.orderId);
          // The last refund closes the cancellation (one indexed EXISTS); otherwise the sweeper does.
          await completeCancellation(db, parsed.data.eventId);
          return outcome;
        }
        if (job.name === 'fanout') {
          const parsed = fanoutData.safeParse(job.data);
          if (!parsed.success) throw new UnrecoverableError(`bad fanout payload: ${parsed.error.message}`);
          // Refunds first (money matters most), then the news; both are safe to repeat.
          const enqueued = await enqueueAll(parsed.data.eventId);
          const notified = await announceCancelled(parsed.data.eventId);
          return { enqueued, notified };
        }
        if (job.name === 'sweep') return sweep();
        throw new UnrecoverableError(`unknown job ${job.name}`);
      };

      /**
       * Every unfinished cancellation (and events cancelled through the catalog's PATCH): adopt
       * orders that committed after it (a checkout in flight at that moment), revoke their tickets, re-enqueue what is pending, finish an
       * announcement a crash interrupted, close it when nothing is left.
       */
      const sweep = async () => {
        let enqueued = 0;
        await adoptUntrackedCancellations(db);
        for (const c of await openCancellations(db)) {
          await db.transaction(async (tx) => {
            const tickets = await revokeEventTickets(tx, c.eventId);
            await addToTotals(tx, c.eventId, await listOrdersToRefund(tx, c.eventId), tickets);
          });
          enqueued += await enqueueAll(c.eventId);
          await announceCancelled(c.eventId);
          await completeCancellation(db, c.eventId);
        }
        return { enqueued };
      };

      await queue.upsertJobScheduler(
        'sweep',
        { every: options.sweepEveryMs ?? infra.config.CANCELLATION_SWEEP_MS },
        { name: 'sweep', opts: { removeOnComplete: true, removeOnFail: 100 } },
      );
      const worker = new Worker(CANCELLATION_QUEUE, handle, {
        connection: workerConnection,
        prefix,
        concurrency: REFUND_CONCURRENCY,
        lockDuration: LOCK_MS,
        stalledInterval: STALLED_CHECK_MS,
      });
      worker.on('failed', (job, err) =>
        infra.logger.warn({ err, jobId: job?.id, name: job?.name }, 'cancellation job failed'),
      );
      return {
        close: async () => {
          await worker.close();
          await queue.close();
          await receipts.flush();
          await Promise.allSettled([queueConnection.quit(), workerConnection.quit()]);
        },
      };
    },
  };
}
