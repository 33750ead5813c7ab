import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Keys } from '../../queue/keys.js';
import type { AppRedis } from '../infra/redis.js';
import type { Logger } from '../logger.js';
import type { Role } from '../shared/vocabulary.js';
import { decodeChange, encodeChange, HEARTBEAT_MS, LocalSessions, type SessionChange } from './local-sessions.js';
import type { Principal } from './principal.js';

/**
 * Sessions cached in Redis in front of Postgres. Every authenticated request and socket
 * handshake resolves its bearer token; in a drop that is tens of thousands of fans asking at
 * once, and a Redis GET costs a small fraction of a Postgres query (client and server side).
 *
 * Postgres stays the truth: a session is written there first, then cached (at sign-in, so a
 * fan's first request after it hits the cache, and again on any miss). The cache never
 * outlives the session, nor `TTL_MS`, which also bounds the one race a cache-aside design
 * keeps: a request that read the account just before a role change may re-cache the old roles.
 *
 * Logging out leaves a tombstone rather than deleting the entry, so a request that read the
 * session from Postgres a moment before cannot put it back (fills use SET NX).
 *
 * A server node also keeps sessions in its own memory once `listen` has subscribed it to the
 * changes every node publishes (local-sessions.ts), so most requests need no Redis read at all.
 */
const TTL_MS = 5 * 60_000;
const REVOKED = 'revoked';
/**
 * How long a node keeps its own copy of a session (bounded again by the session's end): as long
 * as the Redis copy it was read from. Changes reach it on the channel; this bound is only the
 * last line. At 60 s, a fan polling the waiting room less often than once a minute (most of a
 * 100,000-fan drop's 283,000 polls) read its session from Redis again at every poll.
 */
const LOCAL_TTL_MS = TTL_MS;
/** Copies a node keeps at most: a 100,000-fan drop's sessions, ~30 MB. */
const LOCAL_MAX = 100_000;

interface Cached extends Omit<Principal, 'roles'> {
  roles: Role[];
  expiresAt: number;
}

export type CachedSession = { principal: Principal; expiresAt: Date } | 'revoked' | null;

export class SessionCache {
  private readonly local = new LocalSessions(LOCAL_TTL_MS, LOCAL_MAX);

  constructor(
    private readonly redis: AppRedis,
    private readonly keys: Keys,
  ) {}

  async get(tokenHash: string): Promise<CachedSession> {
    const now = Date.now();
    const held = this.local.get(tokenHash, now);
    if (held) return held;
    const generation = this.local.begin(now);
    const raw = await this.redis.get(this.keys.session(tokenHash));
    if (raw === null) return null;
    if (raw === REVOKED) return REVOKED;
    const { expiresAt, ...principal } = JSON.parse(raw) as Cached;
    const session = { principal, expiresAt: new Date(expiresAt) };
    this.local.keep(tokenHash, principal, session.expiresAt, generation, Date.now());
    return session;
  }

  /**
   * Subscribes this node to the session changes every node publishes, and from then on keeps
   * sessions in memory (only while subscribed). Returns the stop function (for server close).
   */
  async listen(logger: Logger): Promise<() => Promise<void>> {
    const channel = this.keys.sessionChanges();
    const sub = (this.redis as unknown as Redis).duplicate({ connectionName: 'fairdrop-sessions-sub' });
    const node = randomUUID();
    sub.on('message', (from: string, message: string) => {
      const change = from === channel ? decodeChange(message) : null;
      if (!change) return;
      if (change.kind !== 'heartbeat') this.local.apply(change);
      else if (change.node === node) this.local.heartbeat(change.seq, Date.now());
    });
    // A dropped connection may have missed a change: forget every copy until subscribed again.
    sub.on('close', () => this.local.setLive(false, Date.now()));
    let subscribed!: () => void;
    const first = new Promise<void>((resolve) => (subscribed = resolve));
    sub.on('ready', () => {
      sub.subscribe(channel).then(
        () => {
          this.local.setLive(true, Date.now());
          subscribed();
        },
        (err: unknown) => logger.warn({ err }, 'session changes: subscribe failed; sessions are read from Redis'),
      );
    });
    sub.on('error', (err: unknown) => logger.warn({ err }, 'session changes subscriber'));
    // Without the subscription the node still serves, reading every session from Redis.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([first, new Promise<void>((resolve) => (timer = setTimeout(resolve, 5_000)))]);
    clearTimeout(timer);
    let seq = 0;
    const beat = setInterval(() => {
      seq++;
      this.local.sent(seq, Date.now());
      this.redis.publish(channel, encodeChange({ kind: 'heartbeat', node, seq })).catch(() => undefined);
    }, HEARTBEAT_MS);
    beat.unref();
    return async () => {
      clearInterval(beat);
      this.local.setLive(false, Date.now());
      await sub.quit().catch(() => sub.disconnect());
    };
  }

  /** Caches a session just opened (overwriting) or just read from Postgres (`fill`: only if absent, so no tombstone is undone). */
  async put(tokenHash: string, principal: Principal, expiresAt: Date, mode: 'open' | 'fill'): Promise<void> {
    const ttl = Math.min(TTL_MS, expiresAt.getTime() - Date.now());
    if (ttl <= 0) return;
    const value = JSON.stringify({ ...principal, expiresAt: expiresAt.getTime() } satisfies Cached);
    const key = this.keys.session(tokenHash);
    const index = this.keys.accountSessions(principal.userId);
    await Promise.all([
      mode === 'fill' ? this.redis.set(key, value, 'PX', ttl, 'NX') : this.redis.set(key, value, 'PX', ttl),
      this.redis.hset(index, principal.sessionId, tokenHash),
      this.redis.pexpire(index, TTL_MS),
    ]);
  }

  /** The session ended: requests with its token must fail at once, on every node. */
  async revoke(tokenHash: string, principal: Pick<Principal, 'userId' | 'sessionId'>): Promise<void> {
    await Promise.all([
      this.redis.set(this.keys.session(tokenHash), REVOKED, 'PX', TTL_MS),
      this.redis.hdel(this.keys.accountSessions(principal.userId), principal.sessionId),
    ]);
    await this.announce({ kind: 'token', tokenHash });
  }

  /** The account changed (roles, name, email, verification): its sessions are read again from Postgres. */
  async forgetAccount(userId: string): Promise<void> {
    const index = this.keys.accountSessions(userId);
    const tokenHashes = await this.redis.hvals(index);
    await Promise.all([...tokenHashes.map((h) => this.redis.del(this.keys.session(h))), this.redis.del(index)]);
    await this.announce({ kind: 'account', userId });
  }

  /** After the Redis entries changed: this node's copies go now, every other node's when the message arrives. */
  private async announce(change: Exclude<SessionChange, { kind: 'heartbeat' }>): Promise<void> {
    this.local.apply(change);
    await this.redis.publish(this.keys.sessionChanges(), encodeChange(change));
  }
}
