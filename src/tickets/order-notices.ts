import { eq } from 'drizzle-orm';
import { users } from '../auth/auth.table.js';
import { events } from '../catalog/catalog.table.js';
import type { Db } from '../db/types.js';
import { notify } from '../notifications/notify.js';
import type { OrderRow } from '../orders/orders.repository.js';

/**
 * "Your tickets are guaranteed": written in the order's commit transaction (the orders code
 * calls this through its onConfirmed hook), so the fan is told exactly when, and only if, the
 * seats are theirs. The dedupe key keeps a replayed commit from telling them twice.
 */
export async function notifyOrderConfirmed(tx: Db, order: OrderRow): Promise<void> {
  const [row] = await tx
    .select({ email: users.email, title: events.title, startsAt: events.startsAt })
    .from(users)
    .innerJoin(events, eq(events.id, order.eventId))
    .where(eq(users.id, order.userId));
  if (!row) return;
  const amount = `${(order.totalCents / 100).toFixed(2)} ${order.currency}`;
  await notify(tx, [
    {
      userId: order.userId,
      kind: 'order.confirmed',
      title: `Your tickets for ${row.title} are guaranteed`,
      body: `Order ${order.id} is confirmed (${amount}). Your tickets are in the app; their codes appear on your phone at the door.`,
      data: { orderId: order.id, eventId: order.eventId, totalCents: order.totalCents, currency: order.currency },
      dedupeKey: `order.confirmed:${order.id}`,
      email: row.email,
    },
  ]);
}
