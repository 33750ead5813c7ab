import { cancellationModule } from '../cancellations/cancellations.jobs.js';
import { outboxDispatcher } from '../notifications/dispatcher.js';
import { reconcilerJobs } from '../orders/orders.jobs.js';
import { holdExpiryModule } from '../sales/expiry.jobs.js';
import { admissionModule } from '../waitingroom/scheduler.jobs.js';
import { receiptSweepModule } from '../timeline/receipts.jobs.js';
import { walletModule } from '../wallet/wallet.jobs.js';
import { retentionModule } from './retention.jobs.js';
import { resaleModule } from '../resale/resale.jobs.js';
import type { JobModule } from './runtime.js';

/** Every background module, in start order. */
export const jobModules: JobModule[] = [
  outboxDispatcher,
  reconcilerJobs,
  holdExpiryModule(),
  cancellationModule(),
  admissionModule(),
  retentionModule(),
  receiptSweepModule(),
  walletModule,
  resaleModule(),
];
