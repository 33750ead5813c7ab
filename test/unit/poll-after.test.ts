import { describe, expect, it } from 'vitest';
import type { QueueSnapshot } from '../../src/realtime/events.js';
import {
  DRAW_POLLS_PER_S,
  drawReturnWindowSeconds,
  POLL_MAX_S,
  POLL_MIN_S,
  POLL_UNKNOWN_S,
  pollAfterSeconds,
} from '../../src/waitingroom/waitingroom.service.js';

const now = Date.parse('2026-11-27T12:00:00Z');
const startsIn = (seconds: number) => new Date(now + seconds * 1000);
const view = (over: Partial<QueueSnapshot>): QueueSnapshot => ({
  eventId: '00000000-0000-4000-8000-000000000000',
  phase: 'live',
  joined: true,
  entryId: 'e',
  ticketNumber: 10,
  cursor: 5,
  position: 5,
  eta: 40,
  status: 'waiting',
  token: null,
  tokenExpiresAt: null,
  soldOut: false,
  ...over,
});

describe('pollAfterSeconds', () => {
  it('is a quarter of the ETA while waiting, within 2 and 60 s', () => {
    expect(pollAfterSeconds(view({ eta: 40 }), startsIn(-60), now)).toBe(10);
    expect(pollAfterSeconds(view({ eta: 41 }), startsIn(-60), now)).toBe(11);
    expect(pollAfterSeconds(view({ eta: 3 }), startsIn(-60), now)).toBe(POLL_MIN_S);
    expect(pollAfterSeconds(view({ eta: 0, position: 0 }), startsIn(-60), now)).toBe(POLL_MIN_S);
    expect(pollAfterSeconds(view({ eta: 3_600 }), startsIn(-60), now)).toBe(POLL_MAX_S);
    expect(pollAfterSeconds(view({ eta: null }), startsIn(-60), now)).toBe(POLL_UNKNOWN_S);
  });

  it('in the pre-queue, a quarter of the time until the draw while it is more than a minute away', () => {
    const entered = view({ phase: 'prequeue', status: 'entered', ticketNumber: null, position: null, eta: null });
    expect(pollAfterSeconds(entered, startsIn(3_600), now)).toBe(POLL_MAX_S);
    expect(pollAfterSeconds(entered, startsIn(100), now)).toBe(25);
    expect(pollAfterSeconds(entered, startsIn(61), now)).toBe(16);
  });

  it('in the last minute before the draw, sends each fan just after it, spread over the crowd', () => {
    const entry = (i: number) =>
      view({
        phase: 'prequeue',
        status: 'entered',
        entryId: `entry-${i}`,
        ticketNumber: null,
        position: null,
        eta: null,
      });
    // 80,000 in the pre-queue: a 40 s window after the draw (80,000 ÷ DRAW_POLLS_PER_S).
    const crowd = 40 * DRAW_POLLS_PER_S;
    const returns = Array.from({ length: 4_000 }, (_, i) => pollAfterSeconds(entry(i), startsIn(30), now, crowd) - 30);
    expect(Math.min(...returns)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...returns)).toBeLessThanOrEqual(41);
    // The window the simulator's pollers return over is the one the server sends them back over.
    expect(drawReturnWindowSeconds(crowd)).toBe(40);
    expect(Math.max(...returns)).toBeGreaterThan(drawReturnWindowSeconds(crowd) - 1);
    expect(drawReturnWindowSeconds(10)).toBe(POLL_MIN_S);
    expect(drawReturnWindowSeconds(10_000_000)).toBe(POLL_MAX_S);
    // Evenly: no second of the window gets more than twice its share.
    const perSecond = new Map<number, number>();
    for (const r of returns) perSecond.set(r, (perSecond.get(r) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBeLessThan((2 * returns.length) / 40);
    // The same fan is sent to the same moment by every node and every poll.
    expect(pollAfterSeconds(entry(7), startsIn(30), now, crowd)).toBe(
      pollAfterSeconds(entry(7), startsIn(30), now, crowd),
    );
    // A small crowd comes back within POLL_MIN_S of the draw; a start already past counts from now.
    expect(pollAfterSeconds(entry(1), startsIn(1), now, 10)).toBeLessThanOrEqual(1 + 1 + POLL_MIN_S);
    expect(pollAfterSeconds(entry(1), startsIn(-2), now, 10)).toBeLessThanOrEqual(1 + POLL_MIN_S);
    // The window is at most a minute, however large the crowd.
    expect(pollAfterSeconds(entry(3), startsIn(60), now, 10_000_000)).toBeLessThanOrEqual(60 + 1 + POLL_MAX_S);
  });

  it('is short once admitted or during the draw, long when nothing will change', () => {
    expect(pollAfterSeconds(view({ status: 'admitted', token: 'pt_x', eta: 0 }), startsIn(-60), now)).toBe(POLL_MIN_S);
    expect(pollAfterSeconds(view({ status: 'purchasing', eta: 0 }), startsIn(-60), now)).toBe(POLL_MIN_S);
    expect(pollAfterSeconds(view({ phase: 'drawing', status: 'entered', eta: null }), startsIn(0), now)).toBe(
      POLL_MIN_S,
    );
    expect(pollAfterSeconds(view({ phase: 'paused' }), startsIn(-60), now)).toBe(POLL_UNKNOWN_S);
    expect(pollAfterSeconds(view({ status: 'expired', eta: 0 }), startsIn(-60), now)).toBe(POLL_MAX_S);
    expect(pollAfterSeconds(view({ soldOut: true }), startsIn(-60), now)).toBe(POLL_MAX_S);
    expect(pollAfterSeconds(view({ joined: false, status: 'not_joined', eta: null }), startsIn(-60), now)).toBe(
      POLL_MAX_S,
    );
    expect(pollAfterSeconds(view({ phase: 'closed', status: 'admitted' }), startsIn(-60), now)).toBe(POLL_MAX_S);
  });
});
