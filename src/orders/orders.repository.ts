import { and, asc, desc, eq, getTableColumns, inArray, isNotNull, lt, notExists, sql } from 'drizzle-orm';
import { clientOf, preparedOnce } from '../platform/prepared.js';
import type { Db } from '../db/types.js';
import { isUniqueViolation } from '../db/errors.js';
import { payments } from '../payments/payments.joinable.js';
import { conflict } from '../shared/errors.js';
import type { PaymentRow } from '../payments/payments.repository.js';
import type { TicketView } from '../tickets/tickets.repository.js';
import type { WrittenReceipt } from '../timeline/receipt-signer.js';
import { orderItems, orders, type OrderStatus } from './orders.table.js';

export type OrderRow = typeof orders.$inferSelect;
export type OrderItemRow = typeof orderItems.$inferSelect;

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

type TransitionPatch = Partial<
  Pick<OrderRow, 'provider' | 'intentId' | 'cardLast4' | 'failureCode' | 'confirmedAt' | 'capturedAt' | 'refundedCents'>
>;

/**
 * One prepared transition per shape (how many `from` states, which fields patched): a handful in
 * all. Every change of an order's state runs one, and building it with drizzle on each call
 * costs more CPU than Postgres spends running it.
 */
const transitions = new Map<string, ReturnType<typeof prepareTransition>>();

function prepareTransition(fromCount: number, fields: readonly (keyof TransitionPatch)[]) {
  return preparedOnce((db) =>
    db
      .update(orders)
      // Placeholders inside sql``: drizzle's set() takes no bare placeholder (values are sent as
      // given, so transitionOrder turns dates into ISO text itself).
      .set({
        status: sql`${sql.placeholder('to')}`,
        ...Object.fromEntries(fields.map((f) => [f, sql`${sql.placeholder(f)}`])),
        updatedAt: sql`now()`,
      })
      .where(
        and(
          eq(orders.id, sql.placeholder('id')),
          inArray(
            orders.status,
            Array.from({ length: fromCount }, (_, i) => sql.placeholder(`from${i}`)),
          ),
        ),
      )
      .returning()
      .prepare('order_transition'),
  );
}

/** One arrow of the state machine; null when the order was not in `from` (someone else moved it). */
export async function transitionOrder(
  db: Db,
  id: string,
  from: readonly OrderStatus[],
  to: OrderStatus,
  patch: TransitionPatch = {},
): Promise<OrderRow | null> {
  const fields = (Object.keys(patch) as (keyof TransitionPatch)[]).filter((f) => patch[f] !== undefined).sort();
  const shape = `${from.length}:${fields.join(',')}`;
  let transition = transitions.get(shape);
  if (!transition) transitions.set(shape, (transition = prepareTransition(from.length, fields)));
  const values: Record<string, unknown> = {
    id,
    to,
    ...Object.fromEntries(from.map((status, i) => [`from${i}`, status])),
  };
  for (const f of fields) {
    const value = patch[f];
    values[f] = value instanceof Date ? value.toISOString() : value;
  }
  const [row] = await transition(db).execute(values);
  return row ?? null;
}

/** A purchase as My orders lists it: one order of a hold, and how many payment attempts the hold took. */
export type ListedOrder = OrderRow & { paymentAttempts: number };

const unsuccessful = sql`${orders.status} in ('failed', 'voided')`;

/**
 * An account's purchases, newest first: one entry per hold. A hold is paid for by one order,
 * but each declined attempt before it is an order of its own (failed, with its receipt and its
 * voided authorization), so a fan who retried twice would read two "Payment failed" rows beside
 * the order that succeeded. The entry is the hold's live order when it has one, else its latest
 * attempt; `paymentAttempts` counts every attempt folded into it.
 */
export async function listOrders(db: Db, userId: string, limit: number): Promise<ListedOrder[]> {
  const latest = db
    .selectDistinctOn([orders.holdId], {
      ...getTableColumns(orders),
      paymentAttempts: sql<number>`count(*) over (partition by ${orders.holdId})`.as('payment_attempts'),
    })
    .from(orders)
    .where(eq(orders.userId, userId))
    .orderBy(orders.holdId, unsuccessful, desc(orders.createdAt))
    .as('latest');
  const rows = await db.select().from(latest).orderBy(desc(latest.createdAt)).limit(limit);
  return rows.map((r) => ({ ...r, paymentAttempts: Number(r.paymentAttempts) }));
}

