import { findEvent, findVenue } from '../catalog/catalog.repository.js';
import type { Db } from '../db/types.js';
import { say, type NoticeMessage } from '../notifications/notice-message.js';
import { timeIn } from '../notifications/notice-text.js';
import { notifyBatch } from '../notifications/notifications.repository.js';
import { audiencePage, type Audience } from './announcements.repository.js';

/**
 * News about an event for the people it concerns: ticket holders and watchers, each once per
 * cause (the dedupe key names the cause and the person), written in batches of transactions
 * so a 50,000-holder event does not become one giant transaction. A batch that fails is
 * simply run again by its caller: the dedupe keys make the rerun notify only the rest.
 */

/** Notices per transaction: two multi-row INSERTs of 500 and 1,000 rows; a crash loses at most one batch of progress. */
const BATCH = 500;

export interface Announcement {
  kind: 'event.cancelled' | 'event.postponed' | 'event.changed' | 'event.prequeue_opened' | 'event.tickets_released';
  /** Names this cause: the dedupe key is `<kind>:<causeKey>:<userId>`. */
  causeKey: string;
  /**
   * What it says, as catalogue keys and values (notifications/notice-message.ts), written in each
   * reader's language; a time is a placeholder for a value in `data` (`timeIn`, notifications/notice-text.ts).
   */
  message: NoticeMessage;
  /** The raw values the words name; the event's zone is added as `timeZone`, so its times read as at the venue. */
  data?: Record<string, unknown>;
  /** Mail it too (cancellations and changes matter enough; a watched pre-queue opening does too). */
  mail: boolean;
}

/** Notifies everyone in the audience once; returns how many notices were new. */
export async function announce(db: Db, eventId: string, audience: Audience, a: Announcement): Promise<number> {
  let after = '00000000-0000-0000-0000-000000000000';
  let written = 0;
  const timeZone = await eventZone(db, eventId);
  for (;;) {
    const people = await audiencePage(db, eventId, audience, after, BATCH);
    if (people.length === 0) return written;
    const notices = people.map((p) => ({
      userId: p.id,
      kind: a.kind,
      message: a.message,
      data: { eventId, ...(timeZone ? { timeZone } : {}), ...a.data },
      dedupeKey: `${a.kind}:${a.causeKey}:${p.id}`,
      ...(a.mail ? { email: p.email } : {}),
    }));
    written += await db.transaction((tx) => notifyBatch(tx, notices));
    after = people.at(-1)!.id;
  }
}

/** The zone of the event's venue (its venue now: a postponement to another venue names the new one's times). */
async function eventZone(db: Db, eventId: string): Promise<string | null> {
  const event = await findEvent(db, eventId);
  return event ? ((await findVenue(db, event.venueId))?.timeZone ?? null) : null;
}

/**
 * For the waiting room: call when an event's pre-queue opens. Watchers are told once per
 * event, however often this is called.
 */
export async function announcePrequeueOpened(db: Db, eventId: string, saleStartsAt: Date): Promise<number> {
  const event = await findEvent(db, eventId);
  if (!event) return 0;
  return announce(db, eventId, 'watchers', {
    kind: 'event.prequeue_opened',
    causeKey: eventId,
    message: {
      title: say('notices:prequeueOpened.title', { event: event.title }),
      body: [say('notices:prequeueOpened.body', { time: timeIn('saleStartsAt') })],
    },
    data: { saleStartsAt: saleStartsAt.toISOString() },
    mail: true,
  });
}

/**
 * For the sales side: call when tickets come back for a sold-out event (expired holds,
 * cancellations). `releaseKey` names the release (e.g. the minute, or the hold id): watchers
 * hear once per release, not once per seat.
 */
export async function announceTicketsReleased(
  db: Db,
  eventId: string,
  releaseKey: string,
  count: number,
): Promise<number> {
  const event = await findEvent(db, eventId);
  if (!event) return 0;
  return announce(db, eventId, 'watchers', {
    kind: 'event.tickets_released',
    causeKey: `${eventId}:${releaseKey}`,
    message: {
      title: say('notices:ticketsReleased.title', { event: event.title }),
      body: [say('notices:ticketsReleased.body', { count })],
    },
    data: { count, releaseKey },
    mail: false,
  });
}
