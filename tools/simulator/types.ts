import type { DropMode } from './options.js';
import type { Persona } from './plan.js';

/** What the runner, the fan processes and the report exchange. Plain data: it crosses process boundaries. */

/**
 * page: the event page with its seat map (fans who pick their seats); queuePage: each of the
 * queue page's two loads, the event without its seat map and the waiting room's public record
 * (everyone else); push: admission emitted →
 * received on the socket; poll: admission → seen by a queue/me poll; queueMe: that request;
 * notice: admission → an away fan's Web Push received and decrypted by the simulator.
 */
export const latencyMetrics = [
  'register',
  'page',
  'queuePage',
  'join',
  'push',
  'poll',
  'notice',
  'queueMe',
  'seatmap',
  'hold',
  'order',
] as const;
export type LatencyMetric = (typeof latencyMetrics)[number];

export type Outcome =
  | 'bought'
  | 'sold_out'
  | 'abandoned'
  | 'declined'
  | 'expired'
  | 'limit'
  | 'not_admitted'
  | 'error'
  | 'timeout'
  /** An away fan's purchase token lapsed before the fan acted on the push (or never did). */
  | 'pass_expired';

export interface FanRecord {
  index: number;
  kind: Persona['kind'];
  botStyle: Persona['botStyle'];
  outcome: Outcome;
  tickets: number;
  /** Orders this client completed: more than one when a `multi` bot's parallel attempts all got through. */
  orders: number;
  /** Epoch ms. */
  arrivedAt: number | null;
  joinedAt: number | null;
  admittedAt: number | null;
  heldAt: number | null;
  boughtAt: number | null;
  orderId: string | null;
  /** Every order this client was answered 201 for, with the tickets the answer listed (audited against Postgres). */
  purchases: [orderId: string, tickets: number][];
  /** Queue mode: the ticket number the waiting room gave this fan. */
  ticketNumber: number | null;
  /** Queue mode: the entry id the join answered with (checked against Redis by the audit). */
  entryId: string | null;
  declines: number;
  usedGiftCard: boolean;
  lastError: string | null;
  /**
   * Queue mode: how the fan waited for admission, on a websocket, by polling queue/me (over the
   * sockets budget), or away from the page until a Web Push came (push).
   */
  waitedBy: 'socket' | 'poll' | 'push' | null;
  /** Away fans: when the first "your turn" push arrived (epoch ms). */
  noticedAt: number | null;
  /** Away fans: what brought the fan back: the push, its reminder, or a look at the page without either. */
  reactedTo: 'turn' | 'reminder' | 'look' | null;
}

export interface Account {
  token: string;
  userId: string;
}

export interface TierInfo {
  id: string;
  kind: 'reserved' | 'ga';
  totalCents: number;
  capacity: number;
}

export interface DropTarget {
  /** One API base URL per node; fan i talks to node i mod n, as a load balancer would spread them. */
  urls: string[];
  eventId: string;
  currency: string;
  tiers: { reserved: TierInfo; ga: TierInfo };
  mode: DropMode;
  /** Queue mode: the on-sale's purchase-token TTL. */
  tokenTtlMs: number;
  /** Queue mode: the slowest pause between a polling fan's queue/me requests. */
  pollMaxMs: number;
  /** Queue mode: joins carry an Idempotency-Key (as the web page's do). */
  joinKey: boolean;
  /** Queue mode: an away fan without a push looks at the page this often. */
  awayLookMs: number;
}

export interface Counters {
  registered: number;
  arrived: number;
  active: number;
  /** Queue mode: pre-queue fans whose join is settled (joined, refused or given up); the runner opens the sale on it. */
  queued: number;
  joined: number;
  admitted: number;
  holds: number;
  orders: number;
  tickets: number;
  declines: number;
  abandons: number;
  /** Fans who ended told "sold out" (an outcome of a sale that sold out, not an error). */
  soldOut: number;
  /** Answers the product should not give (timeouts, 5xx…); refusals such as "sold out" or a declined card are not counted here. */
  errors: number;
  done: number;
  /** Fans that joined and waited on a socket / by polling, and the polls: answered 200, 304, anything else. */
  socketFans: number;
  pollingFans: number;
  polls: number;
  pollsNotModified: number;
  pollsFailed: number;
  /** Away fans that joined; Web Push messages their receiver decrypted, and requests it refused (bad signature or payload). */
  awayFans: number;
  pushes: number;
  pushesRefused: number;
}

export const emptyCounters = (): Counters => ({
  registered: 0,
  arrived: 0,
  active: 0,
  queued: 0,
  joined: 0,
  admitted: 0,
  holds: 0,
  orders: 0,
  tickets: 0,
  declines: 0,
  abandons: 0,
  soldOut: 0,
  errors: 0,
  done: 0,
  socketFans: 0,
  pollingFans: 0,
  polls: 0,
  pollsNotModified: 0,
  pollsFailed: 0,
  awayFans: 0,
  pushes: 0,
  pushesRefused: 0,
});

/** Errors by endpoint and problem code: `hold sales.sold_out` → count. */
export type ErrorCounts = Record<string, number>;

export type Samples = Record<LatencyMetric, number[]>;
export const emptySamples = (): Samples =>
  Object.fromEntries(latencyMetrics.map((m) => [m, [] as number[]])) as unknown as Samples;
/** Beside each sample of `Samples`, at the same index: the second (epoch) its answer came. */
export type SampleTimes = Samples;

export type ToWorker =
  | { type: 'register'; urls: string[]; from: number; to: number; runId: string }
  | {
      type: 'run';
      target: DropTarget;
      personas: Persona[];
      accounts: Record<number, Account>;
      giftCards: string[];
      /** Epoch ms at which arrivals are counted from. */
      startAt: number;
      /** Provisional in queue mode: the `sale` message sets the real one when the sale opens. */
      deadline: number;
    }
  /**
   * Queue mode: the pre-queue has settled, the sale opened and the lottery is drawn. Fans who
   * come after the draw (Persona.afterDraw) arrive relative to `drawnAt`.
   */
  | {
      type: 'sale';
      saleStartsAt: number;
      drawnAt: number;
      deadline: number;
      /** Over how long after the draw the server sends the pre-queue's pollers back (drawReturnWindowSeconds). */
      returnWindowMs: number;
    }
  | { type: 'stop' };

/**
 * How late a fan process's event loop ran over the sale (monitorEventLoopDelay), in ms: a
 * latency the process measured includes up to this much of its own delay, not the server's.
 */
export interface LoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export type FromWorker =
  | { type: 'registered'; accounts: [number, Account][]; samples: number[]; errors: ErrorCounts }
  | { type: 'progress'; counters: Counters }
  | {
      type: 'done';
      records: FanRecord[];
      samples: Samples;
      answeredAt: SampleTimes;
      errors: ErrorCounts;
      counters: Counters;
      loopDelay: LoopDelay;
    }
  | { type: 'failed'; message: string };
