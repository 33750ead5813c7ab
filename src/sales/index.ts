/** Sales, as tools and benchmarks use them: on-sale settings and the hold-expiry scheduler. */
export { holdExpiryScheduler } from './expiry.jobs.js';
export { OnsaleService } from './onsale.service.js';
