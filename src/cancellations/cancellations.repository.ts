import { and, asc, eq, isNull, or, sql } from 'drizzle-orm';
import { events } from '../catalog/catalog.joinable.js';
import type { Db } from '../db/types.js';
import { orders } from '../orders/orders.joinable.js';
import { paymentRefunds } from '../payments/payments.joinable.js';
import { cancellationRefunds, eventCancellations, eventChanges } from './cancellations.table.js';

export type CancellationRow = typeof eventCancellations.$inferSelect;
export type EventChangeRow = typeof eventChanges.$inferSelect;
export type RefundOutcome = 'refunded' | 'voided' | 'skipped';

/** Orders that may hold money or seats: everything but those that never completed. */
const LIVE_ORDER_STATUSES = ['pending', 'authorized', 'confirmed', 'captured'] as const;

export async function findCancellation(db: Db, eventId: string): Promise<CancellationRow | undefined> {
  const [row] = await db.select().from(eventCancellations).where(eq(eventCancellations.eventId, eventId));
  return row;
}

export async function insertEventChange(tx: Db, values: typeof eventChanges.$inferInsert): Promise<EventChangeRow> {
  const [row] = await tx.insert(eventChanges).values(values).returning();
  return row!;
}

export async function insertCancellation(tx: Db, values: typeof eventCancellations.$inferInsert): Promise<void> {
  await tx.insert(eventCancellations).values(values);
}

/** Adds every live order of the event to the work list; orders already listed are left as they are. */
export async function listOrdersToRefund(tx: Db, eventId: string): Promise<number> {
  const rows = await tx.execute<{ order_id: string }>(sql`
    insert into ${cancellationRefunds} (event_id, order_id)
    select ${orders.eventId}, ${orders.id} from ${orders}
    where ${orders.eventId} = ${eventId} and ${orders.status} in (${sql.join(
      LIVE_ORDER_STATUSES.map((s) => sql`${s}`),
      sql`, `,
    )})
    on conflict do nothing
    returning order_id`);
  return rows.length;
}

export async function pendingOrderIds(
  db: Db,
  eventId: string,
  afterOrderId: string | null,
  limit: number,
): Promise<string[]> {
  const rows = await db
    .select({ orderId: cancellationRefunds.orderId })
    .from(cancellationRefunds)
    .where(
      and(
        eq(cancellationRefunds.eventId, eventId),
        eq(cancellationRefunds.status, 'pending'),
        afterOrderId ? sql`${cancellationRefunds.orderId} > ${afterOrderId}` : undefined,
      ),
    )
    .orderBy(asc(cancellationRefunds.orderId))
    .limit(limit);
  return rows.map((r) => r.orderId);
}

/** Leaves `pending` once; the caller's transaction is the one that moved the money. */
export async function finishRefund(
  tx: Db,
  eventId: string,
  orderId: string,
  status: RefundOutcome,
  refundedCents: number,
): Promise<boolean> {
  const rows = await tx
    .update(cancellationRefunds)
    .set({ status, refundedCents, finishedAt: sql`now()`, attempts: sql`${cancellationRefunds.attempts} + 1` })
    .where(
      and(
        eq(cancellationRefunds.eventId, eventId),
        eq(cancellationRefunds.orderId, orderId),
        eq(cancellationRefunds.status, 'pending'),
      ),
    )
    .returning({ orderId: cancellationRefunds.orderId });
  return rows.length > 0;
}

export async function progressOf(db: Db, eventId: string) {
  const rows = await db
    .select({
      status: cancellationRefunds.status,
      n: sql<number>`count(*)::int`,
      cents: sql<number>`coalesce(sum(${cancellationRefunds.refundedCents}), 0)::int`,
    })
    .from(cancellationRefunds)
    .where(eq(cancellationRefunds.eventId, eventId))
    .groupBy(cancellationRefunds.status);
  const count = (s: string) => rows.find((r) => r.status === s)?.n ?? 0;
  return {
    pending: count('pending'),
    refunded: count('refunded'),
    voided: count('voided'),
    skipped: count('skipped'),
    refundedCents: rows.reduce((sum, r) => sum + r.cents, 0),
  };
}

/**
 * Events cancelled some other way (the catalog's PATCH status) get a cancellation too, so
 * their orders are refunded and their holders told; only events that sold something.
 */
export async function adoptUntrackedCancellations(db: Db): Promise<number> {
  const rows = await db.execute<{ event_id: string }>(sql`
    insert into ${eventCancellations} (event_id, reason, requested_by, orders_total, tickets_revoked)
    select ${events.id}, 'Cancelled by the organizer', ${events.organizerId}, 0, 0 from ${events}
    where ${events.status} = 'cancelled'
      and not exists (select 1 from ${eventCancellations} c where c.event_id = ${events.id})
      and exists (select 1 from ${orders} o where o.event_id = ${events.id})
    on conflict do nothing
    returning event_id`);
  return rows.length;
}

/** Counts orders and tickets a sweep added to a cancellation (late commits, adopted events). */
export async function addToTotals(db: Db, eventId: string, orders: number, tickets: number): Promise<void> {
  if (orders === 0 && tickets === 0) return;
  await db
    .update(eventCancellations)
    .set({
      ordersTotal: sql`${eventCancellations.ordersTotal} + ${orders}`,
      ticketsRevoked: sql`${eventCancellations.ticketsRevoked} + ${tickets}`,
    })
    .where(eq(eventCancellations.eventId, eventId));
}

export async function markAnnounced(db: Db, eventId: string): Promise<void> {
  await db
    .update(eventCancellations)
    .set({ announcedAt: sql`now()` })
    .where(eq(eventCancellations.eventId, eventId));
}

export async function openCancellations(db: Db): Promise<CancellationRow[]> {
  return db
    .select()
    .from(eventCancellations)
    .where(or(isNull(eventCancellations.completedAt), isNull(eventCancellations.announcedAt)));
}

/**
 * Closes a cancellation once no order is left to refund and every card refund it wrote has
 * reached the processor: a refund job commits its order first and sends the card refund after,
 * so "no work left" alone would call it done while money is still on its way.
 */
export async function completeCancellation(db: Db, eventId: string): Promise<boolean> {
  const rows = await db
    .update(eventCancellations)
    .set({ completedAt: sql`now()` })
    .where(
      and(
        eq(eventCancellations.eventId, eventId),
        isNull(eventCancellations.completedAt),
        sql`not exists (select 1 from ${cancellationRefunds} where ${cancellationRefunds.eventId} = ${eventId} and ${cancellationRefunds.status} = 'pending')`,
        sql`not exists (select 1 from ${paymentRefunds} join ${orders} on ${orders.id} = ${paymentRefunds.orderId}
          where ${paymentRefunds.status} = 'pending' and ${orders.eventId} = ${eventId})`,
      ),
    )
    .returning({ eventId: eventCancellations.eventId });
  return rows.length > 0;
}
