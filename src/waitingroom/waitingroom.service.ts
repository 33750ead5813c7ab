import type { z } from 'zod';
import type { Keys } from '../../queue/keys.js';
import type { Phase, QueueStats } from '../../queue/types.js';
import type { JoinLimits, WaitingRoom } from '../../queue/waiting-room.js';
import { announcePrequeueOpened } from '../announcements/announcements.js';
import type { Principal } from '../auth/principal.js';
import { catalogErrors } from '../catalog/catalog.errors.js';
import * as catalog from '../catalog/catalog.repository.js';
import { assertEventOrganizer } from '../catalog/guards.js';
import type { Db } from '../db/types.js';
import type { AppRedis } from '../infra/redis.js';
import type { Logger } from '../logger.js';
import type { NamespaceEmitter } from '../realtime/broadcaster.js';
import { eventRoom, type QueueServerToClient, type QueueSnapshot } from '../realtime/events.js';
import { AppError } from '../shared/errors.js';
import type { PlatformSigner } from '../shared/signing.js';
import { etaSeconds, measuredRate } from './pace.js';
import { checkProof, issueChallenge, type Challenge } from './pow.js';
import { salesFigures } from '../sales/inventory.repository.js';
import type { RoomFacts, RoomReader } from '../sales/phase.js';
import { changeOnsaleState, findQueueSale, type OnsaleState } from '../sales/onsale.repository.js';
import { SharedCopies } from '../shared/shared-copies.js';
import { stockOf, type PresaleRooms, type RoomSale } from './presale-rooms.js';
import { CHALLENGE_SECRET } from './room.js';
import { waitingRoomErrors } from './waitingroom.errors.js';
import type {
  entriesPage,
  JoinBody,
  joinReceipt,
  lifecycleResult,
  lottery,
  queueStats,
} from './waitingroom.schemas.js';
import { businessMetrics } from '../shared/business-metrics.js';
import { RefusalCounter } from '../reports/refusal-counter.js';

export interface WaitingRoomDeps {
  db: Db;
  redis: AppRedis;
  keys: Keys;
  room: WaitingRoom;
  signer: PlatformSigner;
  /** The `/queue` socket namespace, reachable from any process. */
  sockets: NamespaceEmitter<QueueServerToClient>;
  logger: Logger;
  /** Presale windows' rooms: a room id that is no event's may be a window's (src/presales). */
  presales?: PresaleRooms;
}

type JoinReceipt = z.input<typeof joinReceipt>;

/**
 * Join answers read the on-sale from memory for this long: a burst of joins must not become a
 * burst of identical Postgres reads. Pause and close also act on Redis at once, so the cache
 * only delays what Redis does not know (a new difficulty, new times) by a second.
 */
const SALE_CACHE_MS = 1_000;
/**
 * The public figures (queue stats, the lottery record) are the same for everyone: each node
 * builds them once per this many ms per event and every request in between shares the copy
 * (a drop's crowd asks for them thousands of times a second; each build reads Redis twice and
 * Postgres once). Half the max-age the stats answer advertises.
 */
const PUBLIC_SNAPSHOT_MS = 500;
/**
 * The measured admission rate behind every ETA is the same for every fan of an event, and the
 * scheduler records a new sample once a tick (a second): read once per this many ms per event,
 * so a fan's answer is one Redis call for their own state.
 */
const RATE_CACHE_MS = 1_000;
/**
 * Pre-queue views a node keeps (about 300 bytes each): enough for every fan of a 100,000-fan
 * drop polling through one node. See WaitingRoomService.snapshot.
 */
const ENTERED_VIEWS_MAX = 150_000;
/** 5 minutes to solve a challenge: a slow phone needs seconds at the difficulties allowed. */
const CHALLENGE_TTL_MS = 5 * 60_000;

const isCode = (err: unknown, code: string) => err instanceof AppError && err.code === code;

