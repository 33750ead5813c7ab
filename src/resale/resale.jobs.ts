import { Queue, Worker } from 'bullmq';
import type { Infra } from '../infra/types.js';
import { bullConnection, bullPrefix } from '../jobs/connection.js';
import type { JobModule } from '../jobs/runtime.js';
import { createCommerce } from '../orders/commerce.js';
import { ResalePurchases } from './resale.purchase.js';
import { ResaleService } from './resale.service.js';

export const RESALE_SWEEP_QUEUE = 'resale-sweep';

/** Five seconds: a lapsed waitlist offer passes on within that (a read or purchase of it passes it at once). */
const SWEEP_EVERY_MS = 5_000;
/** A committed sale left uncaptured this long is the sweep's: the request that made it has given up by then. */
const SETTLE_AFTER_MS = 60_000;
/** A purchase still before its commit this long was abandoned by a crash: its authorization is released. */
const ABANDONED_AFTER_MS = 10 * 60_000;

/** Builds the resale services for a process (API node or worker). */
export function createResale(infra: Infra, providers = createCommerce(infra).providers) {
  const deps = {
    db: infra.database.db,
    signer: infra.signer,
    logger: infra.logger,
    publicUrl: infra.config.PUBLIC_URL ?? '',
  };
  const resale = new ResaleService(deps);
  return { resale, purchases: new ResalePurchases({ ...deps, providers, resale }) };
}

/**
 * The resale sweep: passes lapsed waitlist offers on (to the next fan in line, or to everyone),
 * captures card sales a crash left committed, paying their sellers, refunds the buyers of
 * resold tickets whose event was cancelled, and releases authorizations a crash left before a
 * commit. One run per interval
 * across all workers (a BullMQ job scheduler); each step is a conditional write, so two runs
 * meeting on a listing change it once.
 */
export function resaleModule(): JobModule {
  return {
    name: 'resale',
    async start(infra: Infra) {
      const { resale, purchases } = createResale(infra);
      const connection = bullConnection(infra.config);
      const prefix = bullPrefix(infra.config);
      const queue = new Queue(RESALE_SWEEP_QUEUE, { connection, prefix });
      await queue.upsertJobScheduler(
        'sweep',
        { every: SWEEP_EVERY_MS },
        { name: 'sweep', opts: { removeOnComplete: true, removeOnFail: 100 } },
      );
      const worker = new Worker(
        RESALE_SWEEP_QUEUE,
        async () => {
          const passed = await resale.passOnLapsedOffers();
          const settled = await purchases.settleCommitted(SETTLE_AFTER_MS);
          const refunded = await purchases.refundCancelled();
          const released = await purchases.releaseAbandoned(ABANDONED_AFTER_MS);
          if (passed + settled + refunded + released > 0)
            infra.logger.info({ passed, settled, refunded, released }, 'resale sweep');
          return { passed, settled, refunded, released };
        },
        { connection, prefix, concurrency: 1 },
      );
      worker.on('failed', (job, err) => infra.logger.warn({ err, jobId: job?.id }, 'resale sweep failed'));
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
