import { and, desc, eq, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { events, priceTiers, venues } from '../catalog/catalog.joinable.js';
import { checkins } from '../checkin/checkin.joinable.js';
import type { Db } from '../db/types.js';
import { seats } from '../sales/sales.joinable.js';
import { tickets } from './tickets.table.js';
import { ticketTransfers } from './transfers.table.js';

/** A ticket with what a fan (or a door scanner) needs to read it: event, tier, seat, first check-in, open transfer. */
export interface TicketDetail {
  id: string;
  orderId: string;
  eventId: string;
  holderId: string;
  attendeeName: string | null;
  attendeeEmail: string | null;
  version: number;
  status: 'valid' | 'cancelled' | 'exchanged' | 'revoked';
  issuedAt: Date;
  event: {
    title: string;
    startsAt: Date;
    doorsAt: Date | null;
    endsAt: Date | null;
    createdAt: Date;
    status: string;
    transfersAllowed: boolean;
    venueName: string;
  };
  tierName: string;
  seat: { section: string; row: string; number: number } | null;
  firstUsedAt: Date | null;
  firstGate: string | null;
  pendingTransferId: string | null;
}

const admitted = alias(checkins, 'admitted');
const pending = alias(ticketTransfers, 'pending_transfer');

const columns = {
  id: tickets.id,
  orderId: tickets.orderId,
  eventId: tickets.eventId,
  holderId: tickets.holderId,
  attendeeName: tickets.attendeeName,
  attendeeEmail: tickets.attendeeEmail,
  version: tickets.version,
  status: tickets.status,
  issuedAt: tickets.issuedAt,
  eventTitle: events.title,
  startsAt: events.startsAt,
  doorsAt: events.doorsAt,
  endsAt: events.endsAt,
  eventCreatedAt: events.createdAt,
  eventStatus: events.status,
  transfersAllowed: events.transfersAllowed,
  venueName: venues.name,
  tierName: priceTiers.name,
  section: seats.section,
  row: seats.row,
  number: seats.number,
  firstUsedAt: admitted.scannedAt,
  firstGate: admitted.gate,
  pendingTransferId: pending.id,
};

async function select(db: Db, where: SQL | undefined, limit: number): Promise<TicketDetail[]> {
  const rows = await db
    .select(columns)
    .from(tickets)
    .innerJoin(events, eq(events.id, tickets.eventId))
    .innerJoin(venues, eq(venues.id, events.venueId))
    .innerJoin(priceTiers, eq(priceTiers.id, tickets.tierId))
    .leftJoin(seats, eq(seats.id, tickets.seatId))
    .leftJoin(admitted, and(eq(admitted.ticketId, tickets.id), eq(admitted.result, 'admitted')))
    .leftJoin(pending, and(eq(pending.ticketId, tickets.id), eq(pending.status, 'pending')))
    .where(where)
    .orderBy(desc(events.startsAt), tickets.id)
    .limit(limit);
  return rows.map((r) => ({
    id: r.id,
    orderId: r.orderId,
    eventId: r.eventId,
    holderId: r.holderId,
    attendeeName: r.attendeeName,
    attendeeEmail: r.attendeeEmail,
    version: r.version,
    status: r.status,
    issuedAt: r.issuedAt,
    event: {
      title: r.eventTitle,
      startsAt: r.startsAt,
      doorsAt: r.doorsAt,
      endsAt: r.endsAt,
      createdAt: r.eventCreatedAt,
      status: r.eventStatus,
      transfersAllowed: r.transfersAllowed,
      venueName: r.venueName,
    },
    tierName: r.tierName,
    seat:
      r.section !== null && r.row !== null && r.number !== null
        ? { section: r.section, row: r.row, number: r.number }
        : null,
    firstUsedAt: r.firstUsedAt,
    firstGate: r.firstGate,
    pendingTransferId: r.pendingTransferId,
  }));
}

export async function findTicketDetail(db: Db, id: string): Promise<TicketDetail | undefined> {
  return (await select(db, eq(tickets.id, id), 1))[0];
}

/** An account's tickets, soonest event last; ended ones only when asked (a fan's history). */
export async function ticketsOfHolder(
  db: Db,
  holderId: string,
  options: { includeEnded: boolean; limit: number },
): Promise<TicketDetail[]> {
  return select(
    db,
    and(eq(tickets.holderId, holderId), options.includeEnded ? undefined : eq(tickets.status, 'valid')),
    options.limit,
  );
}

export async function ticketsOfOrderDetailed(db: Db, orderId: string): Promise<TicketDetail[]> {
  return select(db, eq(tickets.orderId, orderId), 1000);
}

/** The label printed in a code and shown at the door: "A · Row 3 · Seat 12", or the tier for general admission. */
export function seatLabel(t: Pick<TicketDetail, 'seat' | 'tierName'>): string {
  const label = t.seat
    ? `${t.seat.section} · Row ${t.seat.row} · Seat ${t.seat.number}`
    : `${t.tierName} · General admission`;
  // The code format carries at most 60 bytes of label; cut on a character boundary.
  let out = label;
  while (Buffer.byteLength(out, 'utf8') > 60) out = out.slice(0, -1);
  return out;
}

/** What a fan sees as the ticket's state: a valid ticket already scanned is "used"; a fan's own cancellation was refunded. */
export function presentedStatus(
  t: Pick<TicketDetail, 'status' | 'firstUsedAt'>,
): 'valid' | 'used' | 'refunded' | 'revoked' {
  if (t.status === 'valid') return t.firstUsedAt ? 'used' : 'valid';
  return t.status === 'cancelled' ? 'refunded' : 'revoked';
}
