import { and, asc, eq, isNotNull, sql } from 'drizzle-orm';
import { users } from '../auth/auth.joinable.js';
import { events, venues } from '../catalog/catalog.joinable.js';
import type { Db } from '../db/types.js';
import { tickets } from '../tickets/tickets.joinable.js';
import { checkins, eventStaff } from './checkin.table.js';
import type { ScanResult } from './vocabulary.js';

export type CheckinRow = typeof checkins.$inferSelect;

/**
 * Door rights follow the address the organizer named: an account that no longer holds it
 * confirmed (it was released by its owner, or was added before confirmation was required)
 * does not scan.
 */
export async function isEventStaff(db: Db, eventId: string, userId: string): Promise<boolean> {
  const [row] = await db
    .select({ userId: eventStaff.userId })
    .from(eventStaff)
    .innerJoin(users, eq(users.id, eventStaff.userId))
    .where(and(eq(eventStaff.eventId, eventId), eq(eventStaff.userId, userId), isNotNull(users.emailVerifiedAt)));
  return row !== undefined;
}

/** True when the account became staff now; false when it already was (nothing changes). */
export async function addStaff(db: Db, eventId: string, userId: string, addedBy: string): Promise<boolean> {
  const rows = await db
    .insert(eventStaff)
    .values({ eventId, userId, addedBy })
    .onConflictDoNothing()
    .returning({ userId: eventStaff.userId });
  return rows.length > 0;
}

export async function removeStaff(db: Db, eventId: string, userId: string): Promise<boolean> {
  const rows = await db
    .delete(eventStaff)
    .where(and(eq(eventStaff.eventId, eventId), eq(eventStaff.userId, userId)))
    .returning({ userId: eventStaff.userId });
  return rows.length > 0;
}

export async function listStaff(db: Db, eventId: string) {
  return db
    .select({
      userId: eventStaff.userId,
      email: users.email,
      displayName: users.displayName,
      since: eventStaff.createdAt,
      // isEventStaff's rule, shown to the organizer: without a confirmed address the account does not scan.
      confirmed: sql<boolean>`${users.emailVerifiedAt} is not null`,
    })
    .from(eventStaff)
    .innerJoin(users, eq(users.id, eventStaff.userId))
    .where(eq(eventStaff.eventId, eventId))
    .orderBy(asc(eventStaff.createdAt));
}

/**
 * The events an account is door staff of and that have not yet gone by (started less than a day
 * ago, not cancelled), soonest first: what the door scanner offers its staff to choose from.
 */
export async function listDoorEvents(db: Db, userId: string, limit: number) {
  return db
    .select({
      id: events.id,
      title: events.title,
      startsAt: events.startsAt,
      timeZone: venues.timeZone,
      venueName: venues.name,
    })
    .from(eventStaff)
    .innerJoin(events, eq(events.id, eventStaff.eventId))
    .innerJoin(venues, eq(venues.id, events.venueId))
    .where(
      and(
        eq(eventStaff.userId, userId),
        sql`${events.startsAt} > now() - interval '1 day'`,
        sql`${events.status} not in ('cancelled', 'completed', 'draft')`,
      ),
    )
    .orderBy(asc(events.startsAt), asc(events.id))
    .limit(limit);
}

/** A scan already recorded at this event's doors under this nonce; another event's scans are not visible. */
export async function findByNonce(db: Db, eventId: string, nonce: string): Promise<CheckinRow | undefined> {
  const [row] = await db
    .select()
    .from(checkins)
    .where(and(eq(checkins.eventId, eventId), eq(checkins.nonce, nonce)));
  return row;
}

/** Whether the ticket has been admitted at its event's doors (at most one admitted row: checkins_admitted_once). */
export async function isCheckedIn(db: Db, ticketId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: checkins.id })
    .from(checkins)
    .where(and(eq(checkins.ticketId, ticketId), eq(checkins.result, 'admitted')))
    .limit(1);
  return row !== undefined;
}

export async function firstAdmission(db: Db, ticketId: string): Promise<CheckinRow | undefined> {
  const [row] = await db
    .select()
    .from(checkins)
    .where(and(eq(checkins.ticketId, ticketId), eq(checkins.result, 'admitted')));
  return row;
}

export interface ScanRecord {
  ticketId: string | null;
  /** The event the door scans for (not necessarily the code's). */
  eventId: string;
  ticketVersion: number | null;
  gate: string;
  nonce: string;
  staffId: string;
  scannedAt: Date;
  claimedAt: Date | null;
  offline: boolean;
}

/**
 * The exactly-once step, in one statement: an admitted row is written only if the ticket is
 * still valid at the scanned version and belongs to the door's event, and the partial unique
 * index refuses a second admitted row for the ticket (as the nonce index does a retried scan). Concurrent scans queue on the index entry;
 * all but one insert nothing. FOR SHARE keeps a transfer or cancellation of the ticket waiting
 * until this commits (it then sees the check-in), and makes this wait for one already under
 * way (the WHERE is then re-checked against the new version). Returns the row when this scan
 * admitted the ticket.
 */
export async function tryAdmit(
  tx: Db,
  scan: ScanRecord & { ticketId: string; ticketVersion: number },
): Promise<CheckinRow | undefined> {
  const rows = await tx.execute<{ id: number }>(sql`
    insert into ${checkins} (ticket_id, event_id, ticket_version, result, gate, nonce, staff_id, scanned_at, claimed_at, offline)
    select ${tickets.id}, ${tickets.eventId}, ${tickets.version}, 'admitted', ${scan.gate}, ${scan.nonce}, ${scan.staffId}, ${scan.scannedAt.toISOString()}, ${scan.claimedAt?.toISOString() ?? null}::timestamptz, ${scan.offline}
    from ${tickets}
    where ${tickets.id} = ${scan.ticketId} and ${tickets.eventId} = ${scan.eventId}
      and ${tickets.version} = ${scan.ticketVersion} and ${tickets.status} = 'valid'
    for share
    on conflict do nothing
    returning id`);
  const id = rows[0]?.id;
  if (id === undefined) return undefined;
  const [row] = await tx
    .select()
    .from(checkins)
    .where(eq(checkins.id, Number(id)));
  return row;
}

/** Records a refused scan; a nonce already recorded keeps its first answer. */
export async function recordRefusal(
  db: Db,
  scan: ScanRecord,
  result: Exclude<ScanResult, 'admitted'>,
): Promise<CheckinRow> {
  const [row] = await db
    .insert(checkins)
    .values({ ...scan, result })
    .onConflictDoNothing()
    .returning();
  return row ?? (await findByNonce(db, scan.eventId, scan.nonce))!;
}

export async function admittedOf(
  db: Db,
  eventId: string,
): Promise<{ ticketId: string; firstUsedAt: string; firstGate: string }[]> {
  const rows = await db
    .select({ ticketId: checkins.ticketId, scannedAt: checkins.scannedAt, gate: checkins.gate })
    .from(checkins)
    .where(and(eq(checkins.eventId, eventId), eq(checkins.result, 'admitted')))
    .orderBy(checkins.id);
  return rows.map((r) => ({ ticketId: r.ticketId!, firstUsedAt: r.scannedAt.toISOString(), firstGate: r.gate }));
}