/**
 * Pacing of `GET …/queue/me` pollers (clients without websockets), in seconds: a quarter of
 * the time left before something changes for the fan, within [POLL_MIN_S, POLL_MAX_S].
 * 2 s at the least: the scheduler ticks every second, and a fan at the front or holding a
 * purchase token should not learn of it much later than a socket would tell them. 60 s at the
 * most: a fan an hour away still sees the queue move now and then, and a room that reopens
 * (seats returned, pause lifted) is noticed within a minute. 15 s while nothing measurable
 * moves (paused, no admission rate yet): what the page polled at before it was told.
 *
 * The last minute before the draw is the exception. Nothing changes for a fan in the pre-queue
 * until the draw, and a quarter of the time left would bring the whole crowd back every 2 s in
 * its last seconds (85,000 pages without a socket: ~40,000 requests a second, when a node
 * answers a few thousand). Instead each fan is sent to a moment of their own just
 * after the draw, spread evenly (by their entry id) over one second per DRAW_POLLS_PER_S fans
 * of the pre-queue, between 2 and 60 s: the front of the line learns of its admission a few
 * seconds later (sockets are told at once), and the nodes see a steady stream, not a wall.
 */
export const POLL_MIN_S = 2;
export const POLL_MAX_S = 60;
export const POLL_UNKNOWN_S = 15;
/** Polls a second the pre-queue's return after the draw is spread to (a few nodes answer many times this). */
export const DRAW_POLLS_PER_S = 2_000;

const clampPoll = (seconds: number) => Math.min(POLL_MAX_S, Math.max(POLL_MIN_S, Math.ceil(seconds)));

/** Seconds after the draw over which a pre-queue of this many fans is sent back to poll. */
export function drawReturnWindowSeconds(prequeue: number): number {
  return Math.min(POLL_MAX_S, Math.max(POLL_MIN_S, prequeue / DRAW_POLLS_PER_S));
}

/** Seconds a poller should wait before asking again where this fan stands. */
export function pollAfterSeconds(view: QueueSnapshot, saleStartsAt: Date, now: number, prequeue = 0): number {
  if (view.phase === 'closed') return POLL_MAX_S;
  // Admitted: the token is the fan's to use; the next change is theirs (or its expiry).
  if (view.status === 'admitted' || view.status === 'purchasing') return POLL_MIN_S;
  // Nothing will change for them by waiting: not in the room, token expired, or nothing left to sell.
  if (view.status === 'not_joined' || view.status === 'expired' || view.soldOut) return POLL_MAX_S;
  if (view.phase === 'drawing') return POLL_MIN_S;
  if (view.phase === 'paused') return POLL_UNKNOWN_S;
  // In the pre-queue the next change is the draw at the sale's start.
  if (view.status === 'entered') {
    const toDraw = Math.max(0, (saleStartsAt.getTime() - now) / 1000);
    if (toDraw > POLL_MAX_S) return clampPoll(toDraw / 4);
    return Math.ceil(toDraw + 1 + spreadOf(view.entryId ?? '') * drawReturnWindowSeconds(prequeue));
  }
  return view.eta === null ? POLL_UNKNOWN_S : clampPoll(view.eta / 4);
}

/** Where in [0, 1) this entry's moment falls: FNV-1a of its id, the same on every node and every poll. */
function spreadOf(entryId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < entryId.length; i++) hash = Math.imul(hash ^ entryId.charCodeAt(i), 0x01000193);
  return (hash >>> 0) / 2 ** 32;
}

/**
 * The text a join receipt's signature covers: the canonical JSON (src/shared/canonical-json.ts)
 * of its fields with `kind` and `v`, written directly. Every value is a string, a number or
 * null, so keys listed in sorted order give the same text as canonicalJson without its
 * per-object sorting (a few µs of every join). test/unit/join-receipt.test.ts holds them equal.
 */
export function joinedReceiptText(f: {
  eventId: string;
  userId: string;
  entryId: string;
  joinedAt: number;
  phase: string;
  ticketNumber: number | null;
  position: number | null;
  eta: number | null;
}): string {
  return JSON.stringify({
    entryId: f.entryId,
    eta: f.eta,
    eventId: f.eventId,
    joinedAt: f.joinedAt,
    kind: 'queue.joined',
    phase: f.phase,
    position: f.position,
    ticketNumber: f.ticketNumber,
    userId: f.userId,
    v: 1,
  });
}

/** The view of a fan in the pre-queue, field for field (and in the order) readSnapshot builds it: its ETag is the same. */
function enteredView(eventId: string, s: { entryId: string; cursor: number; soldOut: boolean }): QueueSnapshot {
  return {
    eventId,
    phase: 'prequeue',
    cursor: s.cursor,
    soldOut: s.soldOut,
    joined: true,
    entryId: s.entryId,
    ticketNumber: null,
    position: null,
    eta: null,
    status: 'entered',
    token: null,
    tokenExpiresAt: null,
  };
}

