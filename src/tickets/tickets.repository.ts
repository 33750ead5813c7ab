import { and, asc, desc, eq, inArray, ne, or, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { checkins } from '../checkin/checkin.joinable.js';
import type { Db } from '../db/types.js';
import { isUniqueViolation } from '../db/errors.js';
import { conflict } from '../shared/errors.js';
import { tickets, type TicketStatus } from './tickets.table.js';
import { ticketTransfers } from './transfers.table.js';

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

/** Revokes every valid ticket of the event in one statement (the version bump kills offline codes too). */
export async function revokeEventTickets(tx: Db, eventId: string): Promise<number> {
  const rows = await tx
    .update(tickets)
    .set({ status: 'revoked', version: sql`${tickets.version} + 1`, updatedAt: sql`now()` })
    .where(and(eq(tickets.eventId, eventId), eq(tickets.status, 'valid')))
    .returning({ id: tickets.id });
  return rows.length;
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

/** The ticket as a door judges a scan of it: its event, holder, version and status. */
export async function ticketForScan(db: Db, ticketId: string) {
  const [row] = await db
    .select({
      id: tickets.id,
      eventId: tickets.eventId,
      holderId: tickets.holderId,
      version: tickets.version,
      status: tickets.status,
      attendeeName: tickets.attendeeName,
    })
    .from(tickets)
    .where(eq(tickets.id, ticketId));
  return row;
}

/**
 * What an offline scanner must know of an event's tickets beyond signatures: those ended (no
 * version passes) and those re-issued (codes below the current version are dead).
 */
export async function revocationsOf(
  db: Db,
  eventId: string,
): Promise<{ ticketId: string; minVersion: number | null }[]> {
  const rows = await db
    .select({ id: tickets.id, status: tickets.status, version: tickets.version })
    .from(tickets)
    .where(and(eq(tickets.eventId, eventId), or(ne(tickets.status, 'valid'), sql`${tickets.version} > 1`)))
    .orderBy(tickets.id);
  return rows.map((r) => ({ ticketId: r.id, minVersion: r.status === 'valid' ? r.version : null }));
}

/** The valid tickets of an order that this account holds, with the attendee each was named for, in id order. */
export async function validTicketsOfHolderInOrder(
  db: Db,
  orderId: string,
  holderId: string,
): Promise<{ id: string; attendeeEmail: string | null }[]> {
  return db
    .select({ id: tickets.id, attendeeEmail: tickets.attendeeEmail })
    .from(tickets)
    .where(and(eq(tickets.orderId, orderId), eq(tickets.holderId, holderId), eq(tickets.status, 'valid')))
    .orderBy(tickets.id);
}

/** Valid tickets an account holds for an event (the per-account limit's other half). */
export async function countValidTickets(db: Db, holderId: string, eventId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(tickets)
    .where(and(eq(tickets.holderId, holderId), eq(tickets.eventId, eventId), eq(tickets.status, 'valid')));
  return row?.n ?? 0;
}

/**
 * An order's tickets, locked for the rest of the caller's transaction in id order: after the
 * order row, this is the order every change of several tickets takes its locks in, so two of
 * them never wait on each other. A transfer, an offer or a scan of one ticket waits here.
 */
export async function lockTicketsOfOrder(tx: Db, orderId: string): Promise<string[]> {
  const rows = await tx
    .select({ id: tickets.id })
    .from(tickets)
    .where(eq(tickets.orderId, orderId))
    .orderBy(asc(tickets.id))
    .for('update');
  return rows.map((r) => r.id);
}

/** A ticket with what decides whether its buyer may still change it. */
export interface TicketWithStanding extends TicketView {
  /** The first admitted scan; null while unused. */
  admittedAt: Date | null;
  /** The open offer of it, whoever made it (at most one: ticket_transfers_pending_unique). */
  pendingOffer: { id: string; fromUserId: string; toEmail: string; createdAt: Date } | null;
}

const admission = alias(checkins, 'admission');
const openOffer = alias(ticketTransfers, 'open_offer');

/**
 * The tickets of these orders with their first admission and open offer, in one statement
 * (tickets_order_idx, then checkins_admitted_once and ticket_transfers_pending_unique, each at
 * most one row per ticket). Read after lockTicketsOfOrder, it sees every scan and offer that
 * committed before the lock was granted.
 */
export async function ticketsOfOrdersWithStanding(db: Db, orderIds: readonly string[]): Promise<TicketWithStanding[]> {
  if (orderIds.length === 0) return [];
  const rows = await db
    .select({
      ...ticketColumns,
      admittedAt: admission.scannedAt,
      offerId: openOffer.id,
      offerFrom: openOffer.fromUserId,
      offerTo: openOffer.toEmail,
      offeredAt: openOffer.createdAt,
    })
    .from(tickets)
    .leftJoin(admission, and(eq(admission.ticketId, tickets.id), eq(admission.result, 'admitted')))
    .leftJoin(openOffer, and(eq(openOffer.ticketId, tickets.id), eq(openOffer.status, 'pending')))
    .where(inArray(tickets.orderId, [...orderIds]))
    .orderBy(asc(tickets.issuedAt), asc(tickets.id));
  return rows.map(({ offerId, offerFrom, offerTo, offeredAt, ...t }) => ({
    ...t,
    pendingOffer:
      offerId && offerFrom && offerTo && offeredAt
        ? { id: offerId, fromUserId: offerFrom, toEmail: offerTo, createdAt: offeredAt }
        : null,
  }));
}

/** One of a buyer's accepted offers: where a ticket went, as far as the buyer was told. */
export interface AcceptedOffer {
  id: string;
  ticketId: string;
  toEmail: string;
  decidedAt: Date | null;
}

/**
 * The offers this account made of these tickets that were accepted, newest first (served by
 * ticket_transfers_from_idx: an account's own transfers are few).
 */
export async function acceptedOffersBy(
  db: Db,
  fromUserId: string,
  ticketIds: readonly string[],
): Promise<AcceptedOffer[]> {
  if (ticketIds.length === 0) return [];
  return db
    .select({
      id: ticketTransfers.id,
      ticketId: ticketTransfers.ticketId,
      toEmail: ticketTransfers.toEmail,
      decidedAt: ticketTransfers.decidedAt,
    })
    .from(ticketTransfers)
    .where(
      and(
        eq(ticketTransfers.fromUserId, fromUserId),
        inArray(ticketTransfers.ticketId, [...ticketIds]),
        eq(ticketTransfers.status, 'accepted'),
      ),
    )
    .orderBy(desc(ticketTransfers.createdAt));
}
