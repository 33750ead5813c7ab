import { and, eq, gt, inArray, lte, ne, or, sql } from 'drizzle-orm';
import { events } from '../catalog/catalog.table.js';
import type { Db } from '../db/types.js';
import { gaInventory, seats } from '../sales/inventory.table.js';
import { onsaleAudit, onsaleSettings, type OnsaleState } from '../sales/onsale.table.js';
import { queueReceiptProgress } from './waitingroom.table.js';

/** An on-sale's state, as the waiting room's service sees it (the table is the sales module's). */
export type { OnsaleState };

/** What the waiting room needs to know about an event's on-sale, in one read. */
export interface QueueSale {
  eventId: string;
  organizerId: string;
  eventStatus: string;
  mode: 'queue' | 'open';
  state: OnsaleState;
  prequeueOpensAt: Date | null;
  saleStartsAt: Date;
  saleEndsAt: Date | null;
  admitPerMinute: number | null;
  batchSize: number | null;
  tickSeconds: number | null;
  purchaseTokenTtlSeconds: number;
  powDifficulty: number;
  /** Only accounts with a confirmed email address may join (checked per join from this cached copy). */
  requireVerifiedEmail: boolean;
}

const saleColumns = {
  eventId: events.id,
  organizerId: events.organizerId,
  eventStatus: events.status,
  mode: onsaleSettings.mode,
  state: onsaleSettings.state,
  prequeueOpensAt: onsaleSettings.prequeueOpensAt,
  saleStartsAt: onsaleSettings.saleStartsAt,
  saleEndsAt: onsaleSettings.saleEndsAt,
  admitPerMinute: onsaleSettings.admitPerMinute,
  batchSize: onsaleSettings.batchSize,
  tickSeconds: onsaleSettings.tickSeconds,
  purchaseTokenTtlSeconds: onsaleSettings.purchaseTokenTtlSeconds,
  powDifficulty: onsaleSettings.powDifficulty,
  requireVerifiedEmail: onsaleSettings.requireVerifiedEmail,
};

/** The event and its on-sale; undefined when either is missing or the event is a draft. */
export async function findQueueSale(db: Db, eventId: string): Promise<QueueSale | undefined> {
  const [row] = await db
    .select(saleColumns)
    .from(onsaleSettings)
    .innerJoin(events, eq(events.id, onsaleSettings.eventId))
    .where(and(eq(onsaleSettings.eventId, eventId), ne(events.status, 'draft')));
  return row;
}

/** Queue on-sales the scheduler must look after: pre-queue time reached, not closed, event still selling. */
export async function activeQueueSales(db: Db, now: Date): Promise<QueueSale[]> {
  return db
    .select(saleColumns)
    .from(onsaleSettings)
    .innerJoin(events, eq(events.id, onsaleSettings.eventId))
    .where(
      and(
        eq(onsaleSettings.mode, 'queue'),
        ne(onsaleSettings.state, 'closed'),
        lte(onsaleSettings.prequeueOpensAt, now),
        inArray(events.status, ['scheduled', 'on_sale', 'sold_out']),
      ),
    );
}

/** Queue on-sales whose rooms may still owe receipts: open ones, and ones closed within the last day. */
export async function receiptSales(db: Db, now: Date): Promise<string[]> {
  const rows = await db
    .select({ eventId: onsaleSettings.eventId })
    .from(onsaleSettings)
    .where(
      and(
        eq(onsaleSettings.mode, 'queue'),
        lte(onsaleSettings.prequeueOpensAt, now),
        or(ne(onsaleSettings.state, 'closed'), gt(onsaleSettings.updatedAt, new Date(now.getTime() - 86_400_000))),
      ),
    );
  return rows.map((r) => r.eventId);
}

