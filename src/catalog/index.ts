/** The catalogue, as tools and benchmarks use it (creating events, the demo venues' shapes). */
export { CatalogService } from './catalog.service.js';
export type { EventStatus, Transit } from './vocabulary.js';
