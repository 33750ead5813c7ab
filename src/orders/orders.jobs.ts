import { Queue, Worker } from 'bullmq';
import type { JobModule } from '../jobs/runtime.js';
import { bullConnection, bullPrefix } from '../jobs/connection.js';
import { createCommerce } from './commerce.js';

const QUEUE = 'payments-reconcile';

/**
 * The reconciler as a background job: a repeatable sweep every RECONCILE_EVERY_MS, plus one
 * right at start, so a node restarted after a crash settles what the crash left without
 * waiting a full interval. Sweeps on several nodes may overlap; every step they take is a
 * conditional state change, so the second one finds nothing to do.
 */
export const reconcilerJobs: JobModule = {
  name: 'payments-reconciler',
  async start(infra) {
    const { orders, receipts } = createCommerce(infra);
    const prefix = bullPrefix(infra.config);
    const queueConnection = bullConnection(infra.config);
    const workerConnection = bullConnection(infra.config);
    const queue = new Queue(QUEUE, { connection: queueConnection, prefix });
    await queue.upsertJobScheduler(
      'sweep',
      { every: infra.config.RECONCILE_EVERY_MS },
      // Keep a short history for operators; failures are logged and retried by the next sweep anyway.
      { name: 'sweep', opts: { removeOnComplete: 50, removeOnFail: 50 } },
    );
    await queue.add('sweep', {}, { removeOnComplete: 50, removeOnFail: 50 });
    const worker = new Worker(
      QUEUE,
      async () => {
        const report = await orders.reconciler.sweep();
        if (report.examined + report.refundsSent > 0) infra.logger.info({ report }, 'reconciler sweep');
        return report;
      },
      // One sweep at a time per node: a sweep already walks every unsettled order.
      { connection: workerConnection, prefix, concurrency: 1 },
    );
    worker.on('failed', (job, err) => infra.logger.error({ err, jobId: job?.id }, 'reconciler sweep failed'));
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
