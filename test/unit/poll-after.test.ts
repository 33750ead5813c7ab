import { describe, expect, it } from 'vitest';
import type { QueueSnapshot } from '../../src/realtime/events.js';
import { POLL_MAX_S, POLL_MIN_S, POLL_UNKNOWN_S, pollAfterSeconds } from '../../src/waitingroom/waitingroom.service.js';

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

  it('in the pre-queue, a quarter of the time until the draw', () => {
    const entered = view({ phase: 'prequeue', status: 'entered', ticketNumber: null, position: null, eta: null });
    expect(pollAfterSeconds(entered, startsIn(3_600), now)).toBe(POLL_MAX_S);
    expect(pollAfterSeconds(entered, startsIn(100), now)).toBe(25);
    expect(pollAfterSeconds(entered, startsIn(1), now)).toBe(POLL_MIN_S);
    // The start has passed and the draw has not begun yet: it is due at the next tick.
    expect(pollAfterSeconds(entered, startsIn(-2), now)).toBe(POLL_MIN_S);
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
