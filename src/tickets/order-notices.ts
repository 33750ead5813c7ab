import type { Db } from '../db/types.js';
import { notify } from '../notifications/notify.js';
import type { ConfirmedFacts, OrderRow } from '../orders/orders.repository.js';

/**
 * "Your tickets are guaranteed": written in the order's commit transaction (the orders code
 * calls this through its onConfirmed hook), so the fan is told exactly when, and only if, the
 * seats are theirs. The dedupe key keeps a replayed commit from telling them twice.
 */
export async function notifyOrderConfirmed(tx: Db, order: OrderRow, facts: ConfirmedFacts): Promise<void> {
  // The address and title come from the order's own confirming update (confirmOrder), not a read of their own.
  const { email, eventTitle } = facts;
  if (email === null || eventTitle === null) return;
  const amount = `${(order.totalCents / 100).toFixed(2)} ${order.currency}`;
  await notify(tx, [
    {
      userId: order.userId,
      kind: 'order.confirmed',
      title: `Your tickets for ${eventTitle} are guaranteed`,
      body: `Order ${order.id} is confirmed (${amount}). Your tickets are in the app; their codes appear on your phone at the door.`,
      data: { orderId: order.id, eventId: order.eventId, totalCents: order.totalCents, currency: order.currency },
      dedupeKey: `order.confirmed:${order.id}`,
      email,
    },
  ]);
}
