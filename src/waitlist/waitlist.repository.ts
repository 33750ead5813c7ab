import { and, asc, count, eq, inArray, notInArray, sql } from 'drizzle-orm';
import { users } from '../auth/auth.joinable.js';
import { events, venues } from '../catalog/catalog.joinable.js';
import type { Db } from '../db/types.js';
import { notify } from '../notifications/notifications.repository.js';
import { say } from '../notifications/notice-message.js';
import { timeIn } from '../notifications/notice-text.js';
import { queueDevicePushes, turnMailAllowed } from '../notifications/turn-notices.repository.js';
import { waitlistCounters, waitlistEntries, type WaitlistState } from './waitlist.table.js';

export type WaitlistRow = typeof waitlistEntries.$inferSelect;

/** How long a fan has to buy the place the waitlist offers them: the offer hold's lifetime. */
export const OFFER_TTL_SECONDS = 10 * 60;

/** An entry as its fan and the organizer see it: the line's state, and the offer's if there is one. */
export interface EntryView {
  entryId: string;
  userId: string;
  seq: number;
  /** waiting, offered (the hold is live), bought, lapsed (the offer ran out or was let go), left, skipped. */
  state: 'waiting' | 'offered' | 'bought' | 'lapsed' | 'left' | 'skipped';
  /** 1 for the next fan in line; null once the entry is no longer waiting. */
  position: number | null;
  holdId: string | null;
  offerExpiresAt: Date | null;
  joinedAt: Date;
}

const stateOf = (row: { state: WaitlistState; holdStatus: string | null }): EntryView['state'] => {
  if (row.state !== 'offered') return row.state;
  if (row.holdStatus === 'active') return 'offered';
  return row.holdStatus === 'converted' ? 'bought' : 'lapsed';
};

/**
 * Puts the account in the event's line, once: a new entry takes the event's next `seq` (the
 * counter row's increment serialises joins of one event); an existing one is answered as it is.
 * Returns whether it was new.
 */
export async function joinWaitlist(db: Db, eventId: string, userId: string): Promise<{ created: boolean }> {
  const rows = await db.execute<{ id: string }>(sql`
    with existing as (
      select id from ${waitlistEntries} where event_id = ${eventId} and user_id = ${userId}
    ), counter as (
      insert into ${waitlistCounters} (event_id, last_seq)
      select ${eventId}, 1 where not exists (select 1 from existing)
      on conflict (event_id) do update set last_seq = ${waitlistCounters.lastSeq} + 1
      returning last_seq
    )
    insert into ${waitlistEntries} (event_id, user_id, seq)
    select ${eventId}, ${userId}, last_seq from counter
    on conflict (event_id, user_id) do nothing
    returning id`);
  return { created: [...rows].length > 0 };
}

/** Takes a waiting fan out of the line; an entry already offered, left or skipped stays as it is. */
export async function leaveWaitlist(db: Db, eventId: string, userId: string): Promise<boolean> {
  const rows = await db
    .update(waitlistEntries)
    .set({ state: 'left', leftAt: sql`now()` })
    .where(
      and(
        eq(waitlistEntries.eventId, eventId),
        eq(waitlistEntries.userId, userId),
        eq(waitlistEntries.state, 'waiting'),
      ),
    )
    .returning({ id: waitlistEntries.id });
  return rows.length > 0;
}

/** The fan's entry with its position (waiting entries before it, plus one) and its offer's state. */
export async function findEntry(db: Db, eventId: string, userId: string): Promise<EntryView | undefined> {
  const rows = await db.execute<{
    id: string;
    user_id: string;
    seq: string | number;
    state: WaitlistState;
    hold_id: string | null;
    hold_status: string | null;
    expires_at: string | null;
    created_at: string;
    ahead: string | number | null;
  }>(sql`
    select w.id, w.user_id, w.seq, w.state, w.hold_id, w.created_at, h.status as hold_status, h.expires_at,
           case when w.state = 'waiting' then (
             select count(*) from ${waitlistEntries} a
             where a.event_id = w.event_id and a.state = 'waiting' and a.seq < w.seq) end as ahead
    from ${waitlistEntries} w left join holds h on h.id = w.hold_id
    where w.event_id = ${eventId} and w.user_id = ${userId}`);
  const row = [...rows][0];
  if (!row) return undefined;
  return {
    entryId: row.id,
    userId: row.user_id,
    seq: Number(row.seq),
    state: stateOf({ state: row.state, holdStatus: row.hold_status }),
    position: row.ahead === null ? null : Number(row.ahead) + 1,
    holdId: row.hold_id,
    offerExpiresAt: row.expires_at ? new Date(row.expires_at) : null,
    joinedAt: new Date(row.created_at),
  };
}

