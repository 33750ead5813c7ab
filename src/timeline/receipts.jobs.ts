import type { JobModule } from '../jobs/runtime.js';
import { signUnsigned } from './receipt-signer.js';

/**
 * The second path to a signed receipt: every API process signs the receipts its purchase-path
 * functions wrote right after their commit (receipt-signer.ts); this sweep, in the workers,
 * signs any a crash left between the commit and that batch. A plain timer rather than a BullMQ
 * job: two workers signing the same receipt write the same signature, so nothing needs one at a time.
 */
const SWEEP_EVERY_MS = 5_000;
/** Older than a batch ever waits, with room for a slow commit: younger ones are still their process's to sign. */
const UNSIGNED_FOR_MS = 5_000;
const PER_SWEEP = 1_000;

export function receiptSweepModule(options: { everyMs?: number; olderThanMs?: number } = {}): JobModule {
  const { everyMs = SWEEP_EVERY_MS, olderThanMs = UNSIGNED_FOR_MS } = options;
  return {
    name: 'receipt-signatures',
    async start(infra) {
      let running: Promise<unknown> = Promise.resolve();
      const sweep = async () => {
        for (;;) {
          const signed = await signUnsigned(infra.database.db, infra.signer, { olderThanMs, limit: PER_SWEEP });
          if (signed > 0) infra.logger.info({ signed }, 'signed receipts a crash left unsigned');
          if (signed < PER_SWEEP) return;
        }
      };
      const timer = setInterval(() => {
        running = running.then(sweep).catch((err: unknown) => infra.logger.warn({ err }, 'receipt sweep failed'));
      }, everyMs);
      timer.unref();
      return {
        close: async () => {
          clearInterval(timer);
          await running;
        },
      };
    },
  };
}
