import type { Keys } from '../../queue/keys.js';
import type { AppRedis } from '../infra/redis.js';
import type { Role } from '../shared/vocabulary.js';
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
 */
const TTL_MS = 5 * 60_000;
const REVOKED = 'revoked';

interface Cached extends Omit<Principal, 'roles'> {
  roles: Role[];
  expiresAt: number;
}

export type CachedSession = { principal: Principal; expiresAt: Date } | 'revoked' | null;

export class SessionCache {
  constructor(
    private readonly redis: AppRedis,
    private readonly keys: Keys,
  ) {}

  async get(tokenHash: string): Promise<CachedSession> {
    const raw = await this.redis.get(this.keys.session(tokenHash));
    if (raw === null) return null;
    if (raw === REVOKED) return REVOKED;
    const { expiresAt, ...principal } = JSON.parse(raw) as Cached;
    return { principal, expiresAt: new Date(expiresAt) };
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
  }

  /** The account changed (roles, name, email, verification): its sessions are read again from Postgres. */
  async forgetAccount(userId: string): Promise<void> {
    const index = this.keys.accountSessions(userId);
    const tokenHashes = await this.redis.hvals(index);
    await Promise.all([...tokenHashes.map((h) => this.redis.del(this.keys.session(h))), this.redis.del(index)]);
  }
}
