import { and, asc, desc, eq, sql } from 'drizzle-orm';
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

/**
 * Appends receipts inside the caller's transaction, so a state change and its receipt commit
 * together or not at all. Appends for one account are serialised by a transaction-scoped
 * advisory lock (taken in sorted order when several accounts are involved, so two
 * transactions never wait on each other in a cycle).
 */
export async function appendTimeline(tx: Db, signer: PlatformSigner, events: readonly TimelineEvent[]): Promise<Receipt[]> {
  const accounts = [...new Set(events.map((e) => e.userId))].sort();
  for (const userId of accounts) {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`timeline:${userId}`}, 0))`);
  }
  const heads = new Map<string, { seq: number; hash: string }>();
  for (const userId of accounts) {
    const [last] = await tx
      .select({ seq: timelineEntries.seq, hash: timelineEntries.hash })
      .from(timelineEntries)
      .where(eq(timelineEntries.userId, userId))
      .orderBy(desc(timelineEntries.seq))
      .limit(1);
    heads.set(userId, last ?? { seq: 0, hash: GENESIS });
  }
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
    await tx.insert(timelineEntries).values(
      receipts.map((r) => ({
        userId: r.userId,
        seq: r.seq,
        kind: r.kind,
        subjectType: r.subjectType,
        subjectId: r.subjectId,
        eventId: r.eventId,
        actorId: r.actorId,
        data: r.data,
        occurredAt: new Date(r.occurredAt),
        prevHash: r.prevHash,
        hash: r.hash,
        signature: r.signature,
        keyId: r.keyId,
      })),
    );
  }
  return receipts;
}

type Row = typeof timelineEntries.$inferSelect;

export function toReceipt(row: Row): Receipt {
  return {
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
    hash: row.hash,
    signature: row.signature,
    keyId: row.keyId,
  };
}

export async function listTimeline(db: Db, userId: string, options: { afterSeq?: number; limit?: number } = {}): Promise<Receipt[]> {
  const rows = await db
    .select()
    .from(timelineEntries)
    .where(and(eq(timelineEntries.userId, userId), sql`${timelineEntries.seq} > ${options.afterSeq ?? 0}`))
    .orderBy(asc(timelineEntries.seq))
    .limit(options.limit ?? 200);
  return rows.map(toReceipt);
}

/** Receipts about one thing (an order, a hold), possibly across several accounts (a transfer). */
export async function listTimelineForSubject(db: Db, subjectType: string, subjectId: string): Promise<Receipt[]> {
  const rows = await db
    .select()
    .from(timelineEntries)
    .where(and(eq(timelineEntries.subjectType, subjectType), eq(timelineEntries.subjectId, subjectId)))
    .orderBy(asc(timelineEntries.id));
  return rows.map(toReceipt);
}
