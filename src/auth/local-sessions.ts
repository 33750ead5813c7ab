import type { Principal } from './principal.js';

interface Entry {
  principal: Principal;
  expiresAt: Date;
  /** When this copy stops being used (Date.now() ms): the session's end or the copy's lifetime, whichever comes first. */
  until: number;
}

/**
 * What a subscriber reads on the sessions channel: a token hash, an account id, or a node's
 * heartbeat (each node publishes its own and listens for it, to know its subscription works).
 */
export type SessionChange =
  { kind: 'token'; tokenHash: string } | { kind: 'account'; userId: string } | { kind: 'heartbeat'; node: string };

export function encodeChange(change: SessionChange): string {
  if (change.kind === 'token') return `t:${change.tokenHash}`;
  return change.kind === 'account' ? `u:${change.userId}` : `h:${change.node}`;
}

export function decodeChange(message: string): SessionChange | null {
  const value = message.slice(2);
  if (message.startsWith('t:')) return { kind: 'token', tokenHash: value };
  if (message.startsWith('u:')) return { kind: 'account', userId: value };
  if (message.startsWith('h:')) return { kind: 'heartbeat', node: value };
  return null;
}

/** How often a node publishes its heartbeat, and how old the last one heard may be for copies to be used. */
export const HEARTBEAT_MS = 1_000;
const HEARTBEAT_STALE_MS = 3 * HEARTBEAT_MS;

/**
 * Sessions held in this process's memory in front of the Redis cache (session-cache.ts), so an
 * authenticated request on a hot path needs no Redis round trip for its session: in a drop,
 * every poll and join would otherwise send one (half the Redis commands of a `queue/me`).
 *
 * A copy is only as good as the news of its session's end. Every revocation and account change
 * is published on a Redis channel every node subscribes to, and each node drops its copies
 * when the message arrives. Copies are kept only while that subscription is known to be live:
 * when the subscriber's connection drops, every copy is dropped and none is made until it is
 * subscribed again; and since a connection can also die without a word, each node publishes a
 * heartbeat every second and uses no copy while its own last one is more than 3 s old. A copy made from a Redis read that
 * was in flight when any change arrived is not kept (the generation counter): that read may
 * have seen the session before the tombstone. Copies last at most `ttlMs` in any case.
 *
 * What remains is the delivery delay of one Redis message to the other nodes (well under a
 * millisecond here, before the revoking request answers): a request that reaches another node
 * inside that window still passes. The node that revoked drops its own copy before answering.
 */
export class LocalSessions {
  private readonly entries = new Map<string, Entry>();
  private generation = 0;
  private live = false;
  /** When this node last heard its own heartbeat through the subscription. */
  private heard = -Infinity;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  get(tokenHash: string, now: number): { principal: Principal; expiresAt: Date } | undefined {
    if (!this.trusted(now)) return undefined;
    const entry = this.entries.get(tokenHash);
    if (!entry) return undefined;
    if (entry.until <= now) {
      this.entries.delete(tokenHash);
      return undefined;
    }
    return entry;
  }

  /** Call before the Redis read whose answer may be kept; hand the result to `keep`. */
  begin(now: number): number {
    return this.trusted(now) ? this.generation : -1;
  }

  /** Keeps a session read from Redis, unless a change arrived (or the subscription dropped) since `begin`. */
  keep(tokenHash: string, principal: Principal, expiresAt: Date, generation: number, now: number): void {
    if (generation !== this.generation || !this.trusted(now)) return;
    const until = Math.min(expiresAt.getTime(), now + this.ttlMs);
    if (until <= now) return;
    if (this.entries.size >= this.maxEntries) {
      // The oldest copy made (Map keeps insertion order) makes room.
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    // One object answers many requests: frozen, so no request can change what the next one reads.
    Object.freeze(principal.roles);
    this.entries.set(tokenHash, { principal: Object.freeze(principal), expiresAt, until });
  }

  /** This node's own heartbeat came back through the subscription. */
  heartbeat(now: number): void {
    this.heard = now;
  }

  /** A session change published by any node (this one included). */
  apply(change: Exclude<SessionChange, { kind: 'heartbeat' }>): void {
    this.generation++;
    if (change.kind === 'token') {
      this.entries.delete(change.tokenHash);
      return;
    }
    for (const [tokenHash, entry] of this.entries) {
      if (entry.principal.userId === change.userId) this.entries.delete(tokenHash);
    }
  }

  /** The subscription is live (true) or may have missed messages (false: every copy is dropped). */
  setLive(live: boolean, now: number): void {
    this.generation++;
    this.live = live;
    if (live) this.heard = now;
    else this.entries.clear();
  }

  /** Whether copies may be used: subscribed, and the subscription heard from lately. */
  private trusted(now: number): boolean {
    if (!this.live) return false;
    if (now - this.heard <= HEARTBEAT_STALE_MS) return true;
    // Silent too long: whatever was missed, the copies go (and none is made until it is heard again).
    if (this.entries.size > 0) this.entries.clear();
    this.generation++;
    return false;
  }

  get size(): number {
    return this.entries.size;
  }
}
