import { and, desc, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import type { Db } from '../db/types.js';
import { isUniqueViolation } from '../db/errors.js';
import { ticketErrors } from './tickets.errors.js';
import { tickets } from './tickets.table.js';
import { ticketTransfers, type TransferStatus } from './transfers.table.js';

export type TransferRow = typeof ticketTransfers.$inferSelect;

export async function insertTransfer(tx: Db, values: typeof ticketTransfers.$inferInsert): Promise<TransferRow> {
  try {
    const [row] = await tx.insert(ticketTransfers).values(values).returning();
    return row!;
  } catch (err) {
    if (isUniqueViolation(err, 'ticket_transfers_pending_unique')) throw ticketErrors.pendingExists();
    throw err;
  }
}

export async function findTransfer(db: Db, id: string): Promise<TransferRow | undefined> {
  const [row] = await db.select().from(ticketTransfers).where(eq(ticketTransfers.id, id));
  return row;
}

/** Which of these tickets are on offer now (at most one open offer each: ticket_transfers_pending_unique). */
export async function pendingOfferTicketIds(db: Db, ticketIds: readonly string[]): Promise<string[]> {
  // `in ()` is not SQL: with no tickets, an id no ticket has stands in for the empty list.
  const rows = await db
    .select({ ticketId: ticketTransfers.ticketId })
    .from(ticketTransfers)
    .where(
      and(
        inArray(ticketTransfers.ticketId, ticketIds.length ? [...ticketIds] : ['00000000-0000-0000-0000-000000000000']),
        eq(ticketTransfers.status, 'pending'),
      ),
    );
  return rows.map((r) => r.ticketId);
}

export async function lockTransfer(tx: Db, id: string): Promise<TransferRow | undefined> {
  const [row] = await tx.select().from(ticketTransfers).where(eq(ticketTransfers.id, id)).for('update');
  return row;
}

export async function finishTransfer(
  tx: Db,
  id: string,
  status: Exclude<TransferStatus, 'pending'>,
  toUserId: string | null,
): Promise<TransferRow | undefined> {
  const [row] = await tx
    .update(ticketTransfers)
    .set({ status, toUserId, decidedAt: sql`now()` })
    .where(and(eq(ticketTransfers.id, id), eq(ticketTransfers.status, 'pending')))
    .returning();
  return row;
}

/** Withdraws every open offer of an event (it was cancelled); returns how many. */
export async function cancelPendingTransfersOfEvent(tx: Db, eventId: string): Promise<number> {
  const rows = await tx
    .update(ticketTransfers)
    .set({ status: 'cancelled', decidedAt: sql`now()` })
    .where(and(eq(ticketTransfers.eventId, eventId), eq(ticketTransfers.status, 'pending')))
    .returning({ id: ticketTransfers.id });
  return rows.length;
}

export async function transfersOf(db: Db, userId: string, email: string, limit: number): Promise<TransferRow[]> {
  return db
    .select()
    .from(ticketTransfers)
    .where(
      or(
        eq(ticketTransfers.fromUserId, userId),
        eq(ticketTransfers.toUserId, userId),
        and(eq(ticketTransfers.toEmail, email), eq(ticketTransfers.status, 'pending')),
      ),
    )
    .orderBy(desc(ticketTransfers.createdAt))
    .limit(limit);
}

/** The ticket row, locked: a transfer, a check-in and a cancellation of one ticket take turns. */
export async function lockTicket(tx: Db, id: string) {
  const [row] = await tx
    .select({
      id: tickets.id,
      eventId: tickets.eventId,
      orderId: tickets.orderId,
      holderId: tickets.holderId,
      version: tickets.version,
      status: tickets.status,
      attendeeEmail: tickets.attendeeEmail,
      resaleListingId: tickets.resaleListingId,
    })
    .from(tickets)
    .where(eq(tickets.id, id))
    .for('update');
  return row;
}

/**
 * Hands a ticket to its new holder: the version bump kills every code of the old one (online at
 * once, offline at the next sync). Only from `fromVersion`, still valid, and on exactly the
 * resale listing named (`null`: on none, as a transfer or gift needs; a listing's id: a resale,
 * and the ticket leaves the listing). null when any of that changed.
 */
export async function changeHolder(
  tx: Db,
  ticketId: string,
  fromVersion: number,
  to: { userId: string; name: string; email: string },
  listingId: string | null = null,
): Promise<number | null> {
  const [row] = await tx
    .update(tickets)
    .set({
      holderId: to.userId,
      attendeeName: to.name,
      attendeeEmail: to.email,
      resaleListingId: null,
      version: sql`${tickets.version} + 1`,
      updatedAt: sql`now()`,
    })
    .where(
      and(
        eq(tickets.id, ticketId),
        eq(tickets.version, fromVersion),
        eq(tickets.status, 'valid'),
        listingId === null ? isNull(tickets.resaleListingId) : eq(tickets.resaleListingId, listingId),
      ),
    )
    .returning({ version: tickets.version });
  return row?.version ?? null;
}

/**
 * Puts a ticket on a resale listing or takes it off (`listingId` null): only the version listed,
 * still valid; false when the ticket changed. Call with the ticket locked (lockTicket).
 */
export async function markListed(
  tx: Db,
  ticketId: string,
  version: number,
  listingId: string | null,
): Promise<boolean> {
  const rows = await tx
    .update(tickets)
    .set({ resaleListingId: listingId, updatedAt: sql`now()` })
    .where(and(eq(tickets.id, ticketId), eq(tickets.version, version)))
    .returning({ id: tickets.id });
  return rows.length === 1;
}
