import type { Redis } from 'ioredis';
import type postgres from 'postgres';
import type { createKeys } from '../../queue/keys.js';
import { histogram, percentiles, type Histogram, type Percentiles } from './stats.js';
import type { FanRecord } from './types.js';

/**
 * Queue mode: the purchase tokens of a drop from the server's own records, not the fans'
 * guesses. Redis' `grants` hash holds every token the waiting room issued with its state
 * (issued, claimed, expired) and expiry; Postgres' holds carry the SHA-256 of the token they
 * redeemed, which Redis' `tokens` hash maps back to the entry. An entry's admission is its
 * token's expiry minus the TTL; its hold is the hold's created_at. How the fan learned of its
 * turn (socket, poll, push) is the one thing only the simulator knows: its records name the
 * entry each join was answered with.
 */

export const channels = ['socket', 'poll', 'push'] as const;
export type Channel = (typeof channels)[number];

export interface TokenCounts {
  issued: number;
  /** Redeemed for a hold (claimed in Redis). */
  used: number;
  /** Lapsed unused: marked expired by the sweep, or still `issued` past their expiry. */
  expired: number;
  /** Issued, unused and still valid when the drop ended. */
  outstanding: number;
}

export interface TokenFacts extends TokenCounts {
  /** Holds in Postgres made with a purchase token of this event (one per token: holds_token_unique). */
  holdsWithToken: number;
  /** Claimed in Redis without a hold in Postgres, and holds whose token Redis does not show claimed. */
  claimedWithoutHold: number;
  holdsNotClaimed: number;
  /** The same counts by how the fan waited for its turn; tokens of entries no fan record names are `unknown`. */
  byChannel: Record<Channel | 'unknown', TokenCounts>;
  /** Milliseconds from admission (the token's issue) to the hold made with it, by channel. */
  admissionToHold: Record<Channel, Percentiles>;
  /** The same as histograms (log-spaced buckets, stats.ts). */
  admissionToHoldHistogram: Record<Channel, Histogram>;
}

type QueueKeys = ReturnType<ReturnType<typeof createKeys>['queue']>;

const zero = (): TokenCounts => ({ issued: 0, used: 0, expired: 0, outstanding: 0 });

export async function readTokenFacts(input: {
  redis: Redis;
  keys: QueueKeys;
  sql: postgres.Sql | null;
  eventId: string;
  tokenTtlMs: number;
  records: readonly FanRecord[];
  /** Epoch ms at which "still valid" is judged (the end of the drop). */
  at: number;
}): Promise<TokenFacts> {
  const [grants, tokens] = await Promise.all([
    input.redis.hgetall(input.keys.grants),
    input.redis.hgetall(input.keys.tokens),
  ]);
  const holds = input.sql
    ? await input.sql<{ hash: string; created: number }[]>`
        select purchase_token_hash as hash, (extract(epoch from created_at) * 1000)::float8 as created from holds
        where event_id = ${input.eventId} and purchase_token_hash is not null`
    : [];
  const channelOf = new Map<string, Channel>();
  for (const r of input.records) if (r.entryId && r.waitedBy) channelOf.set(r.entryId, r.waitedBy);
  const heldAt = new Map<string, number>();
  for (const h of holds) {
    const entryId = tokens[h.hash];
    if (entryId) heldAt.set(entryId, Number(h.created));
  }

  const facts: TokenFacts = {
    ...zero(),
    holdsWithToken: holds.length,
    claimedWithoutHold: 0,
    holdsNotClaimed: 0,
    byChannel: { socket: zero(), poll: zero(), push: zero(), unknown: zero() },
    admissionToHold: { socket: percentiles([]), poll: percentiles([]), push: percentiles([]) },
    admissionToHoldHistogram: { socket: histogram([]), poll: histogram([]), push: histogram([]) },
  };
  const waits: Record<Channel, number[]> = { socket: [], poll: [], push: [] };
  for (const [entryId, raw] of Object.entries(grants)) {
    const [state, expires] = raw.split(':');
    const expiresAt = Number(expires);
    const kind: keyof TokenCounts =
      state === 'claimed' ? 'used' : state === 'expired' || expiresAt <= input.at ? 'expired' : 'outstanding';
    const channel = channelOf.get(entryId);
    for (const counts of [facts, facts.byChannel[channel ?? 'unknown']]) {
      counts.issued++;
      counts[kind]++;
    }
    const held = heldAt.get(entryId);
    if (kind === 'used' && held === undefined && input.sql) facts.claimedWithoutHold++;
    if (held !== undefined && kind !== 'used') facts.holdsNotClaimed++;
    if (held !== undefined && channel) waits[channel].push(Math.max(0, held - (expiresAt - input.tokenTtlMs)));
  }
  for (const c of channels) {
    facts.admissionToHold[c] = percentiles(waits[c]);
    facts.admissionToHoldHistogram[c] = histogram(waits[c]);
  }
  return facts;
}

/** The "your turn" messages the server wrote for the drop (its outbox), by kind, channel and delivery state. */
export interface NoticeFacts {
  /** `<kind> <channel>` → { sent, skipped (a reminder whose pass was used), failed, pending }. */
  rows: { kind: string; channel: string; sent: number; skipped: number; failed: number; pending: number }[];
}

export async function readNoticeFacts(sql: postgres.Sql, eventId: string): Promise<NoticeFacts> {
  const rows = await sql<{ kind: string; channel: string; status: string; n: number }[]>`
    select kind, channel, status, count(*)::int as n from notification_outbox
    where kind in ('queue.your_turn', 'queue.your_turn_reminder') and payload -> 'data' ->> 'eventId' = ${eventId}
    group by kind, channel, status order by kind, channel`;
  const byKey = new Map<string, NoticeFacts['rows'][number]>();
  for (const r of rows) {
    const key = `${r.kind} ${r.channel}`;
    if (!byKey.has(key))
      byKey.set(key, { kind: r.kind, channel: r.channel, sent: 0, skipped: 0, failed: 0, pending: 0 });
    const row = byKey.get(key)!;
    if (r.status === 'sent' || r.status === 'skipped' || r.status === 'failed' || r.status === 'pending')
      row[r.status] += r.n;
  }
  return { rows: [...byKey.values()] };
}
