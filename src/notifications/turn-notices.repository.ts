import { createHash } from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { users } from '../auth/auth.joinable.js';
import { events, venues } from '../catalog/catalog.joinable.js';
import type { Db } from '../db/types.js';
import { holds } from '../sales/sales.joinable.js';
import { englishWords, say, type NoticeMessage } from './notice-message.js';
import { timeIn } from './notice-text.js';
import { OUTBOX_CHANNEL } from './outbox.repository.js';
import { outbox } from './outbox.table.js';
import { notificationPreferences, pushSubscriptions } from './push.table.js';

/** One fan the waiting room just admitted, as the scheduler saw it. */
export interface AdmittedFan {
  accountId: string;
  token: string;
  /** Epoch ms when the purchase token expires. */
  expiresAt: number;
}

export const TURN_KIND = 'queue.your_turn';
export const TURN_REMINDER_KIND = 'queue.your_turn_reminder';

/**
 * The reminder comes when two thirds of the pass's time are gone: late enough that a fan on
 * their way has had time to act, early enough to leave a third (200 s of the default 10 min)
 * to open the page and pick seats.
 */
export const REMINDER_AT_FRACTION = 2 / 3;
/** A pass shorter than this gets no reminder: it would arrive with too little time to act on. */
const MIN_TTL_FOR_REMINDER_MS = 60_000;

const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/**
 * Writes the "your turn" messages of one admission batch to the outbox, for the dispatcher to
 * deliver: a Web Push (to accounts that allow it and have a device subscribed) and a mail (to
 * accounts that allow it), now and again as a reminder at 2/3 of the pass's time. The reminder
 * carries the token's hash and is dropped at delivery if a hold was made with the token by then
 * (dropUsedTurnReminders). The mail links to the event's queue page, where the fan signs in on
 * any device and the page resumes the pass from GET …/queue/me: no token travels in a link.
 *
 * Two statements per batch whatever its size (who allows what, then one insert), off the
 * admission path: the scheduler calls it after the batch is admitted and announced.
 */
export async function queueTurnNotices(
  db: Db,
  input: {
    eventId: string;
    /** The room the fans were admitted in when it is not the event's own (a presale window's id). */
    roomId?: string;
    admitted: readonly AdmittedFan[];
    tokenTtlMs: number;
    publicUrl: string;
    now?: number;
  },
): Promise<number> {
  if (input.admitted.length === 0) return 0;
  const now = input.now ?? Date.now();
  const [event] = await db
    .select({ title: events.title, timeZone: venues.timeZone })
    .from(events)
    .innerJoin(venues, eq(venues.id, events.venueId))
    .where(eq(events.id, input.eventId));
  if (!event) return 0;
  const ids = [...new Set(input.admitted.map((a) => a.accountId))];
  const people = await db
    .select({
      id: users.id,
      email: users.email,
      push: sql<boolean>`coalesce(${notificationPreferences.turnPush}, true)`,
      mail: sql<boolean>`coalesce(${notificationPreferences.turnEmail}, true)`,
      devices: sql<boolean>`exists (select 1 from ${pushSubscriptions} where ${pushSubscriptions.userId} = ${users.id})`,
    })
    .from(users)
    .leftJoin(notificationPreferences, eq(notificationPreferences.userId, users.id))
    .where(inArray(users.id, ids));
  const byId = new Map(people.map((p) => [p.id, p]));
  const url =
    input.roomId && input.roomId !== input.eventId
      ? `/queue.html?event=${input.roomId}&presale=${input.eventId}`
      : `/queue.html?event=${input.eventId}`;
  const link = `${input.publicUrl.replace(/\/$/, '')}${url}`;
  // The same words for every fan of the batch: made once, in English for the columns; the
  // dispatcher writes each in its reader's language from the message (notice-message.ts).
  const turnMessage = turnWords(false, event.title, link);
  const reminderMessage = turnWords(true, event.title, link);
  const rows: (typeof outbox.$inferInsert)[] = [];
  for (const fan of input.admitted) {
    const person = byId.get(fan.accountId);
    if (!person) continue;
    const data = { expiresAt: new Date(fan.expiresAt).toISOString(), timeZone: event.timeZone, eventId: input.eventId };
    const remindAt = now + input.tokenTtlMs * REMINDER_AT_FRACTION;
    const moments = [
      { kind: TURN_KIND, at: new Date(now), reminder: false },
      ...(input.tokenTtlMs >= MIN_TTL_FOR_REMINDER_MS && remindAt < fan.expiresAt
        ? [{ kind: TURN_REMINDER_KIND, at: new Date(remindAt), reminder: true }]
        : []),
    ];
    for (const moment of moments) {
      const extra = moment.reminder ? { unlessTokenHash: hashToken(fan.token) } : {};
      const notice = moment.reminder ? reminderMessage : turnMessage;
      if (person.push && person.devices) {
        rows.push({
          userId: person.id,
          kind: moment.kind,
          channel: 'webpush',
          recipient: person.id,
          subject: notice.words.title,
          body: notice.words.body,
          payload: { data, message: notice.message, url, tag: `turn-${input.eventId}`, ...extra },
          availableAt: moment.at,
        });
      }
      if (person.mail) {
        rows.push({
          userId: person.id,
          kind: moment.kind,
          channel: 'email',
          recipient: person.email,
          subject: notice.mailWords.title,
          body: notice.mailWords.body,
          payload: { data, message: notice.mail, ...extra },
          availableAt: moment.at,
        });
      }
    }
  }
  if (rows.length === 0) return 0;
  await db.insert(outbox).values(rows);
  await db.execute(sql`select pg_notify(${OUTBOX_CHANNEL}, '')`);
  return rows.length;
}

