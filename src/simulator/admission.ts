import { performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import type { ApiClient } from './http.js';
import type { FanRecord, LatencyMetric } from './types.js';

/**
 * How a fan gets the right to hold seats. Open mode: at once. Queue mode: join the waiting room,
 * wait on the `/queue` socket namespace for the admission push (with a poll of `queue/me` as
 * the fallback a real page has), and hold with the purchase token it delivers.
 *
 * The queue strategy is written against the waiting-room contract as announced for the
 * integration (POST /v1/events/:id/queue, GET /v1/events/:id/queue/me, the `/queue` namespace
 * with `admitted` and `soldout`); the field names it reads are gathered in `QueueWire` below so
 * adjusting to the routes as they land touches this file only.
 */

export interface FanHandle {
  api: ApiClient;
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

/** The waiting room's answers as the simulator reads them. */
interface QueueWire {
  join: { entryId: string; ticketNumber: number | null; position: number | null; joinedAt: number };
  me: { entryId: string; ticketNumber: number | null; admitted?: boolean; purchaseToken?: string | null; phase?: string; soldOut?: boolean };
  admitted: { entryId?: string; ticketNumber?: number; token: string; expiresAt?: number; emittedAt?: number };
}

const POLL_MS = 2_000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function queueAdmission(socketUrl: (fan: FanHandle) => string): AdmissionStrategy {
  const sockets = new Map<number, Socket>();
  const pushed = new Map<number, QueueWire['admitted']>();
  const soldOut = new Set<number>();

  return {
    async join(fan) {
      const path = `/v1/events/${fan.eventId}/queue`;
      // A join is idempotent per account: a retry after a lost answer finds the same entry.
      for (let attempt = 0; attempt < 4 && Date.now() < fan.deadline; attempt++) {
        const res = await fan.api.call<QueueWire['join']>('POST', path, {}, { token: fan.token, idempotencyKey: `join-${fan.userId}` });
        fan.latency('join', res.ms);
        if (res.status === 200 || res.status === 201) {
          fan.record.joinedAt = res.body.joinedAt ?? Date.now();
          fan.record.entryId = res.body.entryId;
          fan.record.ticketNumber = res.body.ticketNumber;
          const socket = io(`${socketUrl(fan)}/queue`, { transports: ['websocket'], auth: { token: fan.token }, forceNew: true, reconnection: true });
          socket.on('admitted', (push: QueueWire['admitted']) => {
            const received = Date.now();
            if (push.emittedAt) fan.latency('push', received - push.emittedAt);
            pushed.set(fan.record.index, push);
          });
          socket.on('soldout', () => soldOut.add(fan.record.index));
          sockets.set(fan.record.index, socket);
          return true;
        }
        fan.error('join', res.code ?? `http_${res.status}`);
        if (res.status < 500 && res.status !== 0 && res.status !== 429) return false;
        await sleep(250 * 2 ** attempt);
      }
      return false;
    },

    async admit(fan) {
      const me = `/v1/events/${fan.eventId}/queue/me`;
      let lastPoll = performance.now();
      while (Date.now() < fan.deadline) {
        const push = pushed.get(fan.record.index);
        if (push) {
          fan.record.admittedAt = Date.now();
          if (push.ticketNumber !== undefined) fan.record.ticketNumber = push.ticketNumber;
          return { admitted: true, purchaseToken: push.token };
        }
        if (soldOut.has(fan.record.index)) return { admitted: false, reason: 'sold_out' };
        // The fallback a real page has when its socket drops: ask where it stands.
        if (performance.now() - lastPoll > POLL_MS) {
          lastPoll = performance.now();
          const res = await fan.api.call<QueueWire['me']>('GET', me, undefined, { token: fan.token });
          if (res.status === 200) {
            if (res.body.purchaseToken) {
              fan.record.admittedAt = Date.now();
              return { admitted: true, purchaseToken: res.body.purchaseToken };
            }
            if (res.body.soldOut) return { admitted: false, reason: 'sold_out' };
          } else {
            fan.error('queue_me', res.code ?? `http_${res.status}`);
          }
        }
        await sleep(50);
      }
      return { admitted: false, reason: 'timeout' };
    },

    leave(fan) {
      sockets.get(fan.record.index)?.close();
      sockets.delete(fan.record.index);
      pushed.delete(fan.record.index);
    },
  };
}
