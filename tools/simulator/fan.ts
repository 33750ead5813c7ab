import { randomUUID } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import type { AdmissionStrategy, FanHandle, SaleStart } from './admission.js';
import type { Api } from './http.js';
import type { Persona } from './plan.js';
import { isRefusal } from './refusals.js';
import type {
  Account,
  Counters,
  DropTarget,
  ErrorCounts,
  FanRecord,
  LatencyMetric,
  Samples,
  SampleTimes,
  TierInfo,
} from './types.js';

/**
 * One simulated fan (or bot) going through a drop the way the pages do: open the event page,
 * get admitted, think, hold, maybe walk away, pay (a declined card first for some, then a
 * retry or not), with a gift card and attendees when the plan says so. Every call goes through
 * the public API; outcomes, latencies and problem codes are recorded for the report.
 */

export const CARDS = {
  ok: { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2034, cvc: '123' },
  declined: { number: '4000 0000 0000 0002', expMonth: 12, expYear: 2034, cvc: '123' },
};

export interface FanEnv {
  api: Api;
  target: DropTarget;
  admission: AdmissionStrategy;
  giftCards: string[];
  startAt: number;
  /** Read at each step: in queue mode it moves when the sale opens (the runner's `sale` message). */
  readonly deadline: number;
  /** Queue mode: resolves with the draw's time once the lottery is drawn (late joiners wait for it). */
  drawn: Promise<number>;
  /** Queue mode: resolves with the sale's start once it is set (polling fans first ask after it). */
  saleStart: Promise<SaleStart>;
  samples: Samples;
  answeredAt: SampleTimes;
  errors: ErrorCounts;
  counters: Counters;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));
const HOLD_ATTEMPTS = 5;
/** How long after the deadline a fan whose order went unanswered keeps looking for it in "My orders" (the runner's grace is longer). */
const ORDER_LOOKUP_MS = 30_000;
const RETRYABLE = (status: number) => status === 0 || status === 429 || status >= 500;

interface HoldView {
  id: string;
  quantity: number;
  totalCents: number;
}

/** What the event page reads to draw the seat map: `GET /v1/events/:id?include=seats`. */
interface EventWithSeats {
  seatMap?: {
    sections: { rows: { seats: { id: string; status: string; tierId: string }[] }[] }[];
  };
}

interface OrderView {
  id: string;
  status: string;
  tickets: { id: string }[];
  createdAt: string;
}

export function newRecord(p: Persona): FanRecord {
  return {
    index: p.index,
    kind: p.kind,
    botStyle: p.botStyle,
    outcome: 'timeout',
    tickets: 0,
    orders: 0,
    arrivedAt: null,
    joinedAt: null,
    admittedAt: null,
    heldAt: null,
    boughtAt: null,
    orderId: null,
    purchases: [],
    ticketNumber: null,
    entryId: null,
    declines: 0,
    usedGiftCard: false,
    lastError: null,
    waitedBy: null,
    noticedAt: null,
    reactedTo: null,
  };
}