/** The waiting room's use cases for HTTP and sockets: join, where am I, public figures, lottery proof, pause/resume/close. */
export class WaitingRoomService implements RoomReader {
  private readonly sales = new SharedCopies<RoomSale>(SALE_CACHE_MS);
  private readonly rates = new SharedCopies<number>(RATE_CACHE_MS);
  private readonly statsCopies = new SharedCopies<z.input<typeof queueStats>>(PUBLIC_SNAPSHOT_MS);
  private readonly lotteryCopies = new SharedCopies<z.input<typeof lottery>>(PUBLIC_SNAPSHOT_MS);
  /** The room's own figures (Redis only), for the phase, the pre-queue's size and the views kept. */
  private readonly roomCopies = new SharedCopies<QueueStats | null>(PUBLIC_SNAPSHOT_MS);
  /** Views of fans in the pre-queue, by `<eventId>:<userId>`, with the opening of the room they are of (see snapshot). */
  private readonly enteredViews = new Map<string, { view: QueueSnapshot; openedAt: number }>();
  private readonly challengeSecret: Buffer;
  /** Joins refused by the proof of work or a rate limit, counted per event for the post-drop report. */
  private readonly refusals: RefusalCounter;

  constructor(private readonly deps: WaitingRoomDeps) {
    this.challengeSecret = deps.signer.derive(CHALLENGE_SECRET);
    this.refusals = new RefusalCounter(deps.db, deps.logger);
  }

  get room(): WaitingRoom {
    return this.deps.room;
  }

  /**
   * The event's on-sale, a copy shared for SALE_CACHE_MS and while it loads (in a drop every
   * request of the second would otherwise send the same query: a 100,000-fan sale had 5–11 of
   * a node's 10 connections running it); 404 for an unknown or draft event, or one without
   * on-sale. `fresh` (after a change) reads anew.
   */
  sale(eventId: string, fresh = false): Promise<RoomSale> {
    return this.sales.get(eventId, () => this.readSale(eventId), fresh);
  }

  private async readSale(eventId: string): Promise<RoomSale> {
    const sale = (await findQueueSale(this.deps.db, eventId)) ?? (await this.deps.presales?.find(eventId));
    if (!sale) {
      if (!(await catalog.findEvent(this.deps.db, eventId))) throw catalogErrors.eventNotFound();
      throw waitingRoomErrors.noOnsale();
    }
    return sale;
  }

  forget(eventId: string): void {
    this.sales.forget(eventId);
    this.statsCopies.forget(eventId);
    this.lotteryCopies.forget(eventId);
    this.roomCopies.forget(eventId);
  }

  /** After a PUT of the on-sale: drop the cached copy, and open the room if its time has come. */
  async onsaleChanged(eventId: string): Promise<void> {
    this.forget(eventId);
    await this.openIfDue(await this.sale(eventId, true));
  }

  /**
   * Opens the event's room once its pre-queue time has come (the scheduler, a PUT of the on-sale
   * and a join all call this; the engine keeps the first seed). Watchers hear about it once.
   */
  async openIfDue(sale: RoomSale, now = Date.now()): Promise<boolean> {
    if (
      sale.mode !== 'queue' ||
      sale.state === 'closed' ||
      !sale.prequeueOpensAt ||
      sale.prequeueOpensAt.getTime() > now
    )
      return false;
    const opened = await this.deps.room.open(sale.eventId, { tokenTtlMs: sale.purchaseTokenTtlSeconds * 1000 });
    if (opened.created && !sale.presale) {
      this.deps.logger.info({ eventId: sale.eventId, commitment: opened.commitment }, 'waiting room opened');
      // Telling watchers can take a while for a popular event; the room is open regardless.
      void announcePrequeueOpened(this.deps.db, sale.eventId, sale.saleStartsAt).catch((err: unknown) =>
        this.deps.logger.warn({ err, eventId: sale.eventId }, 'pre-queue opening not announced'),
      );
    }
    return true;
  }

