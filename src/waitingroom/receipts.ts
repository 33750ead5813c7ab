import type { Keys } from '../../queue/keys.js';
import type { QueueStats } from '../../queue/types.js';
import type { WaitingRoom } from '../../queue/waiting-room.js';
import type { Db } from '../db/types.js';
import type { AppRedis } from '../infra/redis.js';
import type { PlatformSigner } from '../shared/signing.js';
import { AppError } from '../shared/errors.js';
import { appendTimeline, type TimelineEvent } from '../timeline/timeline.repository.js';
import * as repo from './waitingroom.repository.js';

/**
 * The waiting room's timeline receipts (queue.joined, queue.drawn, queue.admitted), written
 * behind the queue in batches instead of one Postgres transaction per join: a join stays a
 * Redis call, and the receipts follow within a second or two.
 *
 * Complete and exactly once: Redis already keeps every entry in order (the pre-queue and late
 * lists in arrival order, the drawn list in ticket order, the cursor for admissions), so a
 * writer walks each list from the mark stored in `queue_receipt_progress` and moves the mark
 * in the same transaction as the receipts it wrote. A crash loses no receipt and writes none
 * twice; a second writer finds the mark moved and rolls back.
 *
 * Chained in the right order per fan: a fan's drawn receipt is written only once every join
 * receipt of the pre-queue is, and an admission only once that ticket's drawn (or late join)
 * receipt is.
 */

/** Receipts per transaction: ~500 accounts' chain heads locked and read, one multi-row insert. */
const BATCH = 500;

type Stream = 'joined_pre' | 'joined_late' | 'drawn' | 'admitted';

export interface ReceiptWriterDeps {
  db: Db;
  redis: AppRedis;
  keys: Keys;
  room: WaitingRoom;
  signer: PlatformSigner;
}

const accountOf = (raw: string | null | undefined) => (raw ?? '').slice((raw ?? '').indexOf(':') + 1);
const joinedAtOf = (raw: string | null | undefined) => Number((raw ?? '0').split(':')[0]);

export class QueueReceiptWriter {
  constructor(private readonly deps: ReceiptWriterDeps) {}

  /** Writes up to `maxBatches` batches of pending receipts for one event; returns how many it wrote. */
  async flush(eventId: string, maxBatches = 20): Promise<number> {
    let stats: QueueStats;
    try {
      stats = await this.deps.room.stats(eventId);
    } catch (err) {
      if (err instanceof AppError && err.code === 'queue.not_open') return 0;
      throw err;
    }
    const done = await repo.receiptProgress(this.deps.db, eventId);
    const at = (s: Stream) => done.get(s) ?? 0;
    let written = 0;
    for (let batch = 0; batch < maxBatches; batch++) {
      const n = await this.nextBatch(eventId, stats, at);
      if (n === null) break;
      written += n.count;
      done.set(n.stream, n.to);
    }
    return written;
  }

