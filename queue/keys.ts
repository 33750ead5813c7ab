/**
 * Every Redis key name is built here. Keys of one event share the hash tag `{ev:<id>}` so a
 * Redis Cluster keeps an event on one shard (its scripts touch several keys at once) while
 * different events spread across shards.
 */
export interface Keys {
  readonly prefix: string;
  rateLimit(bucket: string, subject: string): string;
  /** STRING: a session's account, cached by the SHA-256 of its bearer token (src/auth/session-cache.ts). */
  session(tokenHash: string): string;
  /** HASH sessionId → token hash: an account's cached sessions, to forget them all when it changes. */
  accountSessions(userId: string): string;
  /** Pub/sub channel: a session ended or an account changed, so every node drops its copies (src/auth/local-sessions.ts). */
  sessionChanges(): string;
  /** The waiting room of one event; every key carries the same `{ev:<id>}` hash tag. */
  queue(eventId: string): QueueKeys;
  /**
   * STRING: joins counted in the current rate-limit window for one event, per `address:<ip>` or
   * `account:<id>`, under the event's hash tag (the join script counts them). They expire with
   * their window, so they are not part of the room's keys.
   */
  joinCounter(eventId: string, subject: string): string;
}

/** The keys of one event's waiting room. Names are the field names, so scripts and tests agree. */
export interface QueueKeys {
  /** HASH: phase, soldout, seed, commitment, drawSize, cursor, token TTL and counters. */
  readonly meta: string;
  /** HASH accountId → entryId: one entry per account. */
  readonly accounts: string;
  /** HASH entryId → `<joinedAtMs>:<accountId>`. */
  readonly entries: string;
  /** LIST of entry ids that joined before the draw, in arrival order: the lottery's input. */
  readonly prequeue: string;
  /** LIST of the pre-queue's entry ids in ticket order (index 0 is ticket 1): the draw's output. */
  readonly drawn: string;
  /** LIST of entry ids that joined after the draw started, in arrival order (tickets N+1, N+2, …). */
  readonly late: string;
  /** HASH entryId → ticket number. */
  readonly ticketOf: string;
  /** HASH SHA-256(token) → entryId: purchase tokens are looked up by hash, never stored in clear. */
  readonly tokens: string;
  /** HASH entryId → `<state>:<expiresAtMs>:<nonce>`, the purchase token granted to an admitted entry. */
  readonly grants: string;
  /** ZSET entryId scored by token expiry: tokens issued and not yet claimed (they reserve seats). */
  readonly outstanding: string;
  /** LIST of the ms each recent claim had left on its token, newest first: how long admitted fans take to come. */
  readonly claims: string;
  /** STRING: the admission scheduler's lock for this event (owner token, with a TTL). */
  readonly lock: string;
  /** HASH: the scheduler's own state for this event (rate carry, last batch, last cursor sent). */
  readonly plan: string;
  /** LIST of `<ms>:<cursor>` samples, newest first: the measured admission rate behind ETAs. */
  readonly pace: string;
}

/** Event ids become part of a hash tag, so they must not contain braces; the rest is free. */
const EVENT_ID = /^[^{}\s]{1,100}$/;

function queueBase(prefix: string, eventId: string): string {
  if (!EVENT_ID.test(eventId)) throw new Error(`invalid event id for a queue key: ${JSON.stringify(eventId)}`);
  return `${prefix}q:{ev:${eventId}}:`;
}

export function createKeys(prefix: string): Keys {
  if (prefix.includes('{') || prefix.includes('}')) {
    throw new Error('the Redis key prefix must not contain braces: they would override the hash tags');
  }
  return {
    prefix,
    rateLimit: (bucket, subject) => `${prefix}rl:${bucket}:{${subject}}`,
    session: (tokenHash) => `${prefix}sess:{${tokenHash}}`,
    accountSessions: (userId) => `${prefix}sessions:{u:${userId}}`,
    sessionChanges: () => `${prefix}sessions:changes`,
    joinCounter: (eventId, subject) => `${queueBase(prefix, eventId)}joins:${subject}`,
    queue: (eventId) => {
      const base = queueBase(prefix, eventId);
      return {
        meta: `${base}meta`,
        accounts: `${base}accounts`,
        entries: `${base}entries`,
        prequeue: `${base}prequeue`,
        drawn: `${base}drawn`,
        late: `${base}late`,
        ticketOf: `${base}ticketOf`,
        tokens: `${base}tokens`,
        grants: `${base}grants`,
        outstanding: `${base}outstanding`,
        claims: `${base}claims`,
        lock: `${base}lock`,
        plan: `${base}plan`,
        pace: `${base}pace`,
      };
    },
  };
}
