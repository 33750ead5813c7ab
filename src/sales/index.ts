/** Sales, as tools and benchmarks use them: on-sale settings. */
export { OnsaleService } from './onsale.service.js';
export { salePhase, salePhases, saleView, type SalePhase, type SaleView } from './phase.js';
