import { createHash, randomUUID } from 'node:crypto';
import type { Keys, QueueKeys } from '../../queue/keys.js';
import type { Admission, QueueStats } from '../../queue/types.js';
import { MAX_ADMIT_PER_CALL, type WaitingRoom } from '../../queue/waiting-room.js';
import { announceTicketsReleased } from '../announcements/announcements.js';
import type { Db } from '../db/types.js';
import type { AppRedis } from '../infra/redis.js';
import type { Logger } from '../logger.js';
import type { NamespaceEmitter } from '../realtime/broadcaster.js';
import { eventRoom, userRoom, type QueueServerToClient } from '../realtime/events.js';
import { AppError } from '../shared/errors.js';
import { measuredRate, recordPace } from './pace.js';
import { reserveWindowMs } from './reserve.js';
import { moveEventStatus } from '../catalog/catalog.repository.js';
import { unsoldCount } from '../sales/inventory.repository.js';
import { activeQueueSales, changeOnsaleState, type QueueSale } from '../sales/onsale.repository.js';
import type { WaitingRoomService } from './waitingroom.service.js';
import { stockOf, type PresaleRooms, type RoomSale } from './presale-rooms.js';
import { businessMetrics } from '../shared/business-metrics.js';
import { recordAdmissions, recordDraw } from '../reports/drop-facts.repository.js';

export interface SchedulerDeps {
  db: Db;
  redis: AppRedis;
  keys: Keys;
  room: WaitingRoom;
  service: WaitingRoomService;
  sockets: NamespaceEmitter<QueueServerToClient>;
  logger: Logger;
  /** Presale windows' rooms, ticked beside the events' own (src/presales). */
  presales?: PresaleRooms;
  /** Names this scheduler in the per-event lock and in tick reports (node id). */
  nodeId: string;
  /**
   * Told once per tick of the fans it admitted, after their sockets were told: it queues the
   * other channels (Web Push, mail) without holding up the tick. It must not throw.
   */
  onAdmitted?: (
    eventId: string,
    admitted: { accountId: string; token: string; expiresAt: number }[],
    tokenTtlMs: number,
    /** The event whose seats the room sells, when the room is a presale window's. */
    stockEventId?: string,
  ) => void;
}

export interface SchedulerOptions {
  tickMs: number;
  ticketsPerFan: number;
  /**
   * The longest a token counts against the cap from its issue (0: its whole lifetime); the
   * window itself follows the room's recent claims (reserve.ts). See WaitingRoom.admit.
   */
  tokenReserveMs: number;
  /**
   * Crash tests only: called inside a tick at a named point (after an admission batch, with the
   * lock held and the cursor published to no one yet); a test's hook kills the process there.
   */
  fault?: (
    point: SchedulerFaultPoint,
    at: TickRun & { eventId: string; admitted: { first: number; last: number } },
  ) => void;
}

/** Which run of the schedule a tick is: the slot it was due at. */
export interface TickRun {
  dueAt: number;
}

export type SchedulerFaultPoint = 'after_admit_batch';

/** What one tick did for one event; tests and logs read it. */
export interface EventTick {
  eventId: string;
  node: string;
  outcome: 'locked' | 'waiting' | 'opened' | 'closed' | 'paused' | 'idle' | 'admitted' | 'soldout' | 'error';
  drew?: number;
  /** Ticket numbers admitted by this tick, first..last (inclusive). */
  admitted?: { first: number; last: number; count: number };
  cursor?: number;
  unsold?: number;
  /** How long this tick's tokens counted against the cap from their issue, ms (reserve.ts). */
  reserveMs?: number;
}

/** A cursor message at least this often while live, even if it did not move: ETAs and "still alive". */
const CURSOR_HEARTBEAT_MS = 5_000;
/** A rate quota may catch up this many ticks after a gap (a slow tick, a failover), not more. */
const MAX_CATCH_UP_TICKS = 5;

const isCode = (err: unknown, code: string) => err instanceof AppError && err.code === code;

/**
 * The admission scheduler's work for one tick, over every queue on-sale that needs it: open
 * pre-queues when their time comes, draw at sale start, admit the next tickets at the on-sale's
 * rate capped by the seats still unsold, publish one cursor per event, follow sell-outs both
 * ways, close at sale end. BullMQ runs one tick at a time across the cluster; the per-event
 * lock below also keeps an overlapping tick (a slow one, a second scheduler) off the same event.
 */
export class AdmissionScheduler {
  private readonly owner: string;

