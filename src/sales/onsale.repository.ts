import { and, asc, eq, gt, inArray, lte, ne, or, sql } from 'drizzle-orm';
import { events } from '../catalog/catalog.joinable.js';
import type { Db } from '../db/types.js';
import { onsaleAudit, onsaleSettings, type OnsaleState } from './onsale.table.js';

export type { OnsaleState };

export type OnsaleRow = typeof onsaleSettings.$inferSelect;
type OnsaleValues = Omit<typeof onsaleSettings.$inferInsert, 'createdAt' | 'updatedAt'>;

export async function findOnsale(db: Db, eventId: string): Promise<OnsaleRow | undefined> {
  const [row] = await db.select().from(onsaleSettings).where(eq(onsaleSettings.eventId, eventId));
  return row;
}

export async function upsertOnsale(db: Db, values: OnsaleValues): Promise<OnsaleRow> {
  const { eventId: _e, ...changes } = values;
  const [row] = await db
    .insert(onsaleSettings)
    .values(values)
    .onConflictDoUpdate({ target: onsaleSettings.eventId, set: { ...changes, updatedAt: sql`now()` } })
    .returning();
  return row!;
}

export async function insertAudit(db: Db, values: typeof onsaleAudit.$inferInsert): Promise<void> {
  await db.insert(onsaleAudit).values(values);
}

export async function listAudit(db: Db, eventId: string) {
  return db.select().from(onsaleAudit).where(eq(onsaleAudit.eventId, eventId)).orderBy(asc(onsaleAudit.id));
}

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
