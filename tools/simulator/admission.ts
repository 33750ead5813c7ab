import { io, type Socket } from 'socket.io-client';
import type { Api } from './http.js';
import type { PushInbox } from './push-inbox.js';
import type { FanRecord, LatencyMetric } from './types.js';

/**
 * How a fan gets the right to hold seats. Open mode: at once. Queue mode: join the waiting room,
 * wait on the `/queue` socket namespace for the admission push (with a poll of `queue/me` as
 * the fallback a real page has), and hold with the purchase token it delivers.
 *
 * The queue strategy follows the waiting-room contract of the integration: POST
 * /v1/events/:id/queue to join, the `/queue` namespace (`watch` for a snapshot, `admitted` with
 * the token, `drawn`, `soldout`/`available`, `closed`), GET /v1/events/:id/queue/me as the
 * poll. The shapes it reads are restated below, so following the routes as they settle
 * touches this file only.
 */

export interface FanHandle {
  api: Api;
  token: string;
  userId: string;
  eventId: string;
  record: FanRecord;
  deadline: number;
  /** Queue mode: this fan waits on a websocket; without one it polls GET …/queue/me. */
  socket: boolean;
  /** Queue mode: away from the page, told by Web Push; `reactMs` null: never acts on it. */
  away: { reactMs: number | null } | null;
  /** Resolves when the sale has opened and the lottery is drawn. */
  saleStart: Promise<SaleStart>;
  latency(metric: LatencyMetric, ms: number): void;
  error(endpoint: string, code: string): void;
  /** Counts a poll of queue/me: answered 200, 304 (unchanged) or otherwise. */
  polled(status: number): void;
}

/** The sale's opening as a fan process learns it, once the lottery is drawn. */
export interface SaleStart {
  /** The on-sale's saleStartsAt, as the page shows it. */
  at: number;
  /** The server sends the pre-queue's pollers back spread over this long after the draw (0 in open mode). */
  returnWindowMs: number;
}

/** How polling fans pace themselves: the slowest pause, and the purchase-token TTL (to time an admission seen by a poll). */
export interface PollPacing {
  maxMs: number;
  tokenTtlMs: number;
  /** Joins carry an Idempotency-Key (the web page's do; the join is idempotent per account without). */
  joinKey: boolean;
  /** An away fan without a push looks at the page this often. */
  awayLookMs: number;
}

export type AdmissionResult =
  | { admitted: true; purchaseToken: string | null }
  | { admitted: false; reason: 'sold_out' | 'timeout' | 'refused' | 'error' | 'pass_expired' };

export interface AdmissionStrategy {
  /** Before the sale: queue mode joins the pre-queue here; open mode does nothing. */
  join(fan: FanHandle): Promise<boolean>;
  /** Resolves when the fan may hold seats. */
  admit(fan: FanHandle): Promise<AdmissionResult>;
  /** Lets go of sockets kept for the admission. */
  leave(fan: FanHandle): void;
}

export const openAdmission: AdmissionStrategy = {
  join: async () => true,
  admit: async () => ({ admitted: true, purchaseToken: null }),
  leave: () => {},
};

/**
 * The waiting room's wire as the simulator reads it: a subset of QueueSnapshot and the pushes
 * of the `/queue` namespace (src/realtime/events.ts), restated here so the simulator depends on
 * the wire, not on the server's modules.
 */
interface QueueSnapshotWire {
  entryId: string | null;
  ticketNumber: number | null;
  status: string;
  token: string | null;
  tokenExpiresAt: number | null;
  soldOut: boolean;
  phase: string;
  position: number | null;
  /** Seconds until admission at the measured rate; null when nothing moves yet. */
  eta: number | null;
}
interface QueueJoinWire {
  entryId: string;
  joinedAt?: number;
  ticketNumber: number | null;
}
interface QueueAdmittedWire {
  eventId: string;
  entryId: string;
  ticketNumber: number;
  token: string;
  expiresAt: number;
  emittedAt: number;
}
type WatchAnswer = { ok: true; snapshot: QueueSnapshotWire } | { ok: false; code: string; detail: string };