export async function itemsOfOrder(db: Db, orderId: string): Promise<OrderItemRow[]> {
  return db.select().from(orderItems).where(eq(orderItems.orderId, orderId)).orderBy(asc(orderItems.id));
}

/**
 * Orders ended before their authorization was cancelled (a crash between the two): voided or
 * failed, with an intent, and no voided card payment for it yet.
 */
export async function endedOrdersWithUnvoidedCard(db: Db, olderThan: Date, limit = 100): Promise<string[]> {
  const rows = await db
    .select({ orderId: orders.id })
    .from(orders)
    .where(
      and(
        inArray(orders.status, ['voided', 'failed']),
        isNotNull(orders.intentId),
        lt(orders.updatedAt, olderThan),
        notExists(
          db
            .select({ one: sql`1` })
            .from(payments)
            .where(and(eq(payments.intentId, orders.intentId), eq(payments.status, 'voided'))),
        ),
      ),
    )
    .limit(limit);
  return rows.map((r) => r.orderId);
}

/** Ends every item of the order (an order unwound because its card could not be captured). */
export async function cancelItemsOfOrder(tx: Db, orderId: string): Promise<void> {
  await tx.update(orderItems).set({ status: 'cancelled' }).where(eq(orderItems.orderId, orderId));
}

/** Ends the order's active items in the caller's transaction: the order is cancelled with its event. */
export async function cancelActiveOrderItems(tx: Db, orderId: string): Promise<void> {
  await tx
    .update(orderItems)
    .set({ status: 'cancelled' })
    .where(and(eq(orderItems.orderId, orderId), eq(orderItems.status, 'active')));
}

/** Ends the items whose tickets a fan cancelled. */
export async function cancelItems(tx: Db, itemIds: readonly string[]): Promise<void> {
  await tx
    .update(orderItems)
    .set({ status: 'cancelled' })
    .where(inArray(orderItems.id, [...itemIds]));
}

/** An exchange: the old seat's item is ended, and the new seat's item written beside it. */
export async function markItemExchanged(tx: Db, itemId: string): Promise<void> {
  await tx.update(orderItems).set({ status: 'exchanged' }).where(eq(orderItems.id, itemId));
}

export async function insertOrderItem(
  tx: Db,
  values: Pick<typeof orderItems.$inferInsert, 'orderId' | 'tierId' | 'seatId' | 'priceCents'>,
): Promise<OrderItemRow> {
  const [row] = await tx.insert(orderItems).values(values).returning();
  return row!;
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

const date = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string));

/** An `orders` row as `to_jsonb` writes it, back into the shape drizzle reads. */
export function orderFromJson(j: Record<string, unknown>): OrderRow {
  return {
    id: j.id as string,
    userId: j.user_id as string,
    holdId: j.hold_id as string,
    eventId: j.event_id as string,
    status: j.status as OrderRow['status'],
    currency: j.currency as string,
    totalCents: j.total_cents as number,
    giftCardCents: j.gift_card_cents as number,
    cardCents: j.card_cents as number,
    refundedCents: j.refunded_cents as number,
    provider: j.provider as OrderRow['provider'],
    intentId: j.intent_id as string | null,
    cardLast4: j.card_last4 as string | null,
    paymentMethodId: j.payment_method_id as string | null,
    plan: j.plan as OrderRow['plan'],
    failureCode: j.failure_code as string | null,
    idempotencyKey: j.idempotency_key as string | null,
    requestHash: j.request_hash as string | null,
    createdAt: date(j.created_at)!,
    updatedAt: date(j.updated_at)!,
    confirmedAt: date(j.confirmed_at),
    capturedAt: date(j.captured_at),
  };
}

function paymentFromJson(j: Record<string, unknown>): PaymentRow {
  return {
    id: j.id as string,
    orderId: j.order_id as string | null,
    userId: j.user_id as string,
    method: j.method as PaymentRow['method'],
    provider: j.provider as PaymentRow['provider'],
    intentId: j.intent_id as string | null,
    giftCardId: j.gift_card_id as string | null,
    amountCents: j.amount_cents as number,
    currency: j.currency as string,
    status: j.status as PaymentRow['status'],
    refundedCents: j.refunded_cents as number,
    cardLast4: j.card_last4 as string | null,
    createdAt: date(j.created_at)!,
    updatedAt: date(j.updated_at)!,
  };
}

const ticketFromJson = (j: Record<string, unknown>): TicketView =>
  ({ ...j, issuedAt: date(j.issuedAt)! }) as unknown as TicketView;