export async function runFan(p: Persona, account: Account, env: FanEnv, record: FanRecord): Promise<FanRecord> {
  const { api, target } = env;
  const latency = (metric: LatencyMetric, ms: number) => {
    env.samples[metric].push(Math.round(ms * 10) / 10);
    env.answeredAt[metric].push(Math.floor(Date.now() / 1000));
  };
  const error = (endpoint: string, code: string) => {
    env.errors[`${endpoint} ${code}`] = (env.errors[`${endpoint} ${code}`] ?? 0) + 1;
    // "Sold out", a declined card, a seat someone else took: answers a sale gives, not errors.
    if (!isRefusal(code)) env.counters.errors++;
    record.lastError = code;
  };
  const handle: FanHandle = {
    api,
    token: account.token,
    userId: account.userId,
    eventId: target.eventId,
    record,
    latency,
    error,
    socket: p.socket,
    away: p.away,
    saleStart: env.saleStart,
    get deadline() {
      return env.deadline;
    },
    polled: (status) => {
      env.counters.polls++;
      if (status === 304) env.counters.pollsNotModified++;
      else if (status !== 200) env.counters.pollsFailed++;
    },
  };
  const finish = (outcome: FanRecord['outcome']) => {
    record.outcome = outcome;
    if (outcome === 'sold_out') env.counters.soldOut++;
    return record;
  };

  // A pre-queue fan tells the runner when its join is settled, whatever became of it: the sale opens once all have.
  let queued = target.mode !== 'queue' || p.afterDraw;
  const settle = () => {
    if (!queued) env.counters.queued++;
    queued = true;
  };
  const base = p.afterDraw ? await env.drawn : env.startAt;
  await sleep(base + p.arrivalMs - Date.now());
  if (Date.now() >= env.deadline) {
    settle();
    return finish('timeout');
  }
  record.arrivedAt = Date.now();
  env.counters.arrived++;
  env.counters.active++;
  let socket: Socket | null = null;
  try {
    if (target.mode === 'queue' && !(p.chooseSeats && p.tier === 'reserved')) {
      // The queue page: the event without its seat map (~1 KB) and the waiting room's public
      // record (seed commitment, phase), as web/src/pages/queue.ts loads them.
      for (const path of [`/v1/events/${target.eventId}`, `/v1/events/${target.eventId}/lottery`]) {
        const page = await api.call('GET', path, undefined, { token: account.token, discardBody: true });
        latency('queuePage', page.ms);
        if (page.code) error('queue_page', page.code);
      }
    } else {
      // The event page with its seat map (~1 MB for 7,000 seats), and in open mode a socket for
      // availability and "order confirmed" pushes. Queue mode does not read it (the hold fetches
      // the seat map it picks from): drained, not parsed.
      const page = await api.call<{ availability?: { remaining: number } }>(
        'GET',
        `/v1/events/${target.eventId}?include=seats`,
        undefined,
        { token: account.token, discardBody: target.mode === 'queue' },
      );
      latency('page', page.ms);
      if (page.code) error('page', page.code);
      // A page that says "sold out" sends a fan home (open mode; a queue can still hand back returns).
      if (
        target.mode === 'open' &&
        Date.now() >= env.startAt &&
        page.status === 200 &&
        page.body.availability?.remaining === 0
      )
        return finish('sold_out');
    }
    if (target.mode === 'open' && p.kind === 'fan' && p.socket)
      socket = openSocket(api.baseUrl, account.token, target.eventId, latency);

    if (target.mode === 'queue') {
      // A `multi` bot joins several times at once: the room must keep one entry for the account.
      const joins = await Promise.all(Array.from({ length: p.parallel }, () => env.admission.join(handle)));
      if (joins.some(Boolean)) {
        env.counters.joined++;
        record.waitedBy = p.away ? 'push' : p.socket ? 'socket' : 'poll';
        if (p.away) env.counters.awayFans++;
        else if (p.socket) env.counters.socketFans++;
        else env.counters.pollingFans++;
      }
      settle();
      if (!joins.some(Boolean)) return finish('not_admitted');
    }
    const admission = await env.admission.admit(handle);
    if (!admission.admitted) {
      const reason = admission.reason;
      return finish(
        reason === 'sold_out' || reason === 'timeout' || reason === 'pass_expired' ? reason : 'not_admitted',
      );
    }
    env.counters.admitted++;

    // A `multi` bot fires several purchases at once with one account and one token.
    const attempts = await Promise.all(
      Array.from({ length: p.parallel }, () =>
        purchase(p, account, env, record, admission.purchaseToken, latency, error),
      ),
    );
    const bought = attempts.find((a) => a === 'bought');
    if (bought) {
      // Give the confirmation push a moment to arrive; it is measured, not waited on for long.
      if (socket) await sleep(Math.min(1_500, env.deadline - Date.now()));
      return finish('bought');
    }
    return finish(attempts[0] ?? 'error');
  } finally {
    settle();
    socket?.close();
    env.admission.leave(handle);
    env.counters.active--;
    env.counters.done++;
  }
}

function openSocket(
  baseUrl: string,
  token: string,
  eventId: string,
  latency: (m: LatencyMetric, ms: number) => void,
): Socket {
  const socket = io(baseUrl, {
    transports: ['websocket'],
    auth: { token },
    forceNew: true,
    reconnection: true,
    reconnectionAttempts: 5,
  });
  socket.on('connect', () => socket.emit('subscribe', { eventId }));
  // "Order confirmed" is written in the commit and pushed by the outbox dispatcher: its
  // createdAt → arrival is the push path's latency (one machine, one clock).
  socket.on('notification', (push: { kind: string; createdAt: string }) => {
    if (push.kind === 'order.confirmed') latency('push', Date.now() - Date.parse(push.createdAt));
  });
  return socket;
}