  constructor(
    private readonly deps: SchedulerDeps,
    private readonly options: SchedulerOptions,
  ) {
    this.owner = `${deps.nodeId}:${randomUUID()}`;
  }

  /**
   * How long the per-event lock lives from `now` unless renewed: until half a tick past the
   * schedule's next slot after `now`. The next slot's tick (another node's, a slow tick's
   * overlap) finds it held; the slot after finds it free even when this process died holding it,
   * however late this tick started — so a scheduler killed mid-tick delays admission by two
   * ticks at most. (A TTL counted from the moment of locking, as before, lapsed after the second
   * slot whenever the dead tick had started later in its slot than its successor did, and was a
   * whole second whatever the tick.) `dueAt` is the slot this tick was scheduled for; a clock
   * behind the scheduler's counts as on time.
   */
  lockTtlMs(dueAt: number, now: number): number {
    const tickMs = this.options.tickMs;
    const nextSlot = dueAt + (Math.floor(Math.max(0, now - dueAt) / tickMs) + 1) * tickMs;
    return Math.max(1, Math.round(nextSlot + tickMs / 2 - now));
  }

  private async holdLock(k: QueueKeys, dueAt: number): Promise<void> {
    await this.deps.redis.pexpire(k.lock, this.lockTtlMs(dueAt, Date.now()));
  }

  /** One tick over every active queue on-sale; `dueAt` is the slot of the schedule it runs for (default: now). */
  async tick(now = Date.now(), run: TickRun = { dueAt: now }): Promise<EventTick[]> {
    const sales: RoomSale[] = [
      ...(await activeQueueSales(this.deps.db, new Date(now))),
      ...((await this.deps.presales?.active(new Date(now))) ?? []),
    ];
    return Promise.all(
      sales.map((sale) =>
        this.tickEvent(sale, now, run).catch((err: unknown): EventTick => {
          this.deps.logger.error({ err, eventId: sale.eventId }, 'admission tick failed');
          return { eventId: sale.eventId, node: this.deps.nodeId, outcome: 'error' };
        }),
      ),
    );
  }

  async tickEvent(sale: RoomSale, now = Date.now(), run: TickRun = { dueAt: now }): Promise<EventTick> {
    const k = this.deps.keys.queue(sale.eventId);
    const taken = await this.deps.redis.set(k.lock, this.owner, 'PX', this.lockTtlMs(run.dueAt, Date.now()), 'NX');
    if (taken !== 'OK') return this.report(sale, 'locked');
    try {
      return await this.run(sale, k, now, run);
    } finally {
      await this.deps.redis.releaseLock(k.lock, this.owner);
    }
  }

  private report(sale: QueueSale, outcome: EventTick['outcome'], extra: Partial<EventTick> = {}): EventTick {
    return { eventId: sale.eventId, node: this.deps.nodeId, outcome, ...extra };
  }

  private async run(sale: RoomSale, k: QueueKeys, now: number, tickRun: TickRun): Promise<EventTick> {
    const { room, service } = this.deps;
    let stats: QueueStats;
    try {
      stats = await room.stats(sale.eventId);
    } catch (err) {
      if (!isCode(err, 'queue.not_open')) throw err;
      if (!(await service.openIfDue(sale, now))) return this.report(sale, 'waiting');
      return this.report(sale, 'opened');
    }

    if (sale.saleEndsAt && now >= sale.saleEndsAt.getTime()) {
      // A presale window's end closes its room only; the event's on-sale goes on.
      if (sale.presale) await this.deps.presales!.close(sale.eventId);
      else
        await this.deps.db.transaction((tx) =>
          changeOnsaleState(tx, sale.eventId, 'closed', {
            action: 'closed',
            actorId: null,
            data: { reason: 'sale_ended' },
          }),
        );
      service.forget(sale.eventId);
      await service.applyState(sale.eventId, 'closed');
      return this.report(sale, 'closed');
    }
    if (sale.state === 'paused') {
      await service.applyState(sale.eventId, 'paused');
      return this.report(sale, 'paused');
    }
    if (stats.phase === 'paused') {
      await service.applyState(sale.eventId, 'scheduled');
      stats = await room.stats(sale.eventId);
    }

    let drew: number | undefined;
    if ((stats.phase === 'prequeue' || stats.phase === 'drawing') && now >= sale.saleStartsAt.getTime()) {
      // A big draw takes seconds: keep the lock alive chunk by chunk so no second scheduler joins in.
      const report = await room.draw(sale.eventId, { afterWrite: () => this.holdLock(k, tickRun.dueAt) });
      await room.reveal(sale.eventId);
      // A presale's draw leaves the event as it is: its general sale has not started.
      if (!sale.presale) await moveEventStatus(this.deps.db, sale.eventId, ['scheduled'], 'on_sale');
      drew = report.size;
      this.deps.sockets
        .to(eventRoom(sale.eventId))
        .emit('drawn', { eventId: sale.eventId, phase: 'live', soldOut: false, at: Date.now(), drawSize: report.size });
      this.deps.logger.info(
        { eventId: sale.eventId, size: report.size, ms: Math.round(report.totalMs) },
        'lottery drawn',
      );
      await this.recordDrew(sale.eventId, report.size, report.totalMs);
      stats = await room.stats(sale.eventId);
    }
    if (stats.phase !== 'live') return this.report(sale, 'idle', { drew });
    return this.admit(sale, k, stats, now, tickRun, drew);
  }

