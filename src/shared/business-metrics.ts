import { Counter, type Registry } from 'prom-client';

/**
 * What the business did, as Prometheus counters: holds, orders, tickets, payment failures,
 * refunds, admissions and purchase tokens. Each is incremented where the thing happens, after
 * it committed: one increment in memory, no query and no round trip on the purchase path.
 *
 * They count for the process they run in (a counter per process is what Prometheus sums across
 * instances), so they are module-level rather than per app; every registry that serves
 * /metrics in this process registers them (src/http/metrics.ts). API nodes count what fans do;
 * the worker counts what jobs do (hold expiry, admissions, refunds); it serves them on
 * METRICS_PORT. The waiting room's current figures (queue depth, tokens outstanding and
 * expired) are read from Redis when /metrics is scraped (src/waitingroom/queue-gauges.ts).
 */

const counter = <L extends string = never>(name: string, help: string, labelNames: readonly L[] = []) =>
  // registers: [] — not prom-client's global registry; createMetrics registers them in each app's.
  new Counter<L>({ name, help, labelNames: [...labelNames], registers: [] });

export const businessMetrics = {
  holdsCreated: counter('fairdrop_holds_created_total', 'Holds created (seats or places held for a fan)'),
  holdsReleased: counter('fairdrop_holds_released_total', 'Holds the fan let go of'),
  holdsExpired: counter('fairdrop_holds_expired_total', 'Holds that lapsed unpaid (their seats went back on sale)'),
  ordersPlaced: counter(
    'fairdrop_orders_placed_total',
    'Orders placed (checkout started: the hold priced, payment next)',
  ),
  ordersPaid: counter(
    'fairdrop_orders_paid_total',
    'Orders committed: seats sold, tickets issued, payment authorized or settled',
  ),
  ordersFailed: counter(
    'fairdrop_orders_failed_total',
    'Orders that ended without a sale (declined card, hold gone, abandoned)',
  ),
  ticketsIssued: counter('fairdrop_tickets_issued_total', 'Tickets issued by committed orders'),
  paymentFailures: counter('fairdrop_payment_failures_total', 'Card payments refused, by reason', ['reason'] as const),
  refunds: counter('fairdrop_refunds_total', 'Orders refunded, by why', ['reason'] as const),
  queueJoins: counter('fairdrop_queue_joins_total', 'Fans who joined a waiting room (a repeated join is not counted)'),
  queueAdmissions: counter(
    'fairdrop_queue_admissions_total',
    'Fans admitted from a waiting room, each with a purchase token (tokens issued)',
  ),
  tokensUsed: counter('fairdrop_purchase_tokens_used_total', 'Purchase tokens spent on a hold'),
};

/** Adds every business counter to a registry (one that serves /metrics). */
export function registerBusinessMetrics(registry: Registry): void {
  for (const metric of Object.values(businessMetrics)) registry.registerMetric(metric);
}