/** The event's line for its organizer: counts by state and a page of entries in order. */
export async function listWaitlist(
  db: Db,
  eventId: string,
  page: { afterSeq: number; limit: number },
): Promise<{ counts: Record<EntryView['state'], number>; entries: (EntryView & { email: string })[] }> {
  const rows = await db.execute<{
    id: string;
    user_id: string;
    email: string;
    seq: string | number;
    state: WaitlistState;
    hold_id: string | null;
    hold_status: string | null;
    expires_at: string | null;
    created_at: string;
    position: string | number | null;
  }>(sql`
    select w.id, w.user_id, u.email, w.seq, w.state, w.hold_id, w.created_at, h.status as hold_status, h.expires_at,
           case when w.state = 'waiting' then (
             select count(*) from ${waitlistEntries} a
             where a.event_id = w.event_id and a.state = 'waiting' and a.seq < w.seq) + 1 end as position
    from ${waitlistEntries} w
    join ${users} u on u.id = w.user_id
    left join holds h on h.id = w.hold_id
    where w.event_id = ${eventId} and w.seq > ${page.afterSeq}
    order by w.seq
    limit ${page.limit}`);
  const tally = await db.execute<{ state: WaitlistState; hold_status: string | null; n: string | number }>(sql`
    select w.state, h.status as hold_status, count(*) as n
    from ${waitlistEntries} w left join holds h on h.id = w.hold_id
    where w.event_id = ${eventId}
    group by w.state, h.status`);
  const counts = { waiting: 0, offered: 0, bought: 0, lapsed: 0, left: 0, skipped: 0 };
  for (const t of tally) counts[stateOf({ state: t.state, holdStatus: t.hold_status })] += Number(t.n);
  return {
    counts,
    entries: [...rows].map((row) => ({
      entryId: row.id,
      userId: row.user_id,
      email: row.email,
      seq: Number(row.seq),
      state: stateOf({ state: row.state, holdStatus: row.hold_status }),
      position: row.position === null ? null : Number(row.position),
      holdId: row.hold_id,
      offerExpiresAt: row.expires_at ? new Date(row.expires_at) : null,
      joinedAt: new Date(row.created_at),
    })),
  };
}

/** Waiting entries of an event (the join check and the console's figure). */
export async function waitingCount(db: Db, eventId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(waitlistEntries)
    .where(and(eq(waitlistEntries.eventId, eventId), eq(waitlistEntries.state, 'waiting')));
  return row?.n ?? 0;
}

interface Offer {
  entryId: string;
  userId: string;
  holdId: string;
  eventId: string;
  expiresAt: string;
}

/**
 * The hook where places come back to stock (src/sales/inventory.repository.ts): run it in the
 * transaction that returned them. When the event's sale is sold out and fans wait in its line,
 * each place becomes a hold for the next fan (fd_waitlist_offer, drizzle/0028_waitlist.sql),
 * who is told in the same transaction (feed, push and a mail). With nobody waiting the places
 * stay in stock: one statement, one index probe. Returns the offers made.
 */
export async function offerReturnedPlaces(
  tx: Db,
  place: { tierId: string; seatIds: readonly string[] } | { tierId: string; quantity: number },
): Promise<Offer[]> {
  const seatIds = 'seatIds' in place ? place.seatIds : null;
  if (seatIds?.length === 0 || ('quantity' in place && place.quantity <= 0)) return [];
  const seatArray = seatIds ? sql`${`{${seatIds.join(',')}}`}::uuid[]` : sql`null::uuid[]`;
  const quantity = 'quantity' in place ? place.quantity : null;
  const [row] = await tx.execute<{ offers: Offer[] }>(
    sql`select fd_waitlist_offer(${place.tierId}, ${seatArray}, ${quantity}::int, ${OFFER_TTL_SECONDS}::int) as offers`,
  );
  const offers = row?.offers ?? [];
  if (offers.length === 0) return offers;
  const people = await tx
    .select({ userId: users.id, email: users.email, title: events.title, timeZone: venues.timeZone })
    .from(users)
    .innerJoin(events, eq(events.id, offers[0]!.eventId))
    .innerJoin(venues, eq(venues.id, events.venueId))
    .where(
      inArray(
        users.id,
        offers.map((o) => o.userId),
      ),
    )
    .orderBy(asc(users.id));
  const byUser = new Map(people.map((p) => [p.userId, p]));
  const mailable = await turnMailAllowed(
    tx,
    offers.map((o) => o.userId),
  );
  const notices = offers.map((offer) => {
    const who = byUser.get(offer.userId)!;
    return {
      userId: offer.userId,
      kind: 'waitlist.offer',
      message: {
        title: say('notices:waitlistOffer.title', { event: who.title }),
        body: [say('notices:waitlistOffer.body', { time: timeIn('expiresAt') })],
      },
      data: {
        eventId: offer.eventId,
        holdId: offer.holdId,
        expiresAt: offer.expiresAt,
        timeZone: who.timeZone,
        path: `/checkout.html?hold=${offer.holdId}`,
      },
      dedupeKey: `waitlist.offer:${offer.holdId}`,
      // The mail goes only where the fan allows "your turn" mails (the feed and open pages always).
      email: mailable.has(offer.userId) ? who.email : undefined,
    };
  });
  // The feed row, the open pages (the `notification` push to the fan's user room) and a mail;
  // then the fan's devices, as for an admission.
  await notify(tx, notices);
  await queueDevicePushes(
    tx,
    notices.map((n) => ({ ...n, url: n.data.path, tag: `waitlist-${n.data.holdId}` })),
  );
  return offers;
}

/**
 * The next fan waiting in the event's line, leaving out the accounts named (for a resale
 * listing: its seller and the fans it was offered to already, src/resale/). Read only: a resale
 * offer does not change the fan's place in line.
 */
export async function nextInLine(
  db: Db,
  eventId: string,
  skipUserIds: readonly string[],
): Promise<{ entryId: string; userId: string } | undefined> {
  const [row] = await db
    .select({ entryId: waitlistEntries.id, userId: waitlistEntries.userId })
    .from(waitlistEntries)
    .where(
      and(
        eq(waitlistEntries.eventId, eventId),
        eq(waitlistEntries.state, 'waiting'),
        skipUserIds.length ? notInArray(waitlistEntries.userId, [...skipUserIds]) : undefined,
      ),
    )
    .orderBy(asc(waitlistEntries.seq))
    .limit(1);
  return row;
}
