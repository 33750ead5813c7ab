import type { ArrivalPattern, DropOptions } from './options.js';

/**
 * Who the simulated crowd is, decided up front from the seed: every fan's arrival, patience,
 * card and group, every bot's trick. The plan is pure data, so a run can be replayed with the
 * same seed and the fan processes only execute it.
 */

/** mulberry32: tiny, fast and good enough for choosing behaviours; not for anything secret. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export type BotStyle = 'late' | 'multi' | 'shared';
export type Abandon = 'none' | 'release' | 'walk_away';

export interface Persona {
  index: number;
  kind: 'fan' | 'bot';
  botStyle: BotStyle | null;
  /** Index into the account list; bots with style `shared` share one with other bots. */
  account: number;
  /** Milliseconds after the sale opens (queue mode: after the pre-queue opens, or after the draw when `afterDraw`; see the runner). */
  arrivalMs: number;
  /** Queue mode: this fan comes only after the draw and joins the FIFO line behind the drawn pre-queue. */
  afterDraw: boolean;
  thinkMs: number;
  tier: 'reserved' | 'ga';
  quantity: number;
  /** Reserved only: pick named seats from the seat map instead of best available. */
  chooseSeats: boolean;
  attendees: boolean;
  abandon: Abandon;
  /** The first card is declined (4000 0000 0000 0002); `retry` says whether the fan tries 4242 after. */
  declineFirst: boolean;
  retryAfterDecline: boolean;
  /** Index of the gift card this fan holds, or null. */
  giftCard: number | null;
  /** Bots of style `multi` fire this many concurrent attempts with one account. */
  parallel: number;
  /** Waits on a websocket (within the sockets budget); otherwise polls queue/me. */
  socket: boolean;
  /**
   * Queue mode: a fan away from the page, told by Web Push. `reactMs`: the pause between a
   * push arriving and the fan acting on it; null for a fan who never acts.
   */
  away: { reactMs: number | null } | null;
}

export interface DropPlan {
  personas: Persona[];
  accounts: number;
  /** Websockets allowed per API node (socketBudget) and how many clients got one. */
  socketsPerNode: number;
  socketClients: number;
}

/**
 * Websockets per API node: --sockets-per-node, cut by (nodes − 1) / nodes with kill-api, so
 * the nodes that survive can take the dead one's sockets and stay under their open-file limit.
 */
export function socketBudget(options: Pick<DropOptions, 'socketsPerNode' | 'nodes' | 'fault'>): number {
  if (options.fault === 'kill-api' && options.nodes > 1)
    return Math.floor((options.socketsPerNode * (options.nodes - 1)) / options.nodes);
  return options.socketsPerNode;
}

/** Gives sockets to an evenly spread share of the clients (so every node and every arrival time gets its share). */
function assignSockets(personas: Persona[], sockets: number): number {
  const share = Math.min(1, sockets / Math.max(1, personas.length));
  let given = 0;
  personas.forEach((p, i) => {
    p.socket = Math.floor((i + 1) * share) > Math.floor(i * share);
    if (p.socket) given++;
  });
  return given;
}

/**
 * Marks an evenly spread share of the fans (never bots: a script does not walk away) as away
 * from the page, each with its reaction. A stream of its own, so the rest of a seeded plan is
 * the same whatever --away says.
 */
function assignAway(
  personas: Persona[],
  options: Pick<DropOptions, 'seed' | 'away' | 'awayReactSeconds' | 'awayNever'>,
) {
  const random = rng(options.seed ^ 0x5eed_a7a7);
  const fans = personas.filter((p) => p.kind === 'fan');
  const share = options.away;
  const meanMs = options.awayReactSeconds * 1000;
  fans.forEach((p, i) => {
    if (Math.floor((i + 1) * share) === Math.floor(i * share)) return;
    const never = random() < options.awayNever;
    p.socket = false;
    p.away = { reactMs: never ? null : Math.round(-Math.log(1 - random()) * meanMs) };
  });
}

