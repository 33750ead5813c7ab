import { z } from 'zod';

/**
 * The socket.io contract, shared by the server, the workers that broadcast, and the pages.
 * Rooms: `user:<accountId>` (a fan's own news, every tab and device), `session:<sessionId>` (the
 * sockets opened with one sign-in, disconnected when it ends) and `event:<eventId>` (what
 * everyone looking at one event sees). Payloads from clients are zod-parsed like HTTP bodies.
 */

export const userRoom = (userId: string) => `user:${userId}`;
export const sessionRoom = (sessionId: string) => `session:${sessionId}`;
export const eventRoom = (eventId: string) => `event:${eventId}`;

/**
 * The namespaces whose handshake reads the session (`/` optionally, `/queue` always): a session
 * that ends, or an account that changes, disconnects its sockets in each of them.
 */
export const sessionNamespaces = ['/', '/queue'] as const;

export interface NotificationPush {
  id: number;
  kind: string;
  title: string;
  body: string;
  createdAt: string;
  data: Record<string, unknown>;
}

export interface AvailabilityPush {
  eventId: string;
  remaining: number;
  status: string;
}

export interface ServerToClientEvents {
  notification: (push: NotificationPush) => void;
  availability: (push: AvailabilityPush) => void;
}

export const subscribePayload = z.object({ eventId: z.uuid() });
export type Ack = (answer: { ok: true } | { ok: false; code: string; detail: string }) => void;

export interface ClientToServerEvents {
  /** Follow an event's public room (availability, sold out, changes). */
  subscribe: (payload: z.input<typeof subscribePayload>, ack?: Ack) => void;
  unsubscribe: (payload: z.input<typeof subscribePayload>, ack?: Ack) => void;
}

export interface SocketData {
  userId: string | null;
  /** The sign-in the socket was opened with, and when it expires (ms since the epoch); null for an anonymous socket. */
  sessionId: string | null;
  expiresAt: number | null;
}

/**
 * The `/queue` namespace (authenticated): a fan's waiting-room page. The scheduler sends one
 * `cursor` per event per tick to `event:<id>` (never one message per fan per tick) and
 * `admitted` to the admitted fan's `user:<id>` room only.
 */
export type QueuePhase = 'prequeue' | 'drawing' | 'live' | 'paused' | 'closed';

export interface QueueCursorPush {
  eventId: string;
  /** The last ticket number admitted: a fan's position is their ticket number minus this. */
  cursor: number;
  /** Admissions per minute, measured over the last minute of ticks. */
  ratePerMinute: number;
  phase: QueuePhase;
  soldOut: boolean;
  /** Server time of the tick, ms since the epoch. */
  at: number;
}

export interface QueueAdmittedPush {
  eventId: string;
  entryId: string;
  ticketNumber: number;
  /** The purchase token: send it with POST /v1/holds before it expires. */
  token: string;
  expiresAt: number;
  /** When the scheduler sent it (ms since the epoch), so a page can show how fresh it is. */
  emittedAt: number;
}

export interface QueueStatusPush {
  eventId: string;
  phase: QueuePhase;
  soldOut: boolean;
  at: number;
}

export interface QueueSnapshot {
  eventId: string;
  phase: QueuePhase;
  joined: boolean;
  entryId: string | null;
  ticketNumber: number | null;
  cursor: number;
  position: number | null;
  /** Seconds until admission at the measured rate; null when unknown. */
  eta: number | null;
  status: 'not_joined' | 'entered' | 'waiting' | 'admitted' | 'purchasing' | 'expired';
  token: string | null;
  tokenExpiresAt: number | null;
  soldOut: boolean;
}

export interface QueueServerToClient {
  cursor: (push: QueueCursorPush) => void;
  admitted: (push: QueueAdmittedPush) => void;
  soldout: (push: QueueStatusPush) => void;
  /** Seats came back after a sell-out: admission resumes. */
  available: (push: QueueStatusPush) => void;
  /** The draw is done: every pre-queue entry now has a ticket number (ask for it with `watch`). */
  drawn: (push: QueueStatusPush & { drawSize: number }) => void;
  paused: (push: QueueStatusPush) => void;
  resumed: (push: QueueStatusPush) => void;
  closed: (push: QueueStatusPush) => void;
}

export const watchPayload = z.object({ eventId: z.uuid() }).strict();
export type WatchAck = (
  answer: { ok: true; snapshot: QueueSnapshot } | { ok: false; code: string; detail: string },
) => void;

export interface QueueClientToServer {
  /** Follow one event's waiting room: joins `event:<id>` and answers a snapshot of where I stand. */
  watch: (payload: z.input<typeof watchPayload>, ack?: WatchAck) => void;
  unwatch: (payload: z.input<typeof watchPayload>, ack?: Ack) => void;
}
