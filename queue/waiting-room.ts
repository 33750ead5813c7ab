import { randomFillSync } from 'node:crypto';
import { runDraw, type DrawOptions, type DrawReport } from './draw.js';
import { asQueueError, ENTRY_ID_TAKEN, queueError, unwrap, type Refuse } from './errors.js';
import type { Keys, QueueKeys } from './keys.js';
import { commitmentOf, newSeed } from './lottery.js';
import type { RedisConnection, Refusal, ScriptCommands } from './scripts.js';
import { hashToken, looksLikeToken, mintTokens, tokenFromNonce } from './tokens.js';
import type {
  Admission,
  AdmitResult,
  FanState,
  Joined,
  Opened,
  Phase,
  QueueStats,
  Reveal,
  StatusChange,
  TokenClaim,
} from './types.js';

export type QueueRedis = RedisConnection & ScriptCommands;

/** Joins allowed per window from one address and by one account. */
export interface JoinLimits {
  address: string;
  perAddress: number;
  perAccount: number;
  windowMs: number;
}

export interface WaitingRoomOptions {
  /** 32+ random bytes from config; purchase tokens are derived with it (see tokens.ts). */
  tokenSecret: Buffer;
  /**
   * How long a claimed token keeps counting as outstanding while its hold commits (see
   * claimToken-6.lua). Default 15 s, the API's request timeout: no hold takes longer.
   */
  claimWindowMs?: number;
  /**
   * How a refusal is thrown. By default as the engine's QueueError (a code and a detail, no
   * HTTP status); the API passes one that makes its own problem from it (src/waitingroom/refusals.ts).
   */
  refuse?: Refuse;
}

/** Admitting more than this in one call would make the script long; callers loop instead. */
export const MAX_ADMIT_PER_CALL = 2_000;
/** Recent claims a room keeps (claimToken-6), for the scheduler's measure of how long admitted fans take to come. */
const CLAIM_SAMPLES = 200;
const admitStatus = { 1: 'admitting', 2: 'paused', 3: 'soldout', 4: 'closed', 5: 'not_live' } as const;

/**
 * Proposed entry ids, 128 random bits each, cut from a buffer filled 256 ids at a time: one
 * call into the system's random source per 256 joins instead of one per join (the way Node's
 * randomUUID keeps its own cache). The bits are as random; only the calls are fewer.
 */
class EntryIds {
  private readonly pool = Buffer.alloc(16 * 256);
  private at = this.pool.length;

  next(): string {
    if (this.at === this.pool.length) {
      randomFillSync(this.pool);
      this.at = 0;
    }
    const id = this.pool.toString('base64url', this.at, this.at + 16);
    this.at += 16;
    return id;
  }
}
const entryIds = new EntryIds();

/**
 * The waiting room of every event, over one Redis connection. Each method is one atomic
 * script (the draw is a resumable series of them), so any number of API nodes and
 * schedulers can share it.
 */
export class WaitingRoom {
  constructor(
    private readonly redis: QueueRedis,
    private readonly keys: Keys,
    private readonly options: WaitingRoomOptions,
  ) {
    if (options.tokenSecret.length < 32) throw new Error('the purchase-token secret needs at least 32 bytes');
    this.refuse = options.refuse ?? asQueueError;
    this.claimWindowMs = options.claimWindowMs ?? 15_000;
  }

  private readonly refuse: Refuse;
  private readonly claimWindowMs: number;

  /** A script's reply, or its refusal thrown the way this room was told to. */
  private unwrap<T>(reply: Parameters<typeof unwrap<T>>[0], context?: Record<string, unknown>): T {
    return unwrap(reply, context, this.refuse);
  }

  /** Opens the pre-queue and publishes the lottery commitment; opening again returns the same commitment. */
  async open(eventId: string, settings: { tokenTtlMs: number }): Promise<Opened> {
    const seed = newSeed();
    const [created, commitment, phase] = await this.redis.openQueue(
      this.k(eventId).meta,
      seed,
      commitmentOf(seed),
      settings.tokenTtlMs,
    );
    return { created: created === 1, commitment, phase: phase as Phase };
  }

