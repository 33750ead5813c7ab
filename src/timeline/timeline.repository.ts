import { and, asc, eq, isNull, lt, or, sql } from 'drizzle-orm';
import { clientOf } from '../platform/prepared.js';
import type { Db } from '../db/types.js';
import type { PlatformSigner } from '../shared/signing.js';
import { GENESIS, receiptHash, type Receipt, type ReceiptPayload } from './receipt.js';
import { timelineEntries } from './timeline.table.js';

export interface TimelineEvent {
  userId: string;
  /** Dotted, past tense: `queue.joined`, `hold.created`, `order.confirmed`, `ticket.transferred`… */
  kind: string;
  subjectType: string;
  subjectId: string;
  eventId?: string | null;
  actorId?: string | null;
  data?: Record<string, unknown>;
}

/** The insert's column list, in the order `receiptRow` gives the values. */
const insertColumns = sql.raw(
  [
    timelineEntries.userId,
    timelineEntries.seq,
    timelineEntries.kind,
    timelineEntries.subjectType,
    timelineEntries.subjectId,
    timelineEntries.eventId,
    timelineEntries.actorId,
    timelineEntries.data,
    timelineEntries.occurredAt,
    timelineEntries.prevHash,
    timelineEntries.hash,
    timelineEntries.signature,
    timelineEntries.keyId,
  ]
    .map((c) => `"${c.name}"`)
    .join(', '),
);

const receiptRow = (r: Receipt) =>
  sql`(${r.userId}, ${r.seq}, ${r.kind}, ${r.subjectType}, ${r.subjectId}, ${r.eventId}, ${r.actorId}, ${JSON.stringify(r.data)}::jsonb, ${r.occurredAt}::timestamptz, ${r.prevHash}, ${r.hash}, ${r.signature}, ${r.keyId})`;

/**
 * Appends receipts inside the caller's transaction, so a state change and its receipt commit
 * together or not at all. Appends for one account are serialised by a transaction-scoped
 * advisory lock (taken in sorted order when several accounts are involved, so two
 * transactions never wait on each other in a cycle).
 *
 * The locks and the head reads are two statements whatever the number of accounts (a batch of
 * the waiting room's receipts covers 500), sent together in one round trip: the locks in one
 * statement, taken in the array's order, then the reads. Postgres runs them in the order sent
 * and the read takes its snapshot when it starts, after every lock is held, so it sees the
 * last receipt any earlier holder of a lock committed.
 */
export async function appendTimeline(
  tx: Db,
  signer: PlatformSigner,
  events: readonly TimelineEvent[],
): Promise<Receipt[]> {
  const accounts = [...new Set(events.map((e) => e.userId))].sort();
  const client = clientOf(tx);
  // The same lock key as the purchase functions' (drizzle/0039…): 'timeline:' || user id.
  const locks = client`select count(pg_advisory_xact_lock(hashtextextended('timeline:' || u, 0)))
    from unnest(${accounts}::text[]) as u`.execute();
  const reads = client<{ at: string; seq: number; hash: string }[]>`select u.at, h.seq, h.hash
    from unnest(${accounts}::uuid[]) with ordinality as u(user_id, at)
    cross join lateral (
      select seq, hash from timeline_entries t where t.user_id = u.user_id order by seq desc limit 1
    ) h`.execute();
  const [, lasts] = await Promise.all([locks, reads]);
  const heads = new Map<string, { seq: number; hash: string }>();
  for (const userId of accounts) heads.set(userId, { seq: 0, hash: GENESIS });
  // `at` is the account's 1-based place in the array (a bigint, which postgres-js gives as text).
  for (const last of lasts) heads.set(accounts[Number(last.at) - 1]!, { seq: last.seq, hash: last.hash });
  // Millisecond precision: what Postgres stores is exactly what was signed.
  const occurredAt = new Date(Math.floor(Date.now())).toISOString();
  const receipts: Receipt[] = events.map((event) => {
    const head = heads.get(event.userId)!;
    const payload: ReceiptPayload = {
      v: 1,
      userId: event.userId,
      seq: head.seq + 1,
      kind: event.kind,
      subjectType: event.subjectType,
      subjectId: event.subjectId,
      eventId: event.eventId ?? null,
      actorId: event.actorId ?? null,
      data: event.data ?? {},
      occurredAt,
      prevHash: head.hash,
    };
    const hash = receiptHash(payload);
    heads.set(event.userId, { seq: payload.seq, hash });
    return { ...payload, hash, signature: signer.sign(payload), keyId: signer.keyId };
  });
  if (receipts.length > 0) {
    // A plain statement rather than drizzle's insert builder: this runs for every state change,
    // and building the insert cost more CPU than Postgres spends on it.
    await tx.execute(
      sql`insert into ${timelineEntries} (${insertColumns}) values ${sql.join(receipts.map(receiptRow), sql`, `)}`,
    );
  }
  return receipts;
}

