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
  | { kind: 'token'; tokenHash: string }
  | { kind: 'account'; userId: string }
  | { kind: 'heartbeat'; node: string; seq: number };

export function encodeChange(change: SessionChange): string {
  if (change.kind === 'token') return `t:${change.tokenHash}`;
  return change.kind === 'account' ? `u:${change.userId}` : `h:${change.node}/${change.seq}`;
}

export function decodeChange(message: string): SessionChange | null {
  const value = message.slice(2);
  if (message.startsWith('t:')) return { kind: 'token', tokenHash: value };
  if (message.startsWith('u:')) return { kind: 'account', userId: value };
  if (message.startsWith('h:')) {
    const slash = value.lastIndexOf('/');
    const seq = Number(value.slice(slash + 1));
    return slash > 0 && Number.isSafeInteger(seq) ? { kind: 'heartbeat', node: value.slice(0, slash), seq } : null;
  }
  return null;
}

/** How often a node publishes its heartbeat. */
export const HEARTBEAT_MS = 1_000;
/** How long a heartbeat sent may go unheard before copies stop being used. */
export const HEARTBEAT_STALE_MS = 3 * HEARTBEAT_MS;
/** How long nothing may be heard at all (no heartbeat even sent: a timer that stopped) before copies stop being used. */
export const SILENCE_MS = 30 * HEARTBEAT_MS;
/** Heartbeats awaited at most; more unheard than this and copies were distrusted long ago. */
const PENDING_MAX = 64;

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
 * heartbeat every second and uses no copy while one it sent more than 3 s ago is still unheard.
 * The age counts from the sending, not from the last one heard: a node whose event loop runs late
 * (a saturated machine in a drop) sends late too, and used to find its last heartbeat "old" and
 * drop every copy just when it could least afford the Redis reads. A copy made from a Redis read that
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
  /** Heartbeats sent and not heard yet: sequence number → when sent, oldest first. */
  private readonly pending = new Map<number, number>();

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

  /** This node published heartbeat `seq`. */
  sent(seq: number, now: number): void {
    if (this.pending.size < PENDING_MAX) this.pending.set(seq, now);
  }

  /** This node's own heartbeat `seq` came back through the subscription (and every earlier one with it). */
  heartbeat(seq: number, now: number): void {
    this.heard = now;
    for (const sent of this.pending.keys()) {
      if (sent > seq) break;
      this.pending.delete(sent);
    }
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
    this.pending.clear();
    if (live) this.heard = now;
    else this.entries.clear();
  }

  /** Whether copies may be used: subscribed, no heartbeat sent long ago still unheard, not silent for long. */
  private trusted(now: number): boolean {
    if (!this.live) return false;
    const oldest = this.pending.values().next();
    const unheardFor = oldest.done ? 0 : now - oldest.value;
    if (unheardFor <= HEARTBEAT_STALE_MS && now - this.heard <= SILENCE_MS) return true;
    // Silent too long: whatever was missed, the copies go (and none is made until it is heard again).
    if (this.entries.size > 0) this.entries.clear();
    this.generation++;
    return false;
  }

  get size(): number {
    return this.entries.size;
  }
}