  /**
   * One entry per account: joining again answers the entry made the first time. With `limits`,
   * the same script first counts the join against the caller's address and account (429
   * `rate_limited` when either is over), so a join stays one round trip to Redis.
   */
  async join(eventId: string, accountId: string, limits?: JoinLimits): Promise<Joined> {
    const k = this.k(eventId);
    const counters = [
      this.keys.joinCounter(eventId, `address:${limits?.address ?? '-'}`),
      this.keys.joinCounter(eventId, `account:${accountId}`),
    ];
    const limitArgs = limits ? [limits.perAddress, limits.perAccount, limits.windowMs] : [0, 0, 0];
    for (let attempt = 0; ; attempt++) {
      // 128 random bits: ids never collide in practice, and the script refuses one that does.
      const proposed = entryIds.next();
      const reply = await this.redis.joinQueue(
        k.meta,
        k.accounts,
        k.entries,
        k.prequeue,
        k.late,
        k.ticketOf,
        ...counters,
        accountId,
        proposed,
        ...limitArgs,
      );
      if (reply === ENTRY_ID_TAKEN && attempt < 3) continue;
      const [created, entryId, joinedAt, ticket, phase, cursor] = this.unwrap(reply, { eventId });
      return {
        entryId,
        joinedAt,
        created: created === 1,
        phase: phase as Phase,
        cursor,
        ticketNumber: ticket > 0 ? ticket : null,
        position: ticket > 0 ? Math.max(0, ticket - cursor) : null,
      };
    }
  }

  /** Draws the lottery (or resumes a draw that stopped half way) and opens the sale. */
  draw(eventId: string, options?: DrawOptions): Promise<DrawReport> {
    return runDraw(this.redis, this.k(eventId), { ...options, refuse: this.refuse });
  }

  /** The seed and what it must reproduce; refused before the draw is finished. */
  async reveal(eventId: string): Promise<Reveal> {
    const [seed, commitment, drawSize, orderDigest, drawnAt, entriesDigest] = this.unwrap(
      await this.redis.revealSeed(this.k(eventId).meta),
      { eventId },
    );
    return { seed, commitment, drawSize, orderDigest, drawnAt, entriesDigest };
  }

  /** Entry ids of tickets from..from+count-1 of the draw, for publishing the order page by page. */
  async drawnEntries(eventId: string, fromTicket: number, count: number): Promise<string[]> {
    return this.redis.lrange(this.k(eventId).drawn, fromTicket - 1, fromTicket + count - 2);
  }

  /** Pre-queue entry ids in join order, from index `from` (0-based): the lottery's input, page by page. */
  async prequeueEntries(eventId: string, from: number, count: number): Promise<string[]> {
    return this.redis.lrange(this.k(eventId).prequeue, from, from + count - 1);
  }

  /** Ticket numbers of some entries (null for an entry without one), in the order asked. */
  async ticketsOf(eventId: string, entryIds: readonly string[]): Promise<(number | null)[]> {
    if (entryIds.length === 0) return [];
    const raw = await this.redis.hmget(this.k(eventId).ticketOf, ...entryIds);
    return raw.map((t) => (t === null ? null : Number(t)));
  }

  /** Entry ids that joined after the draw started (tickets drawSize+1+from, …), in arrival order. */
  async lateEntries(eventId: string, from: number, count: number): Promise<string[]> {
    return this.redis.lrange(this.k(eventId).late, from, from + count - 1);
  }

  /**
   * Admits up to `count` next ticket numbers and mints their purchase tokens. With
   * `maxOutstanding`, tokens out and unclaimed never exceed it (the scheduler passes what the
   * unsold seats can cover), checked in the same atomic step as the admission. With
   * `reserveMs`, a token counts against that cap only for its first `reserveMs` (or while its
   * claim window runs): after that it stays valid, but a fan who never comes back no longer
   * holds the line for the token's whole TTL. `settledSeen` is the room's `settledTokens` as read
   * before the caller counted the unsold seats behind `maxOutstanding`: tokens settled after that
   * read keep counting, since the count may not include their holds (settleToken-5.lua).
   */
  async admit(
    eventId: string,
    count: number,
    limits: { maxOutstanding?: number; tokenTtlMs?: number; reserveMs?: number; settledSeen?: number } = {},
  ): Promise<AdmitResult> {
    const k = this.k(eventId);
    const n = Math.max(0, Math.min(Math.floor(count), MAX_ADMIT_PER_CALL));
    const minted = mintTokens(this.options.tokenSecret, eventId, n);
    const reply = await this.redis.admitNext(
      k.meta,
      k.drawn,
      k.late,
      k.entries,
      k.tokens,
      k.grants,
      k.outstanding,
      n,
      limits.maxOutstanding ?? -1,
      limits.tokenTtlMs ?? 0,
      limits.reserveMs ?? 0,
      this.claimWindowMs,
      limits.settledSeen ?? -1,
      ...minted.flatMap((m) => [m.nonce, m.hash]),
    );
    const [status, cursor, expiresAt, ...pairs] = this.unwrap(reply, { eventId });
    const first = cursor - pairs.length / 2 + 1;
    const admitted: Admission[] = [];
    for (let i = 0; i < pairs.length; i += 2) {
      admitted.push({
        entryId: pairs[i] as string,
        accountId: pairs[i + 1] as string,
        ticketNumber: first + i / 2,
        token: (minted[i / 2] as { token: string }).token,
        expiresAt,
      });
    }
    return { status: admitStatus[status as keyof typeof admitStatus], cursor, admitted };
  }

