import type { EventStatus } from '../catalog/vocabulary.js';
import type { OnsaleMode, OnsaleState } from './vocabulary.js';

/**
 * Where an event's sale stands: the one answer the event page, the waiting-room page and the
 * organizer console all show. Every reader gets it from `salePhase`, on the server, from the
 * event, its on-sale and (for a queue sale) its waiting room; no page works it out again from
 * the parts, so a fan and the organizer can never be told two different things.
 *
 *   draft       not published: only its organizer (and admins) can see it
 *   announced   published, no on-sale window yet
 *   scheduled   the window is set; nothing to do yet (the waiting room or the sale opens later)
 *   prequeue    the waiting room is open; the draw is at the sale's start
 *   drawing     the sale has started and the lottery is numbering the waiting room
 *   admitting   queue sale: the draw is done and numbers are admitted in order (late joiners after)
 *   on_sale     open sale: anyone signed in can buy now
 *   paused      the organizer paused the sale; fans keep their places
 *   sold_out    nothing left to buy right now (held seats that expire come back)
 *   ended       the sale is over: closed, past its end, or the event has begun
 *   postponed   moved to another date; sales stop until the organizer reopens them
 *   cancelled   cancelled: tickets revoked, orders refunded
 *   completed   the event has taken place
 */
export const salePhases = [
  'draft',
  'announced',
  'scheduled',
  'prequeue',
  'drawing',
  'admitting',
  'on_sale',
  'paused',
  'sold_out',
  'ended',
  'postponed',
  'cancelled',
  'completed',
] as const;
export type SalePhase = (typeof salePhases)[number];

/** The phases in which a fan can buy now (a queue sale: with the pass the waiting room gives). */
export const sellingPhases: readonly SalePhase[] = ['admitting', 'on_sale'];

/** The waiting room's own state (queue/ types), as far as the phase needs it. */
export interface RoomFacts {
  phase: 'prequeue' | 'drawing' | 'live' | 'paused' | 'closed';
  soldOut: boolean;
  /** When the draw finished (ms since the epoch); null before. */
  drawnAt: number | null;
  /** Entries that were in the draw. */
  drawSize: number;
}

/** Reads an event's waiting room; null when it has none (not opened, or an open sale). */
export interface RoomReader {
  roomFacts(eventId: string): Promise<RoomFacts | null>;
}

export interface PhaseInput {
  event: { status: EventStatus | string; startsAt: Date | string };
  onsale: {
    mode: OnsaleMode;
    state: OnsaleState;
    prequeueOpensAt: Date | string | null;
    saleStartsAt: Date | string;
    saleEndsAt: Date | string | null;
  } | null;
  /** Tickets left (seats free plus GA places not held or sold) and the event's capacity. */
  stock: { remaining: number; capacity: number };
  /**
   * The waiting room, when it was read: null when there is none, undefined when it was not read
   * (a list of many events, or Redis did not answer). Unread, a queue sale past its start counts
   * as admitting: the scheduler draws within a tick of the start.
   */
  room?: RoomFacts | null | undefined;
  now: Date | number;
}

/** The on-sale columns a listing query selects (see console.repository.ts, discovery.repository.ts). */
export interface OnsaleColumns {
  onsale_mode: OnsaleMode | null;
  onsale_state: OnsaleState | null;
  prequeue_opens_at: string | null;
  sale_starts_at: string | null;
  sale_ends_at: string | null;
}

/** A listing row's on-sale as the phase reads it; null when the event has none. */
export function onsaleOfRow(row: OnsaleColumns): PhaseInput['onsale'] {
  if (!row.onsale_mode || !row.onsale_state || !row.sale_starts_at) return null;
  return {
    mode: row.onsale_mode,
    state: row.onsale_state,
    prequeueOpensAt: row.prequeue_opens_at,
    saleStartsAt: row.sale_starts_at,
    saleEndsAt: row.sale_ends_at,
  };
}