  private async admit(
    sale: RoomSale,
    k: QueueKeys,
    stats: QueueStats,
    now: number,
    tickRun: TickRun,
    drew?: number,
  ): Promise<EventTick> {
    const { room, redis, db, sockets } = this.deps;
    const eventId = sale.eventId;
    const unsold = await unsoldCount(db, stockOf(sale));

    if (unsold === 0) {
      if (!stats.soldOut) {
        const change = await room.setSoldOut(eventId, true);
        // The event's status first, then the push: a fan who reloads on hearing it reads the same.
        if (!sale.presale) await moveEventStatus(db, eventId, ['scheduled', 'on_sale'], 'sold_out');
        if (change.changed)
          sockets
            .to(eventRoom(eventId))
            .emit('soldout', { eventId, phase: change.phase, soldOut: true, at: Date.now() });
      }
      await this.publishCursor(sale, k, stats.cursor, now, true);
      return this.report(sale, 'soldout', { drew, cursor: stats.cursor, unsold });
    }
    if (stats.soldOut) {
      // Seats came back (holds expired, orders cancelled): admission resumes and watchers hear it.
      const change = await room.setSoldOut(eventId, false);
      if (change.changed) {
        if (!sale.presale) await moveEventStatus(db, eventId, ['sold_out'], 'on_sale');
        sockets
          .to(eventRoom(eventId))
          .emit('available', { eventId, phase: change.phase, soldOut: false, at: Date.now() });
        if (!sale.presale) {
          void announceTicketsReleased(db, eventId, `${Math.floor(now / 60_000)}`, unsold).catch((err: unknown) =>
            this.deps.logger.warn({ err, eventId }, 'tickets released not announced'),
          );
        }
      }
    }

    const quota = await this.quota(sale, k, now);
    // Tokens out and unclaimed may each still buy ~ticketsPerFan seats: never promise more than remain.
    const maxOutstanding = Math.ceil(unsold / this.options.ticketsPerFan);
    const tokenTtlMs = sale.purchaseTokenTtlSeconds * 1000;
    const reserveMs =
      quota > 0 && this.options.tokenReserveMs > 0
        ? reserveWindowMs(await room.claimAges(eventId, tokenTtlMs), this.options.tokenReserveMs)
        : this.options.tokenReserveMs;
    let cursor = stats.cursor;
    let count = 0;
    const first = cursor + 1;
    const told: { accountId: string; token: string; expiresAt: number }[] = [];
    while (count < quota) {
      const result = await room.admit(eventId, Math.min(quota - count, MAX_ADMIT_PER_CALL), {
        maxOutstanding,
        tokenTtlMs,
        reserveMs,
        // Read before `unsold` was counted: holds settled since may be missing from that count.
        settledSeen: stats.settledTokens,
      });
      cursor = result.cursor;
      const emittedAt = Date.now();
      for (const a of result.admitted) {
        sockets.to(userRoom(a.accountId)).emit('admitted', {
          eventId,
          entryId: a.entryId,
          ticketNumber: a.ticketNumber,
          token: a.token,
          expiresAt: a.expiresAt,
          emittedAt,
        });
        if (this.deps.onAdmitted) told.push({ accountId: a.accountId, token: a.token, expiresAt: a.expiresAt });
      }
      count += result.admitted.length;
      businessMetrics.queueAdmissions.inc(result.admitted.length);
      await this.recordAdmitted(eventId, result.admitted, emittedAt);
      if (count > 0)
        this.options.fault?.('after_admit_batch', { eventId, ...tickRun, admitted: { first, last: cursor } });
      if (result.status !== 'admitting' || result.admitted.length === 0) break;
      await this.holdLock(k, tickRun.dueAt);
    }
    if (told.length > 0) this.deps.onAdmitted?.(eventId, told, tokenTtlMs, stockOf(sale));
    // An unused quota is not banked: a room that could not admit (nobody waiting, cap reached)
    // must not release a burst when it can again.
    if (count < quota) await redis.hset(k.plan, 'carry', '0');
    await recordPace(redis, k, now, cursor);
    await this.publishCursor(sale, k, cursor, now, false);
    return this.report(sale, count > 0 ? 'admitted' : 'idle', {
      drew,
      cursor,
      unsold,
      reserveMs,
      ...(count > 0 ? { admitted: { first, last: cursor, count } } : {}),
    });
  }

