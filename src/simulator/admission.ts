import { io, type Socket } from 'socket.io-client';
import type { Api } from './http.js';
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
  latency(metric: LatencyMetric, ms: number): void;
  error(endpoint: string, code: string): void;
}

export type AdmissionResult =
  | { admitted: true; purchaseToken: string | null }
  | { admitted: false; reason: 'sold_out' | 'timeout' | 'refused' | 'error' };

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
  soldOut: boolean;
  phase: string;
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

const POLL_MS = 5_000;
/** A fan told "sold out" lingers this long for seats coming back (`available`) before leaving. */
const SOLD_OUT_LINGER_MS = 10_000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Pause before a socket tries the next node: a dead node refuses at once, and a tight loop would spin. */
const SOCKET_FAILOVER_MS = 500;

interface FanQueueState {
  socket: Socket;
  /** Connections tried so far; the URL function picks a node from it (the next one after a failure). */
  attempt: number;
  token: string | null;
  soldOutSince: number | null;
  closed: boolean;
  /** The fan is done: no more reconnects. */
  left: boolean;
}

export function queueAdmission(socketUrl: (fan: FanHandle, attempt: number) => string): AdmissionStrategy {
  const states = new Map<number, FanQueueState>();

  /** The page's `watch`: joins the event's room and answers where the fan stands (ticket number, token). */
  const watch = (fan: FanHandle, state: FanQueueState) => {
    state.socket.emit('watch', { eventId: fan.eventId }, (answer: WatchAnswer) => {
      if (!answer.ok) return fan.error('queue_watch', answer.code);
      const snap = answer.snapshot;
      if (snap.ticketNumber !== null) fan.record.ticketNumber = snap.ticketNumber;
      if (snap.token) state.token ??= snap.token;
      if (snap.soldOut) state.soldOutSince ??= Date.now();
    });
  };

  const connect = (fan: FanHandle, attempt: number) =>
    // No built-in reconnection: it would knock on the same (maybe dead) node; listen() moves on.
    io(`${socketUrl(fan, attempt)}/queue`, { transports: ['websocket'], auth: { token: fan.token }, forceNew: true, reconnection: false });

  /** The page's socket: pushes in, and a new connection — to the next node — whenever this one drops. */
  const listen = (fan: FanHandle, state: FanQueueState) => {
    const { socket } = state;
    // Every (re)connect asks again: a push missed while disconnected is in the snapshot.
    socket.on('connect', () => watch(fan, state));
    socket.on('admitted', (push: QueueAdmittedWire) => {
      if (push.eventId !== fan.eventId) return;
      fan.latency('push', Date.now() - push.emittedAt);
      fan.record.ticketNumber = push.ticketNumber;
      state.token ??= push.token;
    });
    // The draw gave every pre-queue entry its number: ask for ours, as the page does.
    socket.on('drawn', () => watch(fan, state));
    // The cursor has passed our number and no `admitted` came (a push lost while Redis or a
    // node restarted): ask where we stand, as the page does, instead of waiting forever.
    socket.on('cursor', (push: { eventId: string; cursor: number }) => {
      const mine = fan.record.ticketNumber;
      if (push.eventId === fan.eventId && !state.token && mine !== null && mine > 0 && push.cursor >= mine) watch(fan, state);
    });
    socket.on('soldout', () => void (state.soldOutSince ??= Date.now()));
    socket.on('available', () => void (state.soldOutSince = null));
    socket.on('closed', () => void (state.closed = true));
    const failover = () => {
      socket.removeAllListeners();
      socket.close();
      if (state.left) return;
      setTimeout(() => {
        if (state.left) return;
        state.attempt++;
        state.socket = connect(fan, state.attempt);
        listen(fan, state);
      }, SOCKET_FAILOVER_MS);
    };
    socket.on('connect_error', failover);
    socket.on('disconnect', (reason) => {
      // The server or the network dropped us (a node died): another node. Our own close() is not a failure.
      if (reason !== 'io client disconnect') failover();
    });
  };

  return {
    async join(fan) {
      const path = `/v1/events/${fan.eventId}/queue`;
      // A join is idempotent per account (one entry each): a retry after a lost answer finds the same entry.
      for (let attempt = 0; attempt < 4 && Date.now() < fan.deadline; attempt++) {
        const res = await fan.api.call<QueueJoinWire>('POST', path, {}, { token: fan.token, idempotencyKey: true });
        fan.latency('join', res.ms);
        if (res.status === 200 || res.status === 201) {
          // A bot joining many times must get its first entry back, never a second one.
          if (fan.record.entryId !== null && fan.record.entryId !== res.body.entryId) fan.error('join', 'simulator.second_entry_for_account');
          fan.record.joinedAt ??= res.body.joinedAt ?? Date.now();
          fan.record.entryId ??= res.body.entryId;
          fan.record.ticketNumber ??= res.body.ticketNumber;
          if (states.has(fan.record.index)) return true;
          const state: FanQueueState = { socket: connect(fan, 0), attempt: 0, token: null, soldOutSince: null, closed: false, left: false };
          states.set(fan.record.index, state);
          listen(fan, state);
          return true;
        }
        fan.error('join', res.code ?? `http_${res.status}`);
        if (res.status !== 0 && res.status !== 429 && res.status < 500) return false;
        await sleep(250 * 2 ** attempt);
      }
      return false;
    },

    async admit(fan) {
      const state = states.get(fan.record.index);
      if (!state) return { admitted: false, reason: 'refused' };
      const me = `/v1/events/${fan.eventId}/queue/me`;
      let lastPoll = Date.now();
      while (Date.now() < fan.deadline) {
        if (state.token) {
          fan.record.admittedAt = Date.now();
          return { admitted: true, purchaseToken: state.token };
        }
        if (state.closed) return { admitted: false, reason: 'refused' };
        if (state.soldOutSince !== null && Date.now() - state.soldOutSince > SOLD_OUT_LINGER_MS) return { admitted: false, reason: 'sold_out' };
        // The fallback a page has when its socket is down: ask where it stands.
        if (!state.socket.connected && Date.now() - lastPoll > POLL_MS) {
          lastPoll = Date.now();
          const res = await fan.api.call<QueueSnapshotWire>('GET', me, undefined, { token: fan.token });
          if (res.status === 200) {
            if (res.body.ticketNumber !== null) fan.record.ticketNumber = res.body.ticketNumber;
            if (res.body.token) state.token ??= res.body.token;
            if (res.body.soldOut) state.soldOutSince ??= Date.now();
          } else {
            fan.error('queue_me', res.code ?? `http_${res.status}`);
          }
        }
        await sleep(50);
      }
      return { admitted: false, reason: 'timeout' };
    },

    leave(fan) {
      const state = states.get(fan.record.index);
      if (state) state.left = true;
      state?.socket.close();
      states.delete(fan.record.index);
    },
  };
}
