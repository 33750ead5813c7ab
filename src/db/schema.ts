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
export * from '../payments/sandbox.table.js';
export * from '../payments/payments.table.js';
export * from '../giftcards/giftcards.table.js';
export * from '../tickets/tickets.table.js';
export * from '../orders/orders.table.js';