  /**
   * The admissions of one admit call, for the post-drop report: one insert, after the fans were
   * told. A failed write is logged, not retried: the receipts (queue.admitted) stay the complete
   * record, and admission must not stop for a statistic.
   */
  private async recordAdmitted(eventId: string, admitted: readonly Admission[], at: number): Promise<void> {
    if (admitted.length === 0) return;
    const admittedAt = new Date(at);
    await recordAdmissions(
      this.deps.db,
      admitted.map((a) => ({
        eventId,
        ticketNumber: a.ticketNumber,
        entryId: a.entryId,
        userId: a.accountId,
        tokenHash: createHash('sha256').update(a.token).digest('hex'),
        admittedAt,
        tokenExpiresAt: new Date(a.expiresAt),
      })),
    ).catch((err: unknown) => this.deps.logger.warn({ err, eventId }, 'admissions not recorded for the report'));
  }

  /** The lottery's size and time, for the post-drop report; as with admissions, a failed write is only logged. */
  private async recordDrew(eventId: string, drawSize: number, drawMs: number): Promise<void> {
    await recordDraw(this.deps.db, { eventId, drawSize, drawnAt: new Date(), drawMs: Math.round(drawMs) }).catch(
      (err: unknown) => this.deps.logger.warn({ err, eventId }, 'draw not recorded for the report'),
    );
  }

  /** How many to admit this tick: the rate with its fractional carry, or a whole batch every tickSeconds. */
  private async quota(sale: QueueSale, k: QueueKeys, now: number): Promise<number> {
    const [lastTickAt, carry, lastBatchAt] = await this.deps.redis.hmget(k.plan, 'lastTickAt', 'carry', 'lastBatchAt');
    if (sale.batchSize !== null && sale.tickSeconds !== null) {
      // A little slack: BullMQ's ticks wander by some milliseconds, and a batch must not slip a whole tick.
      const due =
        lastBatchAt === null || now - Number(lastBatchAt) >= sale.tickSeconds * 1000 - this.options.tickMs / 2;
      if (due) await this.deps.redis.hset(k.plan, 'lastBatchAt', String(now), 'lastTickAt', String(now));
      return due ? sale.batchSize : 0;
    }
    const perMinute = sale.admitPerMinute ?? 0;
    const elapsed =
      lastTickAt === null
        ? this.options.tickMs
        : Math.min(Math.max(0, now - Number(lastTickAt)), MAX_CATCH_UP_TICKS * this.options.tickMs);
    const total = Number(carry ?? 0) + (perMinute * elapsed) / 60_000;
    const quota = Math.floor(total);
    await this.deps.redis.hset(k.plan, 'lastTickAt', String(now), 'carry', String(total - quota));
    return quota;
  }

  /** ONE cursor message per event per tick, and only when it says something new (or as a heartbeat). */
  private async publishCursor(
    sale: QueueSale,
    k: QueueKeys,
    cursor: number,
    now: number,
    soldOut: boolean,
  ): Promise<void> {
    const [lastCursor, lastAt, lastSoldOut] = await this.deps.redis.hmget(k.plan, 'cursor', 'cursorAt', 'soldOut');
    const changed = lastCursor !== String(cursor) || lastSoldOut !== (soldOut ? '1' : '0');
    if (!changed && lastAt !== null && now - Number(lastAt) < CURSOR_HEARTBEAT_MS) return;
    const ratePerMinute = await measuredRate(this.deps.redis, k, now);
    this.deps.sockets.to(eventRoom(sale.eventId)).emit('cursor', {
      eventId: sale.eventId,
      cursor,
      ratePerMinute: Math.round(ratePerMinute * 10) / 10,
      phase: 'live',
      soldOut,
      at: now,
    });
    await this.deps.redis.hset(
      k.plan,
      'cursor',
      String(cursor),
      'cursorAt',
      String(now),
      'soldOut',
      soldOut ? '1' : '0',
    );
  }
}
