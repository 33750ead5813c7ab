import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/types.js';
import { isUniqueViolation } from '../db/errors.js';
import { conflict } from '../shared/errors.js';
import { tickets, type TicketStatus } from './tickets.table.js';

export type TicketRow = typeof tickets.$inferSelect;

export const ticketColumns = {
  id: tickets.id,
  orderId: tickets.orderId,
  orderItemId: tickets.orderItemId,
  eventId: tickets.eventId,
  tierId: tickets.tierId,
  seatId: tickets.seatId,
  holderId: tickets.holderId,
  attendeeName: tickets.attendeeName,
  attendeeEmail: tickets.attendeeEmail,
  version: tickets.version,
  status: tickets.status,
  issuedAt: tickets.issuedAt,
};

export type TicketView = Pick<TicketRow, keyof typeof ticketColumns>;

/** Issues tickets in the caller's transaction; a seat that already has a valid ticket is a conflict, never a second ticket. */
export async function issueTickets(tx: Db, values: (typeof tickets.$inferInsert)[]): Promise<TicketView[]> {
  if (values.length === 0) return [];
  try {
    return await tx.insert(tickets).values(values).returning(ticketColumns);
  } catch (err) {
    if (isUniqueViolation(err, 'tickets_valid_seat_unique'))
      throw conflict('sales.seat_unavailable', 'A seat in this order already has a ticket.');
    throw err;
  }
}

export async function ticketsOfOrder(db: Db, orderId: string): Promise<TicketView[]> {
  return db
    .select(ticketColumns)
    .from(tickets)
    .where(eq(tickets.orderId, orderId))
    .orderBy(asc(tickets.issuedAt), asc(tickets.id));
}

/** Ends valid tickets (cancelled, revoked); returns those that were still valid. */
export async function endTickets(
  tx: Db,
  ids: readonly string[],
  status: Exclude<TicketStatus, 'valid'>,
): Promise<TicketView[]> {
  if (ids.length === 0) return [];
  return tx
    .update(tickets)
    .set({ status, version: sql`${tickets.version} + 1`, updatedAt: sql`now()` })
    .where(and(inArray(tickets.id, [...ids]), eq(tickets.status, 'valid')))
    .returning(ticketColumns);
}

/** Moves a ticket to another seat; the version bump kills every code signed for the old seat. */
export async function moveTicket(
  tx: Db,
  id: string,
  seatId: string,
  orderItemId: string,
  tierId: string,
): Promise<TicketView | undefined> {
  const [row] = await tx
    .update(tickets)
    .set({ seatId, orderItemId, tierId, version: sql`${tickets.version} + 1`, updatedAt: sql`now()` })
    .where(and(eq(tickets.id, id), eq(tickets.status, 'valid')))
    .returning(ticketColumns);
  return row;
}

/** Valid tickets an account holds for an event (the per-account limit's other half). */
export async function countValidTickets(db: Db, holderId: string, eventId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(tickets)
    .where(and(eq(tickets.holderId, holderId), eq(tickets.eventId, eventId), eq(tickets.status, 'valid')));
  return row?.n ?? 0;
}