/** A turn notice (or its reminder) and its mail, which adds the link and why it came. */
function turnWords(reminder: boolean, event: string, link: string) {
  const message: NoticeMessage = reminder
    ? {
        title: say('notices:turnReminder.title', { event }),
        body: [say('notices:turnReminder.body', { time: timeIn('expiresAt') })],
      }
    : { title: say('notices:turn.title', { event }), body: [say('notices:turn.body', { time: timeIn('expiresAt') })] };
  const mail: NoticeMessage = {
    title: message.title,
    body: [...message.body, say('mail:turn.open', { link }), say('mail:turn.why')],
  };
  return { message, mail, words: englishWords(message), mailWords: englishWords(mail) };
}

/**
 * Of the claimed rows, marks `skipped` the reminders whose pass was used (a hold was made with
 * its token) and returns their ids: the fan is buying, a reminder would only confuse. One
 * statement, in the dispatcher's transaction.
 */
export async function dropUsedTurnReminders(
  tx: Db,
  rows: readonly { id: number; kind: string }[],
): Promise<Set<number>> {
  const candidates = rows.filter((r) => r.kind === TURN_REMINDER_KIND).map((r) => r.id);
  if (candidates.length === 0) return new Set();
  const skipped = await tx
    .update(outbox)
    .set({ status: 'skipped', sentAt: sql`now()`, lastError: 'pass already used' })
    .where(
      and(
        inArray(outbox.id, candidates),
        sql`exists (select 1 from ${holds} where ${holds.purchaseTokenHash} = ${outbox.payload} ->> 'unlessTokenHash')`,
      ),
    )
    .returning({ id: outbox.id });
  return new Set(skipped.map((r) => r.id));
}

/** A message for the devices of one account, worded like a feed notice (times as placeholders for `data`). */
export interface DeviceNotice {
  userId: string;
  kind: string;
  /** What it says, written in the account's language when it is sent (notice-message.ts). */
  message: NoticeMessage;
  /** The raw values the text names, with the event's `timeZone`. */
  data: Record<string, unknown>;
  /** The page a click on the notification opens (a path on this site). */
  url: string;
  /** Notifications with the same tag replace each other on the device. */
  tag: string;
}

/**
 * Writes Web Push messages to the outbox for the accounts, among `notices`, that allow "your
 * turn" pushes and have a device subscribed: a waitlist offer is a turn as much as an
 * admission, and follows the same switch on the account page. In the caller's transaction, so
 * the message exists exactly when what it announces does. Returns the rows written.
 */
/**
 * The accounts, among `userIds`, that allow "your turn" mails (the account page's switch, on
 * unless turned off): a waitlist or resale offer is mailed only to them, as an admission is.
 */
export async function turnMailAllowed(tx: Db, userIds: readonly string[]): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const rows = await tx
    .select({ id: users.id })
    .from(users)
    .leftJoin(notificationPreferences, eq(notificationPreferences.userId, users.id))
    .where(and(inArray(users.id, [...userIds]), sql`coalesce(${notificationPreferences.turnEmail}, true)`));
  return new Set(rows.map((r) => r.id));
}

export async function queueDevicePushes(tx: Db, notices: readonly DeviceNotice[]): Promise<number> {
  if (notices.length === 0) return 0;
  const ids = [...new Set(notices.map((n) => n.userId))];
  const allowed = await tx
    .select({ id: users.id })
    .from(users)
    .leftJoin(notificationPreferences, eq(notificationPreferences.userId, users.id))
    .where(
      and(
        inArray(users.id, ids),
        sql`coalesce(${notificationPreferences.turnPush}, true)`,
        sql`exists (select 1 from ${pushSubscriptions} where ${pushSubscriptions.userId} = ${users.id})`,
      ),
    );
  const yes = new Set(allowed.map((a) => a.id));
  const rows = notices
    .filter((n) => yes.has(n.userId))
    .map((n) => {
      const words = englishWords(n.message);
      return {
        userId: n.userId,
        kind: n.kind,
        channel: 'webpush' as const,
        recipient: n.userId,
        subject: words.title,
        body: words.body,
        payload: { data: n.data, message: n.message, url: n.url, tag: n.tag },
      };
    });
  if (rows.length === 0) return 0;
  await tx.insert(outbox).values(rows);
  await tx.execute(sql`select pg_notify(${OUTBOX_CHANNEL}, '')`);
  return rows.length;
}