  /** Takes a token for a seat hold: single use, the owner's only, before expiry. */
  async claim(eventId: string, token: string, accountId: string): Promise<TokenClaim> {
    return this.tokenCall(eventId, token, (k, hash) =>
      this.redis.claimToken(
        k.meta,
        k.tokens,
        k.grants,
        k.outstanding,
        k.entries,
        k.claims,
        hash,
        accountId,
        String(this.claimWindowMs),
        String(CLAIM_SAMPLES),
      ),
    );
  }

  /**
   * How long the room's recent claims came after their tokens were issued, in ms, newest first
   * (at most the last 200). `tokenTtlMs` is the room's token lifetime: a claim records what its
   * token had left, as the outstanding set scores by expiry, so the age is the TTL minus that.
   */
  async claimAges(eventId: string, tokenTtlMs: number): Promise<number[]> {
    const left = await this.redis.lrange(this.k(eventId).claims, 0, CLAIM_SAMPLES - 1);
    return left.map((ms) => Math.max(0, tokenTtlMs - Number(ms)));
  }

  /**
   * Gives a claimed token back when the hold failed for a reason the fan can fix. `keepShare:
   * false` when the hold found nothing left: the token stays usable but stops reserving seats
   * (releaseToken-5.lua), so seats that come back are not kept for a fan who was told sold out.
   */
  async release(
    eventId: string,
    token: string,
    accountId: string,
    { keepShare = true }: { keepShare?: boolean } = {},
  ): Promise<TokenClaim> {
    return this.tokenCall(eventId, token, (k, hash) =>
      this.redis.releaseToken(
        k.meta,
        k.tokens,
        k.grants,
        k.outstanding,
        k.entries,
        hash,
        accountId,
        keepShare ? '1' : '0',
      ),
    );
  }

  /**
   * The purchase gate the hold service expects (src/sales/purchase-gate.ts): argument order
   * (token, account, event), resolving to nothing. Errors are this module's queue.* errors.
   */
  /**
   * The hold of a claimed token has committed: the token stops reserving its share of the seats
   * now (Postgres counts them) rather than at the end of its claim window. Answers whether the
   * window was still open.
   */
  async settle(eventId: string, token: string, accountId: string): Promise<boolean> {
    if (!looksLikeToken(token)) throw this.refuse(queueError(-5, { eventId }));
    const k = this.k(eventId);
    const [settled] = this.unwrap(
      await this.redis.settleToken(k.meta, k.tokens, k.grants, k.outstanding, k.entries, hashToken(token), accountId),
      { eventId },
    );
    return settled === 1;
  }

  purchaseGate(): {
    claim(token: string, userId: string, eventId: string): Promise<void>;
    release(token: string, userId: string, eventId: string, options: { keepShare: boolean }): Promise<void>;
    settle(token: string, userId: string, eventId: string): Promise<void>;
  } {
    return {
      claim: async (token, userId, eventId) => void (await this.claim(eventId, token, userId)),
      release: async (token, userId, eventId, options) => void (await this.release(eventId, token, userId, options)),
      settle: async (token, userId, eventId) => void (await this.settle(eventId, token, userId)),
    };
  }