  challenge(user: Principal, eventId: string): Promise<Challenge> {
    return this.sale(eventId).then((sale) => {
      if (sale.mode !== 'queue') throw waitingRoomErrors.notQueueMode();
      // A challenge is the first step of a join: an account that may not join is told now, before it solves anything.
      if (sale.requireVerifiedEmail && !user.emailVerified) throw waitingRoomErrors.emailUnverified();
      return issueChallenge(this.challengeSecret, {
        eventId,
        userId: user.userId,
        difficulty: sale.powDifficulty,
        ttlMs: CHALLENGE_TTL_MS,
      });
    });
  }

  /** One entry per account; a signed receipt either way (`created` says whether this call made the entry). */
  async join(
    user: Principal,
    eventId: string,
    body: JoinBody,
    limits: JoinLimits,
    now = Date.now(),
  ): Promise<{ created: boolean; receipt: JoinReceipt }> {
    const sale = await this.sale(eventId);
    if (sale.mode !== 'queue') throw waitingRoomErrors.notQueueMode();
    if (sale.state === 'closed') throw waitingRoomErrors.closed('the organizer closed it');
    // The scheduler stops looking after a room whose event left the sale: nobody may join it either.
    if (sale.eventStatus === 'cancelled' || sale.eventStatus === 'completed' || sale.eventStatus === 'postponed')
      throw waitingRoomErrors.closed(`the event is ${sale.eventStatus}`);
    if (sale.saleEndsAt && sale.saleEndsAt.getTime() <= now) throw waitingRoomErrors.closed('the sale has ended');
    // From the cached on-sale and the session's principal: no query of its own on the hot path.
    if (sale.requireVerifiedEmail && !user.emailVerified) throw waitingRoomErrors.emailUnverified();
    if (!sale.prequeueOpensAt || sale.prequeueOpensAt.getTime() > now)
      throw waitingRoomErrors.notOpen(sale.prequeueOpensAt);
    // A presale window's room is only for the accounts its gate lets through.
    if (sale.presale) await this.deps.presales!.assertMayJoin(eventId, user.userId);
    if (sale.powDifficulty > 0) {
      // Before the entry exists: an unsolved join costs the server one HMAC and one SHA-256.
      if (!body?.challenge || !body.nonce) {
        this.refusals.count(eventId, 'pow_required', now);
        throw waitingRoomErrors.powRequired(sale.powDifficulty);
      }
      const refused = checkProof(
        this.challengeSecret,
        { challenge: body.challenge, nonce: body.nonce },
        { eventId, userId: user.userId, difficulty: sale.powDifficulty },
        now,
      );
      if (refused) {
        this.refusals.count(eventId, 'pow_invalid', now);
        throw waitingRoomErrors.powInvalid(refused);
      }
    }
    let joined;
    try {
      try {
        joined = await this.deps.room.join(eventId, user.userId, limits);
      } catch (err) {
        // The time has come but no scheduler tick has opened the room yet: open it here (a room
        // that was not open counted nothing against the limits).
        if (!isCode(err, 'queue.not_open') || !(await this.openIfDue(sale, now))) throw err;
        joined = await this.deps.room.join(eventId, user.userId, limits);
      }
    } catch (err) {
      if (isCode(err, 'rate_limited')) this.refusals.count(eventId, 'rate_limited', now);
      throw err;
    }
    // A pre-queue entry has no number before the draw, so no ETA either: skip the rate read.
    const eta = joined.position === null ? null : etaSeconds(joined.position, await this.rate(eventId, now));
    const fields = {
      eventId,
      userId: user.userId,
      entryId: joined.entryId,
      joinedAt: joined.joinedAt,
      phase: joined.phase,
      ticketNumber: joined.ticketNumber,
      position: joined.position,
      eta,
    };
    const signature = this.deps.signer.signText(joinedReceiptText(fields));
    if (joined.created) businessMetrics.queueJoins.inc();
    if (joined.phase === 'prequeue' && joined.ticketNumber === null) this.keepJoined(eventId, user.userId, joined);
    return { created: joined.created, receipt: { ...fields, signature, keyId: this.deps.signer.keyId } };
  }