type Attempt = FanRecord['outcome'];

/** One purchase attempt's fan, account and recorders (a `multi` bot runs several at once). */
interface Buyer {
  p: Persona;
  token: string;
  env: FanEnv;
  record: FanRecord;
  latency: (m: LatencyMetric, ms: number) => void;
  error: (endpoint: string, code: string) => void;
}

/** Think, hold, then walk away or pay: the outcome of one attempt. */
async function purchase(
  p: Persona,
  account: Account,
  env: FanEnv,
  record: FanRecord,
  purchaseToken: string | null,
  latency: (m: LatencyMetric, ms: number) => void,
  error: (endpoint: string, code: string) => void,
): Promise<Attempt> {
  const buyer: Buyer = { p, token: account.token, env, record, latency, error };
  await sleep(Math.min(p.thinkMs, env.deadline - Date.now()));
  const hold = await takeHold(buyer, purchaseToken);
  if (typeof hold === 'string') return hold;
  record.heldAt ??= Date.now();
  env.counters.holds++;
  if (p.abandon !== 'none') return abandon(buyer, hold);
  return checkout(buyer, hold);
}

/** What a fan is trying to hold, changed by each refusal. */
interface HoldState {
  tiers: TierInfo[];
  tierIndex: number;
  quantity: number;
  /** Named seats from the seat map (reserved tier), or best available. */
  choose: boolean;
  /**
   * A hold with no definite answer (a timeout, a 5xx, a node gone) is sent again as it was,
   * with the same Idempotency-Key, as a page retrying its click does: the server may have
   * claimed the purchase token and held the seats after answering 503, and the retry must get
   * that hold back rather than a new request's `queue.token_used`.
   */
  resend: { body: Record<string, unknown>; key: string } | null;
}

/** Hold: preferred tier first, the other when it is gone; named seats for some, best available otherwise. */
async function takeHold(buyer: Buyer, purchaseToken: string | null): Promise<HoldView | Attempt> {
  const { p, env, record } = buyer;
  const { target } = env;
  const state: HoldState = {
    tiers: p.tier === 'reserved' ? [target.tiers.reserved, target.tiers.ga] : [target.tiers.ga, target.tiers.reserved],
    tierIndex: 0,
    quantity: p.quantity,
    choose: p.chooseSeats,
    resend: null,
  };
  for (let attempt = 0; attempt < HOLD_ATTEMPTS; attempt++) {
    if (Date.now() >= env.deadline) return 'timeout';
    const { body, key } = state.resend ?? (await holdRequest(buyer, state, purchaseToken));
    state.resend = null;
    const res = await env.api.call<HoldView>('POST', '/v1/holds', body, { token: buyer.token, idempotencyKey: key });
    buyer.latency('hold', res.ms);
    if (res.status === 201) return res.body;
    const code = res.code ?? `http_${res.status}`;
    buyer.error('hold', code);
    const outcome = await afterHoldRefusal(state, code, res.status, attempt, { body, key });
    if (outcome) return outcome;
  }
  return record.lastError === 'sales.not_on_sale' ? 'timeout' : 'sold_out';
}