/** Seats and GA places still on sale (available; held and sold ones are not). */
export async function unsoldCount(db: Db, eventId: string): Promise<number> {
  const [row] = await db.execute<{ n: number }>(sql`
    select (select count(*) from ${seats} where ${seats.eventId} = ${eventId} and ${seats.status} = 'available')
         + (select coalesce(sum(${gaInventory.capacity} - ${gaInventory.held} - ${gaInventory.sold}), 0) from ${gaInventory} where ${gaInventory.eventId} = ${eventId})
      as n`);
  return Number(row?.n ?? 0);
}

export async function salesFigures(db: Db, eventId: string): Promise<{ sold: number; remaining: number }> {
  const [row] = await db.execute<{ sold: number; remaining: number }>(sql`
    select (select count(*) from ${seats} where ${seats.eventId} = ${eventId} and ${seats.status} = 'sold')
         + (select coalesce(sum(${gaInventory.sold}), 0) from ${gaInventory} where ${gaInventory.eventId} = ${eventId}) as sold,
           (select count(*) from ${seats} where ${seats.eventId} = ${eventId} and ${seats.status} = 'available')
         + (select coalesce(sum(${gaInventory.capacity} - ${gaInventory.held} - ${gaInventory.sold}), 0) from ${gaInventory} where ${gaInventory.eventId} = ${eventId}) as remaining`);
  return { sold: Number(row?.sold ?? 0), remaining: Number(row?.remaining ?? 0) };
}

/** Moves the event's status only from one of `from`: never revives a cancelled or postponed event. */
export async function moveEventStatus(
  db: Db,
  eventId: string,
  from: readonly ('scheduled' | 'on_sale' | 'sold_out')[],
  to: 'on_sale' | 'sold_out',
): Promise<boolean> {
  const rows = await db
    .update(events)
    .set({ status: to })
    .where(and(eq(events.id, eventId), inArray(events.status, [...from])))
    .returning({ id: events.id });
  return rows.length > 0;
}

/** Sets the on-sale's state and writes the audit row, in the caller's transaction; returns the state before. */
export async function changeOnsaleState(
  tx: Db,
  eventId: string,
  to: OnsaleState,
  audit: { action: string; actorId: string | null; data?: Record<string, unknown> },
): Promise<OnsaleState | undefined> {
  const [before] = await tx
    .select({ state: onsaleSettings.state })
    .from(onsaleSettings)
    .where(eq(onsaleSettings.eventId, eventId))
    .for('update');
  if (!before) return undefined;
  if (before.state !== to) {
    await tx
      .update(onsaleSettings)
      .set({ state: to, updatedAt: sql`now()` })
      .where(eq(onsaleSettings.eventId, eventId));
  }
  await tx.insert(onsaleAudit).values({
    eventId,
    actorId: audit.actorId,
    action: audit.action,
    before: { state: before.state },
    after: { state: to, ...audit.data },
  });
  return before.state;
}

export async function receiptProgress(db: Db, eventId: string): Promise<Map<string, number>> {
  const rows = await db
    .select({ stream: queueReceiptProgress.stream, done: queueReceiptProgress.done })
    .from(queueReceiptProgress)
    .where(eq(queueReceiptProgress.eventId, eventId));
  return new Map(rows.map((r) => [r.stream, r.done]));
}

/**
 * Moves a stream's mark from `from` to `to`, in the receipts' transaction. Answers false when
 * the mark was not at `from` (another writer got there first): the caller rolls back.
 */
export async function advanceReceipts(
  tx: Db,
  eventId: string,
  stream: string,
  from: number,
  to: number,
): Promise<boolean> {
  if (from === 0) {
    const inserted = await tx
      .insert(queueReceiptProgress)
      .values({ eventId, stream, done: to })
      .onConflictDoNothing()
      .returning({ done: queueReceiptProgress.done });
    if (inserted.length > 0) return true;
  }
  const rows = await tx
    .update(queueReceiptProgress)
    .set({ done: to, updatedAt: sql`now()` })
    .where(
      and(
        eq(queueReceiptProgress.eventId, eventId),
        eq(queueReceiptProgress.stream, stream),
        eq(queueReceiptProgress.done, from),
      ),
    )
    .returning({ done: queueReceiptProgress.done });
  return rows.length > 0;
}
