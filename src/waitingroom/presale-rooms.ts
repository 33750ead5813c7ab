import type { QueueSale } from '../sales/onsale.repository.js';

/**
 * A waiting room's on-sale. The engine (queue/) knows rooms by id only: the general sale's room
 * is its event's id; a presale window's room is the window's id, with the window's times in
 * place of the on-sale's and the event's seats behind it (`stockEventId`).
 */
export interface RoomSale extends QueueSale {
  /** The event whose seats this room sells; absent: `eventId`, the room is the event's own. */
  stockEventId?: string;
  /** A presale window's room: its opening and end are the window's, its entrants only those the window lets in. */
  presale?: boolean;
}

/** The event whose seats a room sells. */
export const stockOf = (sale: RoomSale): string => sale.stockEventId ?? sale.eventId;

/** What the waiting room needs of presale windows (src/presales implements it; wired in src/app.ts and the worker). */
export interface PresaleRooms {
  /** The room of a presale window, or undefined when `roomId` is no window's. */
  find(roomId: string): Promise<RoomSale | undefined>;
  /** Queue-mode windows whose pre-queue time has come and that are not closed: the scheduler ticks them. */
  active(now: Date): Promise<RoomSale[]>;
  /** Throws the presale's refusal when this account may not enter the window's room. */
  assertMayJoin(roomId: string, userId: string): Promise<void>;
  /** Windows' rooms that may still owe receipts (open, or closed within the last day). */
  receiptRooms(now: Date): Promise<string[]>;
  /** The window's end came: it is closed for good. */
  close(roomId: string): Promise<void>;
}