/** A socket fan whose socket is down polls this often (the page's fallback), as does a polling fan near the front. */
const POLL_MS = 5_000;
/** The server's first return after the draw is at least a second after it (pollAfterSeconds). */
const DRAW_RETURN_DELAY_MS = 1_000;
/** A polling fan asks again after this share of its ETA: sooner as the front comes nearer. */
const POLL_ETA_SHARE = 1 / 3;
/** A socket fan re-checks its linger, deadline and socket this often when no push wakes it. */
const SOCKET_WAIT_TICK_MS = 1_000;
/** ± this share of random jitter on every pause, so pollers do not fall into step. */
const POLL_JITTER = 0.2;
/** A fan told "sold out" lingers this long for seats coming back (`available`) before leaving. */
const SOLD_OUT_LINGER_MS = 10_000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Pause before a socket tries the next node: a dead node refuses at once, and a tight loop would spin. */
const SOCKET_FAILOVER_MS = 500;

interface FanQueueState {
  /** Null for a polling fan (over the sockets budget). */
  socket: Socket | null;
  /** The last queue/me answer and its ETag (sent back as If-None-Match; a 304 means `last` still holds). */
  etag: string | null;
  last: QueueSnapshotWire | null;
  /** Connections tried so far; the URL function picks a node from it (the next one after a failure). */
  attempt: number;
  token: string | null;
  soldOutSince: number | null;
  closed: boolean;
  /** The fan is done: no more reconnects. */
  left: boolean;
  /** Wakes the waiting fan when a push changed its state (see waitOnSocket). */
  wake: (() => void) | null;
}

/**
 * The pause before a polling fan's next queue/me: a page that knows it is far back asks
 * rarely, one near the front every few seconds, never sooner than the server's Retry-After
 * (the API's own pacing, 2–60 s from the ETA) or a Cache-Control max-age.
 */
export function nextPollMs(
  snap: Pick<QueueSnapshotWire, 'position' | 'eta'> | null,
  headers: Record<string, string | string[] | undefined>,
  maxMs: number,
  random: () => number = Math.random,
): number {
  let ms: number;
  if (!snap || snap.position === null) ms = maxMs;
  else if (snap.position <= 0) ms = POLL_MS;
  else if (snap.eta === null) ms = Math.min(maxMs, 6 * POLL_MS);
  else ms = Math.min(maxMs, Math.max(POLL_MS, snap.eta * 1000 * POLL_ETA_SHARE));
  ms *= 1 - POLL_JITTER + 2 * POLL_JITTER * random();
  const retryAfter = Number(headers['retry-after']);
  if (Number.isFinite(retryAfter) && retryAfter > 0) ms = Math.max(ms, retryAfter * 1000);
  const maxAge = /max-age=(\d+)/.exec(String(headers['cache-control'] ?? ''));
  if (maxAge) ms = Math.max(ms, Number(maxAge[1]) * 1000);
  return ms;
}

/** Where a fan's socket connects on its `attempt`-th try (the next node after a failure). */
type SocketUrl = (fan: FanHandle, attempt: number) => string;

/**
 * Queue mode: each fan joins once (join), then waits for its purchase token (admit) on its
 * socket or by polling, and lets go of its socket when done (leave). The steps are the
 * functions below, in the page's order.
 */
