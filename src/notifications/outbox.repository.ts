import { and, asc, eq, inArray, lte, sql } from 'drizzle-orm';
import type { Db } from '../db/types.js';
import { open, seal } from '../shared/sealed.js';
import type { PlatformSigner } from '../shared/signing.js';
import { users } from '../auth/auth.joinable.js';
import { DEFAULT_LOCALE, isLocale, type Locale } from '../i18n/index.js';
import { englishWords, type NoticeMessage } from './notice-message.js';
import { outbox } from './outbox.table.js';

/** The channel a write to the outbox NOTIFYs and the dispatcher LISTENs on. */
export const OUTBOX_CHANNEL = 'fairdrop_outbox';

export type OutboxRow = typeof outbox.$inferSelect;

/** Wakes every listening dispatcher, from outside any transaction (see OutboxWaker). */
export async function wakeDispatchers(db: Db): Promise<void> {
  await db.execute(sql`select pg_notify(${OUTBOX_CHANNEL}, '')`);
}

export type EmailMessage = {
  userId: string | null;
  kind: string;
  to: string;
  /**
   * Sealed with the body: what tools may need of the mail (its token, its link), and under
   * `data` the raw values the body names through placeholders (times, notice-text.ts), put
   * into words when the mail is sent.
   */
  payload?: Record<string, unknown>;
  /** Stored in clear to find the mail by (`transferId`): ids only, never a secret. */
  refs?: Record<string, string>;
} & (
  | {
      /**
       * What it says (its subject is the title), as catalogue keys and values (notice-message.ts),
       * written in the recipient's language when it is sent. Sealed at rest with its values: it
       * may carry a secret (a verification or invitation link). The row's subject column keeps
       * the English title in clear; the sealed body, the English words.
       */
      message: NoticeMessage;
    }
  | {
      /** Words in one language, sent as they are (a tool's or a test's mail); the body is sealed at rest. */
      subject: string;
      body: string;
    }
);

/** What a mail row keeps sealed until it is delivered. */
export interface SealedMail {
  body: string;
  payload: Record<string, unknown>;
}

/** The key that seals mail at rest: derived from the platform key, so nothing beside the database holds it. */
type MailKeys = Pick<PlatformSigner, 'derive'>;
const derivedKeys = new WeakMap<MailKeys, Buffer>();
const mailKey = (keys: MailKeys): Buffer => {
  let key = derivedKeys.get(keys);
  if (!key) derivedKeys.set(keys, (key = keys.derive('fairdrop outbox mail v1')));
  return key;
};
/** Bound as additional data: a sealed mail opens only on a row of its kind and recipient. */
const mailContext = (row: { kind: string; recipient: string }) => `${row.kind}\0${row.recipient}`;

/**
 * Queues a mail in the caller's transaction; the delivery worker sends it after commit.
 *
 * A mail's text and payload are sealed at rest (AES-256-GCM under a key derived from the
 * platform key, src/shared/sealed.ts): a verification or transfer link in a row, a backup or a
 * replica would sign in to an account or take a ticket. The row keeps in clear only who, what
 * kind, the subject and `refs`; the dispatcher opens the seal just before sending and drops
 * it once the mail is sent or has failed for good. Notices mailed through notify() are not
 * sealed: their text is the feed row's, which the account reads in the app anyway.
 */
export async function enqueueEmail(db: Db, keys: MailKeys, message: EmailMessage): Promise<number> {
  const payload = message.payload ?? {};
  const words = 'message' in message ? englishWords(message.message) : { title: message.subject, body: message.body };
  const content: SealedMail = {
    body: words.body,
    payload: 'message' in message ? { ...payload, message: message.message } : payload,
  };
  const [row] = await db
    .insert(outbox)
    .values({
      userId: message.userId,
      kind: message.kind,
      channel: 'email',
      recipient: message.to,
      subject: words.title,
      body: '',
      payload: message.refs ?? {},
      sealed: seal(mailKey(keys), JSON.stringify(content), mailContext({ kind: message.kind, recipient: message.to })),
    })
    .returning({ id: outbox.id });
  await db.execute(sql`select pg_notify(${OUTBOX_CHANNEL}, '')`);
  return row!.id;
}

/**
 * The language of each account among the rows' recipients (users.locale), for the dispatcher:
 * one query per claimed batch; an account gone, or a mail with none, reads English.
 */
export async function recipientLocales(tx: Db, userIds: readonly (string | null)[]): Promise<Map<string, Locale>> {
  const ids = [...new Set(userIds.filter((id): id is string => id !== null))];
  if (ids.length === 0) return new Map();
  const rows = await tx.select({ id: users.id, locale: users.locale }).from(users).where(inArray(users.id, ids));
  return new Map(rows.map((r) => [r.id, isLocale(r.locale) ? r.locale : DEFAULT_LOCALE]));
}

/** A sealed mail's text and payload; throws if it was sealed under another platform key. */
export function openMail(keys: MailKeys, row: { kind: string; recipient: string; sealed: string }): SealedMail {
  return JSON.parse(open(mailKey(keys), row.sealed, mailContext(row))) as SealedMail;
}

/**
 * Claims up to `limit` rows due for delivery, oldest first, for the rest of the caller's
 * transaction. SKIP LOCKED lets any number of dispatchers share the work: each claims rows no
 * other holds (served by outbox_pending_idx).
 */
export async function claimDue(tx: Db, limit: number): Promise<OutboxRow[]> {
  return tx
    .select()
    .from(outbox)
    .where(and(eq(outbox.status, 'pending'), lte(outbox.availableAt, sql`now()`)))
    .orderBy(asc(outbox.availableAt), asc(outbox.id))
    .limit(limit)
    .for('update', { skipLocked: true });
}

/** A failed delivery: tried again from `availableAt`, or, once `failed`, never (its seal dropped). */
export async function recordFailedDelivery(
  tx: Db,
  id: number,
  failure: { attempts: number; lastError: string; failed: boolean; availableAt: Date },
): Promise<void> {
  await tx
    .update(outbox)
    .set({
      attempts: failure.attempts,
      lastError: failure.lastError,
      status: failure.failed ? 'failed' : 'pending',
      availableAt: failure.availableAt,
      // Failed for good: the link it carried is of no use to anyone now.
      ...(failure.failed ? { sealed: null } : {}),
    })
    .where(eq(outbox.id, id));
}

export async function markSent(tx: Db, ids: readonly number[]): Promise<void> {
  await tx
    .update(outbox)
    // Delivered: the secret it carried now lives only in the recipient's mailbox.
    .set({ status: 'sent', sentAt: sql`now()`, attempts: sql`${outbox.attempts} + 1`, sealed: null })
    .where(inArray(outbox.id, [...ids]));
}