/** Offsets in ms for n arrivals over a window. Sorted, so index order is arrival order within a thread. */
export function arrivals(pattern: ArrivalPattern, n: number, windowMs: number, random: () => number): number[] {
  const out = Array.from({ length: n }, () => {
    const u = random();
    switch (pattern) {
      // Most fans refresh at the opening second; the tail trickles in (exponential, mean window/40).
      case 'burst':
        return Math.min(windowMs, (-Math.log(1 - u) * windowMs) / 40);
      // Density rising linearly across the window: the inverse CDF of f(t) ∝ t.
      case 'ramp':
        return Math.sqrt(u) * windowMs;
      case 'steady':
        return u * windowMs;
    }
  });
  return out.sort((a, b) => a - b);
}

const SHARED_GROUP = 4;

export function buildPlan(options: DropOptions): DropPlan {
  const random = rng(options.seed);
  const windowMs = options.arrivalSeconds * 1000;
  const humans = options.fans - options.bots;
  const times = arrivals(options.arrival, humans, windowMs, random);
  const personas: Persona[] = [];
  const maxGroup = Math.min(6, options.perAccount);
  // Gift cards go to evenly spaced fans, so early and late arrivals both carry some.
  const giftEvery = options.giftCards > 0 ? humans / options.giftCards : Infinity;
  let nextGift = 0;
  for (let i = 0; i < humans; i++) {
    const group = maxGroup >= 2 && random() < options.groups;
    const abandons = random() < options.abandon;
    const giftCard = nextGift < options.giftCards && i >= Math.floor(nextGift * giftEvery) ? nextGift++ : null;
    personas.push({
      index: i,
      kind: 'fan',
      botStyle: null,
      account: i,
      arrivalMs: times[i]!,
      afterDraw: false,
      thinkMs: Math.round(options.thinkMs * (0.5 + random())),
      tier: random() < 0.7 ? 'reserved' : 'ga',
      quantity: group
        ? 2 + Math.floor(random() * (maxGroup - 1))
        : 1 + Math.floor(random() * Math.min(2, options.perAccount)),
      chooseSeats: random() < 0.2,
      attendees: group,
      abandon: abandons ? (random() < 0.7 ? 'release' : 'walk_away') : 'none',
      declineFirst: random() < options.decline,
      retryAfterDecline: random() < 0.7,
      giftCard,
      parallel: 1,
      socket: true,
      away: null,
    });
  }
  // Bots: a third each of late joiners, many-times joiners and account sharers.
  let account = humans;
  let sharedLeft = 0;
  const styles: BotStyle[] = ['late', 'multi', 'shared'];
  for (let b = 0; b < options.bots; b++) {
    const style = styles[b % 3]!;
    let botAccount: number;
    if (style === 'shared') {
      if (sharedLeft === 0) {
        sharedLeft = SHARED_GROUP;
        account++;
      }
      sharedLeft--;
      botAccount = account - 1;
    } else {
      botAccount = account++;
    }
    personas.push({
      index: humans + b,
      kind: 'bot',
      botStyle: style,
      account: botAccount,
      // Scripts fire at the opening; late joiners come in when the crowd is already waiting.
      arrivalMs: style === 'late' ? windowMs * (0.5 + random() * 0.5) : random() * 200,
      afterDraw: false,
      thinkMs: 0,
      tier: random() < 0.7 ? 'reserved' : 'ga',
      quantity: options.perAccount > 1 ? Math.min(options.perAccount, 4) : 1,
      chooseSeats: false,
      attendees: false,
      abandon: 'none',
      declineFirst: false,
      retryAfterDecline: true,
      giftCard: null,
      parallel: style === 'multi' ? 3 : 1,
      socket: true,
      away: null,
    });
  }
  if (options.mode === 'queue') assignAway(personas, options);
  const socketsPerNode = socketBudget(options);
  const socketClients = assignSockets(
    personas.filter((p) => !p.away),
    socketsPerNode * options.nodes,
  );
  return { personas, accounts: account, socketsPerNode, socketClients };
}