export function queueAdmission(socketUrl: SocketUrl, pacing: PollPacing, inbox: PushInbox | null): AdmissionStrategy {
  const states = new Map<number, FanQueueState>();
  let vapidKey: Promise<string | null> | null = null;
  return {
    async join(fan) {
      // An away fan allows notifications on the page first, as the queue page offers before joining.
      if (fan.away && inbox && !states.has(fan.record.index)) {
        vapidKey ??= publicKeyOf(fan);
        inbox.publicKey ??= await vapidKey;
        if (inbox.publicKey) await subscribePush(fan, inbox);
      }
      const joined = await joinQueue(fan, pacing);
      if (joined && !states.has(fan.record.index)) states.set(fan.record.index, followQueue(socketUrl, fan));
      return joined;
    },

    async admit(fan) {
      const state = states.get(fan.record.index);
      if (!state) return { admitted: false, reason: 'refused' };
      if (fan.away) return waitAway(fan, state, pacing, inbox);
      return state.socket ? waitOnSocket(fan, state, pacing) : waitByPolling(fan, state, pacing);
    },

    leave(fan) {
      // The fan's device stays subscribed until the process ends: a push the server sends
      // later (a reminder) is received and counted, as a phone in a pocket would.
      const state = states.get(fan.record.index);
      if (state) state.left = true;
      state?.socket?.close();
      states.delete(fan.record.index);
    },
  };
}

/** POST …/queue until it answers; a join is idempotent per account (one entry each), so a retry after a lost answer finds the same entry. */
async function joinQueue(fan: FanHandle, pacing: PollPacing): Promise<boolean> {
  const path = `/v1/events/${fan.eventId}/queue`;
  for (let attempt = 0; attempt < 4 && Date.now() < fan.deadline; attempt++) {
    const res = await fan.api.call<QueueJoinWire>(
      'POST',
      path,
      {},
      { token: fan.token, ...(pacing.joinKey ? { idempotencyKey: true } : {}) },
    );
    fan.latency('join', res.ms);
    if (res.status === 200 || res.status === 201) {
      // A bot joining many times must get its first entry back, never a second one.
      if (fan.record.entryId !== null && fan.record.entryId !== res.body.entryId)
        fan.error('join', 'simulator.second_entry_for_account');
      fan.record.joinedAt ??= res.body.joinedAt ?? Date.now();
      fan.record.entryId ??= res.body.entryId;
      fan.record.ticketNumber ??= res.body.ticketNumber;
      return true;
    }
    fan.error('join', res.code ?? `http_${res.status}`);
    if (res.status !== 0 && res.status !== 429 && res.status < 500) return false;
    await sleep(250 * 2 ** attempt);
  }
  return false;
}

/** A joined fan's waiting state; a socket fan's socket connects and listens from here on. */
function followQueue(socketUrl: SocketUrl, fan: FanHandle): FanQueueState {
  const state: FanQueueState = {
    socket: fan.socket ? connect(socketUrl, fan, 0) : null,
    etag: null,
    last: null,
    attempt: 0,
    token: null,
    soldOutSince: null,
    closed: false,
    left: false,
    wake: null,
  };
  if (fan.socket) listen(socketUrl, fan, state);
  return state;
}

/** The page's `watch`: joins the event's room and answers where the fan stands (ticket number, token). */
function watch(fan: FanHandle, state: FanQueueState): void {
  state.socket?.emit('watch', { eventId: fan.eventId }, (answer: WatchAnswer) => {
    if (!answer.ok) return fan.error('queue_watch', answer.code);
    const snap = answer.snapshot;
    if (snap.ticketNumber !== null) fan.record.ticketNumber = snap.ticketNumber;
    if (snap.token) state.token ??= snap.token;
    if (snap.soldOut) state.soldOutSince ??= Date.now();
    state.wake?.();
  });
}

function connect(socketUrl: SocketUrl, fan: FanHandle, attempt: number): Socket {
  // No built-in reconnection: it would knock on the same (maybe dead) node; listen() moves on.
  return io(`${socketUrl(fan, attempt)}/queue`, {
    transports: ['websocket'],
    auth: { token: fan.token },
    forceNew: true,
    reconnection: false,
  });
}

