import { z } from 'zod';

/**
 * The socket.io contract, shared by the server, the workers that broadcast, and the pages.
 * Rooms: `user:<accountId>` (a fan's own news, every tab and device) and `event:<eventId>`
 * (what everyone looking at one event sees). Payloads from clients are zod-parsed like HTTP bodies.
 */

export const userRoom = (userId: string) => `user:${userId}`;
export const eventRoom = (eventId: string) => `event:${eventId}`;

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
}
