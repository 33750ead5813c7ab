import type { QueueAdmittedPush, QueueCursorPush, QueuePhase, QueueSnapshot } from '../../../src/realtime/events.js';
import { silent, type StatusLine } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import type { Me } from '../lib/layout.js';
import type { SalePhase, SaleView } from '../lib/sale-phase.js';

/**
 * The waiting room's state and the actions that change it (see lib/store.ts). Where the fan
 * stands comes from the server (a snapshot on every (re)connect, pushes between), so a reload
 * or a second tab shows the same.
 */

export interface EventInfo {
  id: string;
  title: string;
  startsAt: { utc: string; timeZone: string };
  /** Where the sale stands, as the server decides it (src/sales/phase.ts); read again when the room changes. */
  phase: SalePhase;
  sale: SaleView;
}

export interface Lottery {
  commitment: string;
  prequeueSize: number;
  drawSize: number | null;
  seed: string | null;
}

export type Connection = 'connecting' | 'live' | 'reconnecting' | 'signed_out';

export interface QueueState {
  eventId: string;
  event: EventInfo | null;
  /** Why the event could not be loaded; the page then says only that. */
  loadError: string | null;
  /** The draw's public data; 'unpublished' until the waiting room opens. */
  lottery: Lottery | 'unpublished' | null;
  /** Where this fan stands, as the server last said. */
  snapshot: QueueSnapshot | null;
  connection: Connection;
  /** The join button's status line. */
  join: StatusLine;
  /** Set when the room asks for a confirmed address and this account has not confirmed one. */
  verifyFirst: Me | null;
  /** The "your turn" chime. */
  muted: boolean;
  /** The clock the countdowns read (ms since the epoch), ticking every second. */
  now: number;
}

export const initialState = (eventId: string, muted: boolean, now: number): QueueState => ({
  eventId,
  event: null,
  loadError: null,
  lottery: null,
  snapshot: null,
  connection: 'connecting',
  join: silent,
  verifyFirst: null,
  muted,
  now,
});

/** A change to the snapshot, when there is one: pushes before the first snapshot change nothing. */
const patch = (s: QueueState, change: (snapshot: QueueSnapshot) => Partial<QueueSnapshot>): QueueState =>
  s.snapshot ? { ...s, snapshot: { ...s.snapshot, ...change(s.snapshot) } } : s;

export const actions = {
  eventLoaded: (s: QueueState, event: EventInfo): QueueState => ({ ...s, event }),
  loadFailed: (s: QueueState, message: string): QueueState => ({ ...s, loadError: message }),
  lotteryLoaded: (s: QueueState, lottery: Lottery): QueueState => ({ ...s, lottery }),
  lotteryUnpublished: (s: QueueState): QueueState => ({ ...s, lottery: 'unpublished' }),
  connectionChanged: (s: QueueState, connection: Connection): QueueState => ({ ...s, connection }),

  /** A whole snapshot: on every (re)connect and after joining. */
  snapshotReceived: (s: QueueState, snapshot: QueueSnapshot): QueueState => ({ ...s, snapshot }),
  /** The fallback poll's snapshot, taken only when it says something new (the socket is the main path). */
  snapshotPolled: (s: QueueState, fresh: QueueSnapshot): QueueState =>
    s.snapshot &&
    fresh.cursor === s.snapshot.cursor &&
    fresh.status === s.snapshot.status &&
    fresh.phase === s.snapshot.phase &&
    fresh.soldOut === s.snapshot.soldOut
      ? s
      : { ...s, snapshot: fresh },
  /** The admission cursor moved: the fan's position and wait follow from their number. */
  cursorMoved: (s: QueueState, push: QueueCursorPush): QueueState =>
    patch(s, (snapshot) => {
      if (snapshot.ticketNumber === null) return { cursor: push.cursor, phase: push.phase, soldOut: push.soldOut };
      const position = Math.max(0, snapshot.ticketNumber - push.cursor);
      const eta = push.ratePerMinute > 0 ? Math.round((position / push.ratePerMinute) * 60) : null;
      return { cursor: push.cursor, phase: push.phase, soldOut: push.soldOut, position, eta };
    }),
  admitted: (s: QueueState, push: QueueAdmittedPush): QueueState =>
    patch(s, () => ({ status: 'admitted', token: push.token, tokenExpiresAt: push.expiresAt })),
  /** Sold out, seats back, paused, resumed, closed. */
  phaseChanged: (s: QueueState, phase: QueuePhase, soldOut: boolean): QueueState =>
    patch(s, () => ({ phase, soldOut })),

  joinStarted: (s: QueueState): QueueState => ({ ...s, join: { kind: 'busy', text: t('queue:join.busy') } }),
  provingWork: (s: QueueState): QueueState => ({
    ...s,
    join: { kind: 'busy', text: t('queue:join.proving') },
  }),
  joined: (s: QueueState): QueueState => ({ ...s, join: { kind: 'ok', text: t('queue:join.done') } }),
  joinFailed: (s: QueueState, message: string): QueueState => ({ ...s, join: { kind: 'bad', text: message } }),
  /** This account must confirm its address before it may join: said once, with the link to send again. */
  verifyFirstNeeded: (s: QueueState, me: Me): QueueState => ({ ...s, verifyFirst: s.verifyFirst ?? me, join: silent }),

  muteToggled: (s: QueueState): QueueState => ({ ...s, muted: !s.muted }),
  tick: (s: QueueState, now: number): QueueState => ({ ...s, now }),
};