/** The page's socket: pushes in, and a new connection — to the next node — whenever this one drops. */
function listen(socketUrl: SocketUrl, fan: FanHandle, state: FanQueueState): void {
  const socket = state.socket!;
  // Every (re)connect asks again: a push missed while disconnected is in the snapshot.
  socket.on('connect', () => watch(fan, state));
  socket.on('admitted', (push: QueueAdmittedWire) => {
    if (push.eventId !== fan.eventId) return;
    fan.latency('push', Date.now() - push.emittedAt);
    fan.record.ticketNumber = push.ticketNumber;
    state.token ??= push.token;
    state.wake?.();
  });
  // The draw gave every pre-queue entry its number: ask for ours, as the page does.
  socket.on('drawn', () => watch(fan, state));
  // The cursor has passed our number and no `admitted` came (a push lost while Redis or a
  // node restarted): ask where we stand, as the page does, instead of waiting forever.
  socket.on('cursor', (push: { eventId: string; cursor: number }) => {
    const mine = fan.record.ticketNumber;
    if (push.eventId === fan.eventId && !state.token && mine !== null && mine > 0 && push.cursor >= mine)
      watch(fan, state);
  });
  socket.on('soldout', () => void (state.soldOutSince ??= Date.now()));
  socket.on('available', () => void (state.soldOutSince = null));
  socket.on('closed', () => {
    state.closed = true;
    state.wake?.();
  });
  const failover = () => {
    socket.removeAllListeners();
    socket.close();
    if (state.left) return;
    setTimeout(() => {
      if (state.left) return;
      state.attempt++;
      state.socket = connect(socketUrl, fan, state.attempt);
      listen(socketUrl, fan, state);
    }, SOCKET_FAILOVER_MS);
  };
  socket.on('connect_error', failover);
  socket.on('disconnect', (reason) => {
    // The server or the network dropped us (a node died): another node. Our own close() is not a failure.
    if (reason !== 'io client disconnect') failover();
  });
}

/** One GET …/queue/me, as the page's fallback does: If-None-Match, and whatever it says taken in. */
async function poll(
  fan: FanHandle,
  state: FanQueueState,
  pacing: PollPacing,
  seenBy: 'poll' | null = 'poll',
): Promise<{ snap: QueueSnapshotWire | null; headers: Record<string, string | string[] | undefined> }> {
  const res = await fan.api.call<QueueSnapshotWire>('GET', `/v1/events/${fan.eventId}/queue/me`, undefined, {
    token: fan.token,
    headers: state.etag ? { 'if-none-match': state.etag } : {},
  });
  fan.polled(res.status);
  fan.latency('queueMe', res.ms);
  if (res.status === 304) return { snap: state.last, headers: res.headers };
  if (res.status !== 200) {
    fan.error('queue_me', res.code ?? `http_${res.status}`);
    return { snap: null, headers: res.headers };
  }
  const snap = res.body;
  state.last = snap;
  const etag = res.headers.etag;
  state.etag = typeof etag === 'string' ? etag : null;
  if (snap.ticketNumber !== null) fan.record.ticketNumber = snap.ticketNumber;
  if (snap.token && !state.token) {
    state.token = snap.token;
    // Admission → the fan knows: the token was minted a TTL before it expires (one machine, one clock).
    if (snap.tokenExpiresAt !== null && seenBy)
      fan.latency(seenBy, Math.max(0, Date.now() - (snap.tokenExpiresAt - pacing.tokenTtlMs)));
  }
  if (snap.soldOut) state.soldOutSince ??= Date.now();
  else state.soldOutSince = null;
  if (snap.phase === 'closed') state.closed = true;
  return { snap, headers: res.headers };
}

/** Admitted (with its token), refused (the room closed), sold out past the linger, or null: keep waiting. */
function verdict(fan: FanHandle, state: FanQueueState): AdmissionResult | null {
  if (state.token) {
    fan.record.admittedAt = Date.now();
    return { admitted: true, purchaseToken: state.token };
  }
  if (state.closed) return { admitted: false, reason: 'refused' };
  if (state.soldOutSince !== null && Date.now() - state.soldOutSince > SOLD_OUT_LINGER_MS)
    return { admitted: false, reason: 'sold_out' };
  return null;
}