/** The sale's phase with the moments and numbers the pages put in words. */
export interface SaleView {
  phase: SalePhase;
  mode: OnsaleMode | null;
  /** When fans can first act: the waiting room's opening (queue) or the sale's start (open). */
  opensAt: string | null;
  /** The sale's start: for a queue sale, the draw. */
  startsAt: string | null;
  endsAt: string | null;
  /** The draw, once done: when, and how many entries it numbered (late joiners come after them). */
  drawnAt: string | null;
  drawSize: number | null;
}

const ms = (at: Date | string | number) =>
  at instanceof Date ? at.getTime() : typeof at === 'number' ? at : Date.parse(at);
const iso = (at: Date | string | null) => (at === null ? null : new Date(ms(at)).toISOString());

/** The sale's phase: the rules in the order they win (a cancelled event is cancelled, whatever its window says). */
export function salePhase({ event, onsale, stock, room, now }: PhaseInput): SalePhase {
  const t = ms(now);
  switch (event.status) {
    case 'draft':
    case 'cancelled':
    case 'completed':
    case 'postponed':
      return event.status;
  }
  // Nobody buys a ticket for a show that has begun: the window may say otherwise, the page must not.
  if (t >= ms(event.startsAt)) return 'ended';
  if (event.status === 'sold_out' || room?.soldOut || (stock.capacity > 0 && stock.remaining <= 0)) return 'sold_out';
  if (!onsale) return 'announced';
  if (onsale.state === 'closed' || room?.phase === 'closed') return 'ended';
  if (onsale.saleEndsAt !== null && t >= ms(onsale.saleEndsAt)) return 'ended';
  const saleStart = ms(onsale.saleStartsAt);
  const opens = onsale.mode === 'queue' && onsale.prequeueOpensAt !== null ? ms(onsale.prequeueOpensAt) : saleStart;
  if (t < opens) return 'scheduled';
  // Before the start a paused queue sale still takes entries: the pause holds admission, not joining.
  if (t < saleStart) return 'prequeue';
  if (onsale.state === 'paused' || room?.phase === 'paused') return 'paused';
  if (onsale.mode === 'open') return 'on_sale';
  return room && (room.phase === 'prequeue' || room.phase === 'drawing') ? 'drawing' : 'admitting';
}

/** The phase with its moments, as the APIs return it (`sale`); null `onsale`: nothing but the phase. */
export function saleView(input: PhaseInput): SaleView {
  const { onsale, room } = input;
  const drawn = onsale?.mode === 'queue' && room?.drawnAt ? room : null;
  return {
    phase: salePhase(input),
    mode: onsale?.mode ?? null,
    opensAt: onsale
      ? iso(onsale.mode === 'queue' ? (onsale.prequeueOpensAt ?? onsale.saleStartsAt) : onsale.saleStartsAt)
      : null,
    startsAt: onsale ? iso(onsale.saleStartsAt) : null,
    endsAt: onsale ? iso(onsale.saleEndsAt) : null,
    drawnAt: drawn ? new Date(drawn.drawnAt!).toISOString() : null,
    drawSize: drawn ? drawn.drawSize : null,
  };
}

/**
 * Whether the phase depends on the waiting room right now: a queue sale whose room may be open
 * and whose fate is not settled by the event or the window alone. Only these cost a room read.
 */
export function needsRoom(input: Omit<PhaseInput, 'room'>): boolean {
  const { event, onsale } = input;
  if (!onsale || onsale.mode !== 'queue' || onsale.state === 'closed' || onsale.prequeueOpensAt === null) return false;
  if (!['scheduled', 'on_sale', 'sold_out'].includes(event.status)) return false;
  const t = ms(input.now);
  return t >= ms(onsale.prequeueOpensAt) && (onsale.saleEndsAt === null || t < ms(onsale.saleEndsAt));
}

/** Reads the room only when the phase depends on it, and never lets a failed read fail the answer. */
export async function readRoom(
  reader: RoomReader | undefined,
  eventId: string,
  input: Omit<PhaseInput, 'room'>,
): Promise<RoomFacts | null | undefined> {
  if (!reader || !needsRoom(input)) return undefined;
  return reader.roomFacts(eventId).catch(() => undefined);
}