  pause(eventId: string): Promise<StatusChange> {
    return this.setStatus(eventId, 'pause');
  }
  resume(eventId: string): Promise<StatusChange> {
    return this.setStatus(eventId, 'resume');
  }
  close(eventId: string): Promise<StatusChange> {
    return this.setStatus(eventId, 'close');
  }
  /** Sold out stops admission; seats coming back (expired holds) clear it. */
  setSoldOut(eventId: string, soldOut: boolean): Promise<StatusChange> {
    return this.setStatus(eventId, soldOut ? 'soldout' : 'available');
  }

  async stats(eventId: string): Promise<QueueStats> {
    const k = this.k(eventId);
    const r = this.unwrap(await this.redis.readStats(k.meta, k.accounts, k.prequeue, k.drawn, k.late, k.outstanding), {
      eventId,
    });
    const [
      phase,
      soldout,
      entrants,
      prequeue,
      drawSize,
      drawWritten,
      late,
      cursor,
      outstanding,
      expiredTokens,
      claimedTokens,
      commitment,
      openedAt,
      drawnAt,
      revealedAt,
      settledTokens,
    ] = r;
    return {
      phase: phase as Phase,
      soldOut: soldout === '1',
      entrants,
      prequeue,
      drawSize,
      drawWritten,
      late,
      cursor,
      admitted: cursor,
      waiting: Math.max(0, drawSize + late - cursor) + (phase === 'prequeue' ? prequeue : 0),
      outstandingTokens: outstanding,
      expiredTokens,
      claimedTokens,
      commitment,
      openedAt,
      drawnAt: drawnAt || null,
      revealedAt: revealedAt || null,
      settledTokens,
    };
  }

  /** What one fan sees: their phase, ticket number, position and, once admitted, their token. */
  async fanState(eventId: string, accountId: string): Promise<FanState> {
    const k = this.k(eventId);
    const reply = await this.redis.readFan(k.meta, k.accounts, k.entries, k.ticketOf, k.grants, accountId);
    const [phase, soldout, cursor, , now, entryId, joinedAt, ticket, grantState, expiresAt, nonce] = this.unwrap(
      reply,
      {
        eventId,
      },
    );
    const base = { phase: phase as Phase, soldOut: soldout === '1', cursor };
    if (entryId === null || joinedAt === null) return { ...base, joined: false };
    const ticketNumber = ticket > 0 ? ticket : null;
    const entry = {
      ...base,
      joined: true as const,
      entryId,
      joinedAt,
      ticketNumber,
      position: ticketNumber === null ? null : Math.max(0, ticketNumber - cursor),
    };
    if (grantState === null || nonce === null)
      return { ...entry, status: ticketNumber === null ? 'entered' : 'waiting' };
    const expired = grantState === 'expired' || (grantState === 'issued' && now >= expiresAt);
    if (expired) return { ...entry, status: 'expired', tokenExpiresAt: expiresAt };
    return {
      ...entry,
      status: grantState === 'claimed' ? 'purchasing' : 'admitted',
      token: tokenFromNonce(this.options.tokenSecret, eventId, nonce),
      tokenExpiresAt: expiresAt,
    };
  }

  /** Deletes every key of an event's room (after the event, or a benchmark's data). */
  async destroy(eventId: string): Promise<void> {
    // UNLINK frees big lists and hashes in a background thread instead of blocking Redis.
    await this.redis.unlink(...Object.values(this.k(eventId)));
  }

  private async setStatus(eventId: string, action: string): Promise<StatusChange> {
    const [changed, phase, soldout] = this.unwrap(await this.redis.changeStatus(this.k(eventId).meta, action), {
      eventId,
    });
    return { changed: changed === 1, phase: phase as Phase, soldOut: soldout === '1' };
  }

  /** A claim or a release: the token's shape checked before Redis is asked, its refusal thrown as this room throws. */
  private async tokenCall(
    eventId: string,
    token: string,
    call: (k: QueueKeys, tokenHash: string) => Promise<Refusal | [number, string, number]>,
  ): Promise<TokenClaim> {
    if (!looksLikeToken(token)) throw this.refuse(queueError(-5, { eventId }));
    const [, entryId, expiresAt] = this.unwrap(await call(this.k(eventId), hashToken(token)), { eventId });
    return { entryId, expiresAt };
  }

  private k(eventId: string): QueueKeys {
    return this.keys.queue(eventId);
  }
}