/** A socket fan: pushes in; while its socket is down, the page's poll every POLL_MS. */
async function waitOnSocket(fan: FanHandle, state: FanQueueState, pacing: PollPacing): Promise<AdmissionResult> {
  let lastPoll = Date.now();
  while (Date.now() < fan.deadline) {
    const done = verdict(fan, state);
    if (done) return done;
    if (!state.socket?.connected && Date.now() - lastPoll > POLL_MS) {
      lastPoll = Date.now();
      await poll(fan, state, pacing);
    }
    // Woken by a push that changed something (token, closed), else once a second for the
    // linger, the deadline and a dropped socket. A 50 ms loop per fan would cost tens of
    // thousands of timer wake-ups a second per fan process at 100,000 fans, starving the purchases.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        state.wake = null;
        resolve();
      }, SOCKET_WAIT_TICK_MS);
      state.wake = () => {
        clearTimeout(timer);
        state.wake = null;
        resolve();
      };
    });
  }
  return { admitted: false, reason: 'timeout' };
}

/**
 * A fan over the sockets budget: it knows from its join that it is in the pre-queue and when
 * the sale opens (the page shows the time), so it first asks once the lottery is drawn, at a
 * moment of its own in the window the server's Retry-After spreads the pre-queue over
 * (drawReturnWindowSeconds: what a page that polled in the last minute before the draw is
 * told; --poll-max-seconds caps it); then as its ETA says (nextPollMs), until it has its
 * token, is told sold out or the room closes.
 */
async function waitByPolling(fan: FanHandle, state: FanQueueState, pacing: PollPacing): Promise<AdmissionResult> {
  let wait: number;
  if (fan.record.ticketNumber === null) {
    const start = await Promise.race([
      fan.saleStart,
      sleep(fan.deadline - Date.now()).then(() => ({ at: fan.deadline, returnWindowMs: 0 })),
    ]);
    wait = start.at - Date.now() + DRAW_RETURN_DELAY_MS + Math.random() * Math.min(pacing.maxMs, start.returnWindowMs);
  } else {
    wait = 0; // joined after the draw: the page asks where it stands at once
  }
  while (Date.now() < fan.deadline) {
    await sleep(Math.min(wait, fan.deadline - Date.now()));
    if (Date.now() >= fan.deadline) break;
    const { snap, headers } = await poll(fan, state, pacing);
    const done = verdict(fan, state);
    if (done) return done;
    // Told sold out: one more look after the linger (seats may come back), then home.
    wait = state.soldOutSince !== null ? SOLD_OUT_LINGER_MS + 100 : nextPollMs(snap, headers, pacing.maxMs);
  }
  return verdict(fan, state) ?? { admitted: false, reason: 'timeout' };
}

/** The kinds of the "your turn" pushes (src/notifications/turn-notices.repository.ts), as the wire names them. */
const TURN_KIND = 'queue.your_turn';
const TURN_REMINDER_KIND = 'queue.your_turn_reminder';
/** A reminder brings an away fan back at once: this long to unlock the phone and open it. */
const REMINDER_GLANCE_MS = 2_000;

/** The deployment's VAPID public key (GET /v1/push/key); null when it sends no Web Push. */
async function publicKeyOf(fan: FanHandle): Promise<string | null> {
  const res = await fan.api.call<{ publicKey: string }>('GET', '/v1/push/key');
  if (res.status === 200) return res.body.publicKey;
  fan.error('push_key', res.code ?? `http_${res.status}`);
  return null;
}