/** A new hold request for the current tier: named seats from the seat map when the fan picks them and enough are free. */
async function holdRequest(
  { env, token, latency }: Buyer,
  state: HoldState,
  purchaseToken: string | null,
): Promise<{ body: Record<string, unknown>; key: string }> {
  const tier = state.tiers[state.tierIndex]!;
  const body: Record<string, unknown> = { eventId: env.target.eventId, tierId: tier.id };
  if (state.choose && tier.kind === 'reserved') {
    // As the event page asks for it (a shared copy at most a second old, revalidated by ETag).
    const map = await env.api.call<EventWithSeats>('GET', `/v1/events/${env.target.eventId}?include=seats`, undefined, {
      token,
    });
    latency('seatmap', map.ms);
    const sections = map.status === 200 ? (map.body.seatMap?.sections ?? []) : [];
    const free = sections.flatMap((section) =>
      section.rows.flatMap((row) => row.seats.filter((s) => s.status === 'available' && s.tierId === tier.id)),
    );
    if (free.length < state.quantity) {
      state.choose = false;
      body.quantity = state.quantity;
    } else {
      // A fan clicks seats near each other: a random run of the free list.
      const start = Math.floor(Math.random() * (free.length - state.quantity + 1));
      body.seats = free.slice(start, start + state.quantity).map((s) => s.id);
    }
  } else {
    body.quantity = state.quantity;
  }
  if (purchaseToken) body.purchaseToken = purchaseToken;
  return { body, key: randomUUID() };
}

/** How a fan reacts to a refused hold: an outcome to stop with, or null to try again (the state says how). */
async function afterHoldRefusal(
  state: HoldState,
  code: string,
  status: number,
  attempt: number,
  sent: { body: Record<string, unknown>; key: string },
): Promise<Attempt | null> {
  switch (code) {
    case 'sales.seat_unavailable':
    case 'sales.not_enough_together':
      state.choose = false; // someone was faster on those seats: take what is best now
      return null;
    case 'sales.sold_out':
      // Gone: the other tier once, then home. No retries against an empty tier.
      if (state.tierIndex !== 0) return 'sold_out';
      state.tierIndex = 1;
      return null;
    case 'sales.not_enough_seats':
    case 'sales.wrong_tier_kind':
      if (state.tierIndex === 0) state.tierIndex = 1;
      else if (state.quantity > 1) {
        state.quantity = 1; // a group settles for one ticket rather than none
        state.tierIndex = 0;
      } else return 'sold_out';
      return null;
    case 'sales.limit_exceeded':
      return 'limit';
    case 'sales.not_on_sale':
      await sleep(300); // opened a second early: refresh
      return null;
    case 'sales.purchase_token_invalid':
    case 'sales.purchase_token_required':
      return 'not_admitted';
    case 'idempotency.in_progress':
      // The first attempt is still running on the server: ask again with the same key.
      state.resend = sent;
      await sleep(500);
      return null;
    default:
      if (!RETRYABLE(status)) return 'error';
      state.resend = sent;
      await sleep(200 * 2 ** attempt);
      return null;
  }
}

/** The fan leaves the hold: released after a moment (`release`), or left to expire (`walk_away`: worker job and sweeper). */
async function abandon({ p, env, token, error }: Buyer, hold: HoldView): Promise<Attempt> {
  env.counters.abandons++;
  if (p.abandon === 'release') {
    await sleep(Math.min(p.thinkMs, env.deadline - Date.now()));
    const res = await env.api.call('DELETE', `/v1/holds/${hold.id}`, undefined, { token });
    if (res.code) error('release', res.code);
  }
  return 'abandoned';
}

/** What a fan pays with, changed by each refusal. */
interface CheckoutState {
  card: (typeof CARDS)[keyof typeof CARDS];
  giftCode: string | null;
  key: string;
  /**
   * An attempt without a definite answer (a timeout, a 5xx, a node gone, still in progress)
   * may have paid: before giving up, the fan opens "My orders", as the page sends them.
   */
  unanswered: boolean;
}