/** What the commit statement answers: the order, and what it wrote (null when it had been committed before). */
export interface CommittedRows {
  order: OrderRow;
  written: { payments: PaymentRow[]; tickets: TicketView[] } | null;
  receipts: WrittenReceipt[];
}

/**
 * The commit in one statement (`fd_order_commit`, drizzle/0019): the order confirmed with the
 * card's authorization, the hold converted and its inventory sold, payments and gift-card
 * debits, items, tickets, receipts and the "guaranteed" notice, or the refusal and nothing.
 */
export async function commitOrder(
  db: Db,
  orderId: string,
  authorization: { intentId: string; cardLast4: string | null } | null,
): Promise<CommittedRows> {
  try {
    const [row] = await clientOf(db)<{ r: Record<string, unknown> }[]>`
      select fd_order_commit(${orderId}::uuid, ${authorization?.intentId ?? null}::text,
        ${authorization?.cardLast4 ?? null}::text) as r`;
    const r = row!.r;
    const order = orderFromJson(r.order as Record<string, unknown>);
    if (!r.written) return { order, written: null, receipts: [] };
    return {
      order,
      written: {
        payments: (r.payments as Record<string, unknown>[]).map(paymentFromJson),
        tickets: (r.tickets as Record<string, unknown>[]).map(ticketFromJson),
      },
      receipts: r.receipts as WrittenReceipt[],
    };
  } catch (err) {
    if (isUniqueViolation(err, 'tickets_valid_seat_unique'))
      throw conflict('sales.seat_unavailable', 'A seat in this order already has a ticket.');
    throw err;
  }
}

export interface CaptureRecord {
  orderId: string;
  provider: string;
  amountCents: number;
}
export interface CaptureRecorded {
  moved: boolean;
  order: OrderRow;
  paymentId: string | null;
  receipts: WrittenReceipt[];
}

/**
 * confirmed → captured with its card payment and receipt, for each capture given, in one
 * statement (`fd_orders_captured`, drizzle/0025): the answers in the same order. An order no
 * longer confirmed answers `moved: false` with its current row.
 */
export async function recordCaptures(db: Db, captures: readonly CaptureRecord[]): Promise<CaptureRecorded[]> {
  const [row] = await clientOf(db)<{ r: Record<string, unknown>[] }[]>`
    select fd_orders_captured(${JSON.stringify(captures)}::jsonb) as r`;
  return row!.r.map((r) => ({
    moved: r.moved as boolean,
    order: orderFromJson(r.order as Record<string, unknown>),
    paymentId: (r.paymentId as string | null) ?? null,
    receipts: (r.receipts as WrittenReceipt[] | undefined) ?? [],
  }));
}

/**
 * POST /v1/orders up to the card, in one statement (`fd_order_place`, drizzle/0021): the order
 * this key already placed, or the hold checked, the tenders planned and the order written
 * pending with its receipt; otherwise the refusal and nothing written.
 */
export async function placeOrder(
  db: Db,
  q: {
    userId: string;
    holdId: string;
    key: string;
    requestHash: string;
    currency: string | null;
    attendees: { name: string; email: string }[] | null;
    giftCards: { codeHash: string; amountCents: number | null }[];
    hasCard: boolean;
    provider: string | null;
    paymentMethodId: string | null;
  },
): Promise<{ replay: boolean; order: OrderRow; receipts: WrittenReceipt[] }> {
  const client = clientOf(db);
  try {
    const [row] = await client<{ r: Record<string, unknown> }[]>`
      select fd_order_place(${q.userId}::uuid, ${q.holdId}::uuid, ${q.key}::text, ${q.requestHash}::text,
        ${q.currency}::text, ${q.attendees === null ? null : JSON.stringify(q.attendees)}::jsonb,
        ${JSON.stringify(q.giftCards)}::jsonb, ${q.hasCard}::boolean, ${q.provider}::text,
        ${q.paymentMethodId}::text) as r`;
    const r = row!.r;
    return {
      replay: r.replay as boolean,
      order: orderFromJson(r.order as Record<string, unknown>),
      receipts: r.receipts as WrittenReceipt[],
    };
  } catch (err) {
    if (isUniqueViolation(err, 'orders_live_hold_unique'))
      throw conflict('orders.hold_already_ordered', 'This hold already has an order; open it from your orders.', {
        holdId: q.holdId,
      });
    throw err;
  }
}