/** POST /v1/me/push-subscriptions with the fan's device, pointing at the simulator's receiver. */
async function subscribePush(fan: FanHandle, inbox: PushInbox): Promise<void> {
  const res = await fan.api.call(
    'POST',
    '/v1/me/push-subscriptions',
    { ...inbox.subscribe(fan.record.index), label: 'drop simulator' },
    { token: fan.token, idempotencyKey: true },
  );
  if (res.status !== 201) fan.error('push_subscribe', res.code ?? `http_${res.status}`);
}

/**
 * An away fan: no socket, no polling. It acts `reactMs` after the "your turn" push arrives, or
 * REMINDER_GLANCE_MS after the reminder if that comes first: one GET …/queue/me for the pass,
 * then on to the hold like everyone. Every `awayLookMs` without a push it glances at the page
 * (one queue/me): a sell-out or a closed room sends it home, a pass it was not pushed is taken.
 * A fan who never acts lets its pass lapse (`pass_expired`).
 */
async function waitAway(
  fan: FanHandle,
  state: FanQueueState,
  pacing: PollPacing,
  inbox: PushInbox | null,
): Promise<AdmissionResult> {
  const reactMs = fan.away!.reactMs;
  const record = fan.record;
  record.waitedBy = 'push';
  let actAt: number | null = null;
  let prompt: 'turn' | 'reminder' | 'look' | null = null;
  let turnAt: number | null = null;
  let passEndsAt: number | null = null;
  let nextLook = Date.now() + pacing.awayLookMs * (0.5 + Math.random());
  while (Date.now() < fan.deadline) {
    // A fan about to act waits for that moment even past its pass (it finds the pass lapsed);
    // one that will not act waits for its pass to end.
    const wakeAt = Math.min(fan.deadline, actAt ?? passEndsAt ?? Infinity, nextLook);
    const notice = inbox ? await inbox.next(record.index, wakeAt) : await sleep(wakeAt - Date.now()).then(() => null);
    if (notice) {
      if (notice.kind === TURN_KIND && turnAt === null) {
        turnAt = record.noticedAt = notice.receivedAt;
        passEndsAt = notice.receivedAt + pacing.tokenTtlMs;
        if (reactMs !== null && actAt === null) [actAt, prompt] = [notice.receivedAt + reactMs, 'turn'];
      } else if (notice.kind === TURN_REMINDER_KIND && reactMs !== null) {
        const back = notice.receivedAt + Math.min(reactMs, REMINDER_GLANCE_MS);
        if (actAt === null || back < actAt) [actAt, prompt] = [back, 'reminder'];
      }
      continue;
    }
    const now = Date.now();
    if (actAt !== null && now >= actAt) {
      const { snap } = await poll(fan, state, pacing, null);
      record.reactedTo = prompt;
      if (state.token && snap?.tokenExpiresAt && turnAt !== null)
        fan.latency('notice', Math.max(0, turnAt - (snap.tokenExpiresAt - pacing.tokenTtlMs)));
      const done = verdict(fan, state);
      if (done) return done;
      if (snap?.status === 'expired') return { admitted: false, reason: 'pass_expired' };
      actAt = null; // nothing to act on yet (a push ahead of its pass): wait for the next
    }
    if (passEndsAt !== null && now >= passEndsAt && actAt === null) return { admitted: false, reason: 'pass_expired' };
    if (now >= nextLook) {
      nextLook = now + pacing.awayLookMs;
      const { snap } = await poll(fan, state, pacing, null);
      if (state.token && reactMs === null) {
        // Seen, not acted on: the pass runs out like a pushed one.
        state.token = null;
        passEndsAt ??= snap?.tokenExpiresAt ?? now + pacing.tokenTtlMs;
        continue;
      }
      if (state.token) record.reactedTo = 'look';
      if (state.token || state.closed) return verdict(fan, state)!;
      if (state.soldOutSince !== null) return { admitted: false, reason: 'sold_out' };
      if (snap?.status === 'expired') return { admitted: false, reason: 'pass_expired' };
    }
  }
  return { admitted: false, reason: 'timeout' };
}