  /**
   * A fan who just joined the pre-queue polls next: their view is known from the join (entered,
   * no number yet), so it is kept as a first poll's read would keep it, and that poll costs no
   * Redis round trip. Kept only while this node's copy of the room agrees (see snapshot).
   */
  private keepJoined(eventId: string, userId: string, joined: { entryId: string; cursor: number }): void {
    // Behind the answer, not before it: the room's copy is nearly always there already.
    this.roomNow(eventId).then(
      (room) => {
        if (room?.phase !== 'prequeue' || room.soldOut) return;
        const view = enteredView(eventId, { entryId: joined.entryId, cursor: joined.cursor, soldOut: false });
        this.keepEntered(`${eventId}:${userId}`, Object.freeze(view), room.openedAt);
      },
      // Not kept: the first poll reads the entry from Redis, as it would have.
      () => undefined,
    );
  }

  /**
   * Where this fan stands: the socket snapshot and the HTTP fallback answer the same.
   *
   * A fan in the pre-queue is answered from this node's memory once it has read their entry:
   * until the draw nothing about them changes but the room's phase (the cursor stays 0, there
   * is no number, position, ETA or token yet, and an entry cannot be withdrawn), and the room's
   * facts are one copy per event read every PUBLIC_SNAPSHOT_MS. So the crowd's polls before
   * the draw, most of a drop's requests, cost no Redis round trip; a fan hears of the draw, a
   * pause, a close or a sell-out at most that much later than a fresh read would tell them
   * (sockets are pushed at once).
   */
  async snapshot(userId: string, eventId: string, now = Date.now()): Promise<QueueSnapshot> {
    const sale = await this.sale(eventId);
    if (sale.mode !== 'queue') throw waitingRoomErrors.notQueueMode();
    const key = `${eventId}:${userId}`;
    const held = this.enteredViews.get(key);
    if (held) {
      const room = await this.roomNow(eventId);
      if (room?.phase === 'prequeue' && !room.soldOut && room.openedAt === held.openedAt) return held.view;
      this.enteredViews.delete(key);
    }
    const view = await this.readSnapshot(sale, userId, eventId, now);
    if (view.status === 'entered' && view.phase === 'prequeue' && !view.soldOut) {
      const room = await this.roomNow(eventId);
      if (room?.phase === 'prequeue') this.keepEntered(key, Object.freeze(view), room.openedAt);
    }
    return view;
  }

  private keepEntered(key: string, view: QueueSnapshot, openedAt: number): void {
    if (this.enteredViews.size >= ENTERED_VIEWS_MAX) {
      // The oldest view kept makes room (a Map iterates in insertion order).
      const oldest = this.enteredViews.keys().next();
      if (!oldest.done) this.enteredViews.delete(oldest.value);
    }
    this.enteredViews.set(key, { view, openedAt });
  }

  private async readSnapshot(sale: RoomSale, userId: string, eventId: string, now: number): Promise<QueueSnapshot> {
    let state;
    try {
      state = await this.deps.room.fanState(eventId, userId);
    } catch (err) {
      if (!isCode(err, 'queue.not_open')) throw err;
      throw waitingRoomErrors.notOpen(sale.prequeueOpensAt);
    }
    const base = {
      eventId,
      phase: state.phase as QueueSnapshot['phase'],
      cursor: state.cursor,
      soldOut: state.soldOut,
    };
    if (!state.joined) {
      return {
        ...base,
        joined: false,
        entryId: null,
        ticketNumber: null,
        position: null,
        eta: null,
        status: 'not_joined',
        token: null,
        tokenExpiresAt: null,
      };
    }
    const waiting = state.status === 'waiting';
    const eta = waiting
      ? etaSeconds(state.position, await this.rate(eventId, now))
      : state.status === 'entered'
        ? null
        : 0;
    const token = state.status === 'admitted' || state.status === 'purchasing' ? state.token : null;
    const tokenExpiresAt = 'tokenExpiresAt' in state ? state.tokenExpiresAt : null;
    return {
      ...base,
      joined: true,
      entryId: state.entryId,
      ticketNumber: state.ticketNumber,
      position: state.position,
      eta,
      status: state.status,
      token,
      tokenExpiresAt,
    };
  }

