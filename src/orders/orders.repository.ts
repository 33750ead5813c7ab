import { and, asc, desc, eq, getTableColumns, inArray, lt, sql } from 'drizzle-orm';
import { users } from '../auth/auth.table.js';
import { events } from '../catalog/catalog.table.js';
import type { Db } from '../db/types.js';
import { isUniqueViolation } from '../db/errors.js';
import { holds } from '../sales/holds.table.js';
import { gaInventory, seats } from '../sales/inventory.table.js';
import { conflict } from '../shared/errors.js';
import { orderItems, orders, type OrderStatus } from './orders.table.js';

export type OrderRow = typeof orders.$inferSelect;
export type OrderItemRow = typeof orderItems.$inferSelect;
export type HoldRow = typeof holds.$inferSelect;

export async function findHold(db: Db, holdId: string): Promise<HoldRow | undefined> {
  const [row] = await db.select().from(holds).where(eq(holds.id, holdId));
  return row;
}

export async function insertOrder(db: Db, values: typeof orders.$inferInsert): Promise<OrderRow> {
  try {
    const [row] = await db.insert(orders).values(values).returning();
    return row!;
  } catch (err) {
    if (isUniqueViolation(err, 'orders_live_hold_unique')) {
      throw conflict('orders.hold_already_ordered', 'This hold already has an order; open it from your orders.', { holdId: values.holdId });
    }
    throw err;
  }
}

export async function findOrder(db: Db, id: string): Promise<OrderRow | undefined> {
  const [row] = await db.select().from(orders).where(eq(orders.id, id));
  return row;
}

/** The order row, locked for the rest of the caller's transaction. */
export async function lockOrder(tx: Db, id: string): Promise<OrderRow | undefined> {
  const [row] = await tx.select().from(orders).where(eq(orders.id, id)).for('update');
  return row;
}

export async function orderByIntent(db: Db, intentId: string): Promise<OrderRow | undefined> {
  const [row] = await db.select().from(orders).where(eq(orders.intentId, intentId));
  return row;
}

export async function liveOrderForHold(db: Db, holdId: string): Promise<OrderRow | undefined> {
  const [row] = await db
    .select()
    .from(orders)
    .where(and(eq(orders.holdId, holdId), sql`${orders.status} not in ('failed', 'voided')`));
  return row;
}

/** One arrow of the state machine; null when the order was not in `from` (someone else moved it). */
export async function transitionOrder(
  db: Db,
  id: string,
  from: readonly OrderStatus[],
  to: OrderStatus,
  patch: Partial<Pick<OrderRow, 'provider' | 'intentId' | 'cardLast4' | 'failureCode' | 'confirmedAt' | 'capturedAt' | 'refundedCents'>> = {},
): Promise<OrderRow | null> {
  const [row] = await db
    .update(orders)
    .set({ status: to, ...patch, updatedAt: sql`now()` })
    .where(and(eq(orders.id, id), inArray(orders.status, [...from])))
    .returning();
  return row ?? null;
}

/** Who and what a confirmed order is about, for the notice written in the same transaction. */
export interface ConfirmedFacts {
  /** Null only if the account or the event row is gone. */
  email: string | null;
  eventTitle: string | null;
}

/**
 * The commit's state change in one statement: authorized → confirmed for a card order,
 * pending → captured for one paid wholly by gift cards. Null when the order was elsewhere.
 * Also returns the account's email and the event's title (the confirmation notice needs
 * them), so the commit does not read them in a statement of their own.
 */
export async function confirmOrder(tx: Db, id: string): Promise<{ order: OrderRow; facts: ConfirmedFacts } | null> {
  const [row] = await tx
    .update(orders)
    .set({
      status: sql`case when ${orders.cardCents} > 0 then 'confirmed' else 'captured' end`,
      confirmedAt: sql`now()`,
      capturedAt: sql`case when ${orders.cardCents} > 0 then null else now() end`,
      updatedAt: sql`now()`,
    })
    .where(and(eq(orders.id, id), sql`${orders.status} = case when ${orders.cardCents} > 0 then 'authorized' else 'pending' end`))
    .returning({
      ...getTableColumns(orders),
      factEmail: sql<string | null>`(select ${users.email} from ${users} where ${users.id} = ${orders.userId})`,
      factEventTitle: sql<string | null>`(select ${events.title} from ${events} where ${events.id} = ${orders.eventId})`,
    });
  if (!row) return null;
  const { factEmail, factEventTitle, ...order } = row;
  return { order, facts: { email: factEmail, eventTitle: factEventTitle } };
}

export async function listOrders(db: Db, userId: string, limit: number): Promise<OrderRow[]> {
  return db.select().from(orders).where(eq(orders.userId, userId)).orderBy(desc(orders.createdAt)).limit(limit);
}

export async function itemsOfOrder(db: Db, orderId: string): Promise<OrderItemRow[]> {
  return db.select().from(orderItems).where(eq(orderItems.orderId, orderId)).orderBy(asc(orderItems.id));
}

/** Orders between authorize and capture for longer than any live request could take. */
export async function unsettledOrders(db: Db, olderThan: Date, limit = 100): Promise<OrderRow[]> {
  return db
    .select()
    .from(orders)
    .where(and(inArray(orders.status, ['pending', 'authorized', 'confirmed']), lt(orders.updatedAt, olderThan)))
    .orderBy(asc(orders.updatedAt))
    .limit(limit);
}

/**
 * Gives sold inventory back (a cancelled ticket, the old seats of an exchange, an order whose
 * payment could not be captured). Conditional on `sold`, so running it twice gives back once.
 */
export async function returnSoldSeats(tx: Db, seatIds: readonly string[]): Promise<number> {
  if (seatIds.length === 0) return 0;
  const rows = await tx
    .update(seats)
    .set({ status: 'available', holdId: null, updatedAt: sql`now()` })
    .where(and(inArray(seats.id, [...seatIds]), eq(seats.status, 'sold')))
    .returning({ id: seats.id });
  return rows.length;
}

export async function returnSoldGa(tx: Db, tierId: string, quantity: number): Promise<void> {
  if (quantity <= 0) return;
  await tx
    .update(gaInventory)
    .set({ sold: sql`${gaInventory.sold} - ${quantity}` })
    .where(and(eq(gaInventory.tierId, tierId), sql`${gaInventory.sold} >= ${quantity}`));
}