  /** Picks the first stream with work whose prerequisites are written, and writes one batch of it. */
  private async nextBatch(
    eventId: string,
    stats: QueueStats,
    at: (s: Stream) => number,
  ): Promise<{ stream: Stream; to: number; count: number } | null> {
    const drawStarted = stats.phase !== 'prequeue';
    const preTotal = drawStarted ? stats.drawSize : stats.prequeue;
    const drawn = stats.drawnAt !== null;

    if (at('joined_pre') < preTotal) {
      const from = at('joined_pre');
      const ids = await this.deps.room.prequeueEntries(eventId, from, Math.min(BATCH, preTotal - from));
      return this.write(eventId, 'joined_pre', from, ids, async (raw) =>
        ids.map((entryId, i) =>
          this.event(eventId, raw[i], 'queue.joined', entryId, {
            entryId,
            joinedAt: joinedAtOf(raw[i]),
            phase: 'prequeue',
          }),
        ),
      );
    }
    if (drawn && at('drawn') < stats.drawSize) {
      const from = at('drawn');
      const ids = await this.deps.room.drawnEntries(eventId, from + 1, Math.min(BATCH, stats.drawSize - from));
      return this.write(eventId, 'drawn', from, ids, async (raw) =>
        ids.map((entryId, i) =>
          this.event(eventId, raw[i], 'queue.drawn', entryId, {
            entryId,
            ticketNumber: from + i + 1,
            of: stats.drawSize,
          }),
        ),
      );
    }
    if (drawStarted && at('joined_late') < stats.late) {
      const from = at('joined_late');
      const ids = await this.deps.room.lateEntries(eventId, from, Math.min(BATCH, stats.late - from));
      return this.write(eventId, 'joined_late', from, ids, async (raw) =>
        ids.map((entryId, i) =>
          this.event(eventId, raw[i], 'queue.joined', entryId, {
            entryId,
            joinedAt: joinedAtOf(raw[i]),
            phase: 'live',
            ticketNumber: stats.drawSize + from + i + 1,
          }),
        ),
      );
    }
    // Ticket t's admission after its drawn (t ≤ drawSize) or late-join (t > drawSize) receipt.
    const ready = drawn && at('drawn') < stats.drawSize ? at('drawn') : stats.drawSize + at('joined_late');
    const limit = Math.min(stats.cursor, ready);
    if (drawn && at('admitted') < limit) {
      const from = at('admitted');
      const ids = await this.entriesByTicket(eventId, stats.drawSize, from + 1, Math.min(from + BATCH, limit));
      const grants = await this.deps.redis.hmget(this.deps.keys.queue(eventId).grants, ...ids);
      return this.write(eventId, 'admitted', from, ids, async (raw) =>
        ids.map((entryId, i) => {
          const expiresAt = Number((grants[i] ?? '').split(':')[1] ?? 0);
          return this.event(eventId, raw[i], 'queue.admitted', entryId, {
            entryId,
            ticketNumber: from + i + 1,
            tokenExpiresAt: new Date(expiresAt).toISOString(),
          });
        }),
      );
    }
    return null;
  }

  /** Entry ids of tickets first..last, from the drawn list and then the late list. */
  private async entriesByTicket(eventId: string, drawSize: number, first: number, last: number): Promise<string[]> {
    const ids: string[] = [];
    if (first <= drawSize)
      ids.push(...(await this.deps.room.drawnEntries(eventId, first, Math.min(last, drawSize) - first + 1)));
    if (last > drawSize) {
      const from = Math.max(first, drawSize + 1) - drawSize - 1;
      ids.push(...(await this.deps.room.lateEntries(eventId, from, last - drawSize - from)));
    }
    return ids;
  }

  private event(
    eventId: string,
    raw: string | null | undefined,
    kind: string,
    entryId: string,
    data: Record<string, unknown>,
  ): TimelineEvent {
    return {
      userId: accountOf(raw),
      kind,
      subjectType: 'queue_entry',
      subjectId: entryId,
      eventId,
      actorId: null,
      data,
    };
  }

  private async write(
    eventId: string,
    stream: Stream,
    from: number,
    ids: readonly string[],
    build: (raw: (string | null)[]) => Promise<TimelineEvent[]>,
  ): Promise<{ stream: Stream; to: number; count: number } | null> {
    if (ids.length === 0) return null;
    const raw = await this.deps.redis.hmget(this.deps.keys.queue(eventId).entries, ...ids);
    const events = await build(raw);
    const to = from + ids.length;
    const moved = await this.deps.db.transaction(async (tx) => {
      // The mark first: its row lock serialises writers, and a writer that lost the race stops here.
      if (!(await repo.advanceReceipts(tx, eventId, stream, from, to))) return false;
      await appendTimeline(tx, this.deps.signer, events);
      return true;
    });
    return moved ? { stream, to, count: ids.length } : null;
  }
}