  /** The HTTP fallback's answer: the snapshot, and when to ask again (see pollAfterSeconds). */
  async fanView(
    userId: string,
    eventId: string,
    now = Date.now(),
  ): Promise<{ view: QueueSnapshot; pollAfter: number }> {
    const view = await this.snapshot(userId, eventId, now);
    const sale = await this.sale(eventId);
    // The pre-queue's size spreads its return after the draw; one shared copy per event (PUBLIC_SNAPSHOT_MS).
    const prequeue = view.status === 'entered' ? await this.prequeueSize(eventId) : 0;
    return { view, pollAfter: pollAfterSeconds(view, sale.saleStartsAt, now, prequeue) };
  }

  private async prequeueSize(eventId: string): Promise<number> {
    return (await this.roomNow(eventId))?.prequeue ?? 0;
  }

  /** The event's measured admission rate (per minute), shared for RATE_CACHE_MS. */
  private rate(eventId: string, now: number): Promise<number> {
    return this.rates.get(eventId, () => measuredRate(this.deps.redis, this.k(eventId), now));
  }

  /** The room's public figures, a copy per event shared for PUBLIC_SNAPSHOT_MS. */
  stats(eventId: string, now = Date.now()): Promise<z.input<typeof queueStats>> {
    return this.statsCopies.get(eventId, () => this.readStats(eventId, now));
  }

  private async readStats(eventId: string, now: number): Promise<z.input<typeof queueStats>> {
    const sale = await this.sale(eventId);
    if (sale.mode !== 'queue') throw waitingRoomErrors.notQueueMode();
    const stats = await this.roomStats(sale);
    const [rate, figures] = await Promise.all([this.rate(eventId, now), salesFigures(this.deps.db, stockOf(sale))]);
    return {
      eventId,
      phase: stats.phase,
      soldOut: stats.soldOut,
      entrants: stats.entrants,
      prequeue: stats.prequeue,
      drawSize: stats.drawSize,
      admitted: stats.admitted,
      cursor: stats.cursor,
      waiting: stats.waiting,
      ratePerMinute: Math.round(rate * 10) / 10,
      outstandingTokens: stats.outstandingTokens,
      ...figures,
    };
  }

  /**
   * What an event's sale phase needs of its room (src/sales/phase.ts), a copy per event shared
   * for PUBLIC_SNAPSHOT_MS: every event page of a drop asks. Null when the room was never opened.
   */
  async roomFacts(eventId: string): Promise<RoomFacts | null> {
    const stats = await this.roomNow(eventId);
    return stats && { phase: stats.phase, soldOut: stats.soldOut, drawnAt: stats.drawnAt, drawSize: stats.drawSize };
  }

  /** The room's figures, one copy per event shared for PUBLIC_SNAPSHOT_MS; null when it was never opened. */
  private roomNow(eventId: string): Promise<QueueStats | null> {
    return this.roomCopies.get(eventId, async () => {
      try {
        return await this.deps.room.stats(eventId);
      } catch (err) {
        if (isCode(err, 'queue.not_open')) return null;
        throw err;
      }
    });
  }

  /** The lottery's public record: the commitment from the opening; the seed and digests once drawn. */
  lottery(eventId: string): Promise<z.input<typeof lottery>> {
    return this.lotteryCopies.get(eventId, () => this.readLottery(eventId));
  }

  private async readLottery(eventId: string): Promise<z.input<typeof lottery>> {
    const sale = await this.sale(eventId);
    if (sale.mode !== 'queue') throw waitingRoomErrors.notQueueMode();
    const stats = await this.roomStats(sale);
    const drawn = stats.drawnAt !== null;
    const reveal = drawn ? await this.deps.room.reveal(eventId) : null;
    return {
      eventId,
      rule: 'fairdrop-lottery-v2',
      phase: stats.phase,
      commitment: stats.commitment,
      openedAt: stats.openedAt,
      prequeueSize: stats.prequeue,
      drawSize: drawn || stats.phase === 'drawing' ? stats.drawSize : null,
      drawnAt: stats.drawnAt,
      seed: reveal?.seed ?? null,
      entriesDigest: reveal?.entriesDigest ?? null,
      orderDigest: reveal?.orderDigest ?? null,
      entriesPath: `/v1/events/${eventId}/lottery/entries`,
    };
  }