type Row = typeof timelineEntries.$inferSelect;

/**
 * A receipt as a fan gets it. An entry the purchase path wrote is chained at once but signed
 * just after its commit (receipt-signer.ts); one read before that is signed here. Ed25519 is
 * deterministic, so this is the very signature the signer stores.
 */
export function toReceipt(row: Row, signer: PlatformSigner): Receipt {
  const payload: ReceiptPayload = {
    v: 1,
    userId: row.userId,
    seq: row.seq,
    kind: row.kind,
    subjectType: row.subjectType,
    subjectId: row.subjectId,
    eventId: row.eventId,
    actorId: row.actorId,
    data: row.data,
    occurredAt: row.occurredAt.toISOString(),
    prevHash: row.prevHash,
  };
  return {
    ...payload,
    hash: row.hash,
    signature: row.signature ?? signer.sign(payload),
    keyId: row.signature ? row.keyId! : signer.keyId,
  };
}

export async function listTimeline(
  db: Db,
  signer: PlatformSigner,
  userId: string,
  options: { afterSeq?: number; limit?: number } = {},
): Promise<Receipt[]> {
  const rows = await db
    .select()
    .from(timelineEntries)
    .where(and(eq(timelineEntries.userId, userId), sql`${timelineEntries.seq} > ${options.afterSeq ?? 0}`))
    .orderBy(asc(timelineEntries.seq))
    .limit(options.limit ?? 200);
  return rows.map((row) => toReceipt(row, signer));
}

/** An order's receipts, oldest first: those about the order and about its payments (which carry the order id). */
export async function listOrderTimeline(
  db: Db,
  signer: PlatformSigner,
  order: { id: string; userId: string },
): Promise<Receipt[]> {
  const rows = await db
    .select()
    .from(timelineEntries)
    .where(
      and(
        // The owner's chain (served by its (user_id, seq) index), then this order's entries in it.
        eq(timelineEntries.userId, order.userId),
        or(
          and(eq(timelineEntries.subjectType, 'order'), eq(timelineEntries.subjectId, order.id)),
          sql`${timelineEntries.data}->>'orderId' = ${order.id}`,
        ),
      ),
    )
    .orderBy(asc(timelineEntries.id));
  return rows.map((row) => toReceipt(row, signer));
}

/** Receipts still unsigned after `olderThanMs` (served by timeline_unsigned_idx). */
export async function unsignedReceipts(db: Db, options: { olderThanMs: number; limit: number }): Promise<Row[]> {
  return db
    .select()
    .from(timelineEntries)
    .where(
      and(
        isNull(timelineEntries.signature),
        lt(timelineEntries.occurredAt, new Date(Date.now() - options.olderThanMs)),
      ),
    )
    .orderBy(asc(timelineEntries.id))
    .limit(options.limit);
}

/**
 * Stores receipt signatures in one UPDATE, whichever requests wrote the receipts. Only a null
 * signature is set, so a receipt signed twice (the batch and the sweep) keeps the first, which
 * is the same.
 */
export async function storeSignatures(
  db: Db,
  keyId: string,
  batch: readonly { id: number; signature: string }[],
): Promise<void> {
  await db.execute(sql`
    update ${timelineEntries} t set signature = v.signature, key_id = ${keyId}
    from unnest(${`{${batch.map((b) => b.id).join(',')}}`}::bigint[], ${`{${batch.map((b) => b.signature).join(',')}}`}::text[]) as v(id, signature)
    where t.id = v.id and t.signature is null`);
}
