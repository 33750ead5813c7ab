/** Discovery, as bench:search measures it: the service, its query schema and the planner settings it runs under. */
export { PLANNER_SETTINGS } from './discovery.repository.js';
export { searchQuery } from './discovery.schemas.js';
export { DiscoveryService } from './discovery.service.js';