  /** The pre-queue in join order, a page at a time, with each entry's join time and (once drawn) ticket. */
  async lotteryEntries(eventId: string, from: number, limit: number): Promise<z.input<typeof entriesPage>> {
    const sale = await this.sale(eventId);
    if (sale.mode !== 'queue') throw waitingRoomErrors.notQueueMode();
    const stats = await this.roomStats(sale);
    // Once the draw has started the input is frozen at drawSize; before, the list still grows.
    const total = stats.phase === 'prequeue' ? stats.prequeue : stats.drawSize;
    const ids = from < total ? await this.deps.room.prequeueEntries(eventId, from, Math.min(limit, total - from)) : [];
    const k = this.k(eventId);
    const [raw, tickets] = await Promise.all([
      ids.length > 0 ? this.deps.redis.hmget(k.entries, ...ids) : Promise.resolve([] as (string | null)[]),
      this.deps.room.ticketsOf(eventId, ids),
    ]);
    const entries = ids.map((entryId, i) => ({
      entryId,
      joinedAt: Number((raw[i] ?? '0').split(':')[0]),
      ticketNumber: tickets[i] ?? null,
    }));
    const next = from + ids.length;
    return { eventId, from, total, entries, next: next < total ? next : null };
  }

  /** Organizer controls. Postgres records the decision (and its audit row) first; Redis and the fans follow. */
  async changeState(
    principal: Principal,
    eventId: string,
    action: 'pause' | 'resume' | 'close',
  ): Promise<z.input<typeof lifecycleResult>> {
    const event = await catalog.findEvent(this.deps.db, eventId);
    if (!event) throw catalogErrors.eventNotFound();
    assertEventOrganizer(principal, event);
    const sale = await this.sale(eventId, true);
    if (sale.mode !== 'queue') throw waitingRoomErrors.notQueueMode();
    const to: OnsaleState = action === 'pause' ? 'paused' : action === 'resume' ? 'scheduled' : 'closed';
    if (action === 'pause' && sale.state !== 'scheduled')
      throw waitingRoomErrors.wrongState(sale.state, 'only a running on-sale can be paused');
    if (action === 'resume' && sale.state !== 'paused')
      throw waitingRoomErrors.wrongState(sale.state, 'only a paused on-sale can be resumed');
    const audited = { pause: 'paused', resume: 'resumed', close: 'closed' }[action];
    await this.deps.db.transaction((tx) =>
      changeOnsaleState(tx, eventId, to, { action: audited, actorId: principal.userId }),
    );
    this.forget(eventId);
    const status = await this.applyState(eventId, to);
    return { eventId, state: to, phase: status?.phase ?? null, soldOut: status?.soldOut ?? false };
  }

  /**
   * Makes Redis follow the on-sale's state and tells the room. The scheduler calls it too, so
   * a change whose Redis half failed is applied on the next tick.
   */
  async applyState(eventId: string, state: OnsaleState): Promise<{ phase: Phase; soldOut: boolean } | null> {
    const room = this.deps.room;
    try {
      const stats = await room.stats(eventId);
      let change = null;
      if (state === 'closed' && stats.phase !== 'closed')
        change = { event: 'closed' as const, result: await room.close(eventId) };
      else if (state === 'paused' && stats.phase === 'live')
        change = { event: 'paused' as const, result: await room.pause(eventId) };
      else if (state === 'scheduled' && stats.phase === 'paused')
        change = { event: 'resumed' as const, result: await room.resume(eventId) };
      if (change?.result.changed) {
        this.deps.sockets
          .to(eventRoom(eventId))
          .emit(change.event, { eventId, phase: change.result.phase, soldOut: change.result.soldOut, at: Date.now() });
      }
      return change
        ? { phase: change.result.phase, soldOut: change.result.soldOut }
        : { phase: stats.phase, soldOut: stats.soldOut };
    } catch (err) {
      // A room that never opened has nothing to pause or close; the on-sale state stops it opening.
      if (isCode(err, 'queue.not_open')) return null;
      throw err;
    }
  }

  private async roomStats(sale: RoomSale): Promise<QueueStats> {
    try {
      return await this.deps.room.stats(sale.eventId);
    } catch (err) {
      if (!isCode(err, 'queue.not_open')) throw err;
      if (await this.openIfDue(sale)) return this.deps.room.stats(sale.eventId);
      throw waitingRoomErrors.notOpen(sale.prequeueOpensAt);
    }
  }

  private k(eventId: string) {
    return this.deps.keys.queue(eventId);
  }
}
