// Every table, for drizzle's query builder and for drizzle-kit. Each lives beside its capability.
export * from '../auth/auth.table.js';
export * from '../notifications/outbox.table.js';
export * from '../http/idempotency.table.js';
export * from '../timeline/timeline.table.js';
export * from '../catalog/catalog.table.js';
export * from '../sales/holds.table.js';
export * from '../sales/inventory.table.js';
export * from '../sales/onsale.table.js';
export * from '../notifications/notifications.table.js';