/** Checkout: card details, attendees, maybe a gift card; a declined card retried or not, as the plan says. */
async function checkout(buyer: Buyer, hold: HoldView): Promise<Attempt> {
  const { p, env, record, token } = buyer;
  await sleep(Math.min(p.thinkMs, env.deadline - Date.now()));
  const attendees = p.attendees
    ? Array.from({ length: hold.quantity }, (_, i) => ({
        name: `Guest ${i + 1} of fan ${p.index}`,
        email: `guest${i + 1}.fan${p.index}@drop.example.com`,
      }))
    : undefined;
  const state: CheckoutState = {
    card: p.declineFirst ? CARDS.declined : CARDS.ok,
    giftCode: p.giftCard !== null ? (env.giftCards[p.giftCard] ?? null) : null,
    key: randomUUID(),
    unanswered: false,
  };
  const lookUp = () => (state.unanswered ? findInMyOrders(buyer, hold, state) : Promise.resolve(null));
  for (let attempt = 0; attempt < 4; attempt++) {
    if (Date.now() >= env.deadline) return (await lookUp()) ?? 'timeout';
    const payment = { card: state.card, giftCards: state.giftCode ? [{ code: state.giftCode }] : [] };
    const res = await env.api.call<OrderView>(
      'POST',
      '/v1/orders',
      { holdId: hold.id, payment, ...(attendees ? { attendees } : {}) },
      { token, idempotencyKey: state.key },
    );
    buyer.latency('order', res.ms);
    if (res.status === 201 || res.status === 200) return bought(buyer, res.body, state.giftCode !== null);
    const code = res.code ?? `http_${res.status}`;
    buyer.error('order', code);
    switch (code) {
      case 'payments.card_declined':
      case 'payments.insufficient_funds':
        record.declines++;
        env.counters.declines++;
        if (!p.retryAfterDecline) {
          const released = await env.api.call('DELETE', `/v1/holds/${hold.id}`, undefined, { token });
          if (released.code) buyer.error('release', released.code);
          return 'declined';
        }
        // Another card, another attempt: a new key, since the first request has its (failed) answer.
        await sleep(Math.min(p.thinkMs, env.deadline - Date.now()));
        state.card = CARDS.ok;
        state.key = randomUUID();
        break;
      case 'giftcards.insufficient_balance':
      case 'giftcards.invalid_code':
        state.giftCode = null;
        state.key = randomUUID();
        break;
      case 'sales.hold_expired':
      case 'sales.hold_not_active':
      case 'sales.hold_not_found':
        // After an unanswered attempt, "not active" may mean our own order converted it.
        return (await lookUp()) ?? 'expired';
      case 'orders.hold_already_ordered':
        // Our hold has an order: a retry that took over a stale claim met the one the first attempt made.
        state.unanswered = true;
        return (await lookUp()) ?? 'error';
      case 'idempotency.in_progress':
        state.unanswered = true;
        await sleep(500); // the first request still runs: ask again with the same key
        break;
      default:
        if (!RETRYABLE(res.status)) return 'error';
        state.unanswered = true;
        // Same key: if the first attempt went through, the retry answers with that order.
        await sleep(300 * 2 ** attempt);
    }
  }
  return (await lookUp()) ?? 'error';
}

/** Records a completed order on the fan's record and the counters. */
function bought({ record, env }: Buyer, order: OrderView, usedGiftCard: boolean): Attempt {
  record.boughtAt = Date.now();
  record.orderId = order.id;
  record.purchases.push([order.id, order.tickets.length]);
  record.tickets += order.tickets.length;
  record.orders++;
  record.usedGiftCard ||= usedGiftCard;
  env.counters.orders++;
  env.counters.tickets += order.tickets.length;
  return 'bought';
}

/** After an unanswered order: looks in "My orders" until a while past the deadline for the hold's order, bought or failed. */
async function findInMyOrders(buyer: Buyer, hold: HoldView, state: CheckoutState): Promise<Attempt | null> {
  const { env, token, error } = buyer;
  const until = Math.max(env.deadline, Date.now()) + ORDER_LOOKUP_MS;
  for (let pause = 500; Date.now() < until; pause = Math.min(pause * 2, 4_000)) {
    const mine = await env.api.call<{ orders: { id: string; holdId: string; status: string }[] }>(
      'GET',
      '/v1/me/orders?limit=50',
      undefined,
      { token },
    );
    const found = mine.status === 200 ? mine.body.orders.find((o) => o.holdId === hold.id) : undefined;
    if (mine.status !== 200) error('my_orders', mine.code ?? `http_${mine.status}`);
    if (found && ['failed', 'voided', 'cancelled'].includes(found.status)) return null;
    if (found && (found.status === 'captured' || found.status === 'confirmed')) {
      const detail = await env.api.call<OrderView>('GET', `/v1/orders/${found.id}`, undefined, { token });
      if (detail.status === 200) {
        error('order', 'simulator.answer_lost_found_in_my_orders');
        return bought(buyer, detail.body, state.giftCode !== null);
      }
    }
    // Not there yet (the first request still runs) or not final: look again.
    await sleep(pause);
  }
  return null;
}
