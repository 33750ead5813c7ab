import { describe, expect, it } from 'vitest';
import { needsRoom, salePhase, saleView, type PhaseInput, type RoomFacts } from '../../src/sales/phase.js';

/** src/sales/phase.ts: the one rule every page's sale status comes from. */

const now = Date.parse('2030-03-01T12:00:00Z');
const min = 60_000;
const at = (offsetMin: number) => new Date(now + offsetMin * min);

const queue = (o: Partial<NonNullable<PhaseInput['onsale']>> = {}): NonNullable<PhaseInput['onsale']> => ({
  mode: 'queue',
  state: 'scheduled',
  prequeueOpensAt: at(-60),
  saleStartsAt: at(30),
  saleEndsAt: null,
  ...o,
});
const open = (o: Partial<NonNullable<PhaseInput['onsale']>> = {}): NonNullable<PhaseInput['onsale']> => ({
  mode: 'open',
  state: 'scheduled',
  prequeueOpensAt: null,
  saleStartsAt: at(-60),
  saleEndsAt: null,
  ...o,
});
const room = (o: Partial<RoomFacts> = {}): RoomFacts => ({
  phase: 'live',
  soldOut: false,
  drawnAt: now - 5 * min,
  drawSize: 46,
  ...o,
});
const input = (o: Partial<PhaseInput> = {}): PhaseInput => ({
  event: { status: 'scheduled', startsAt: at(30 * 24 * 60) },
  onsale: queue(),
  stock: { remaining: 100, capacity: 100 },
  now,
  ...o,
});

describe('salePhase', () => {
  it('follows a queue sale through its window: scheduled, prequeue, drawing, admitting', () => {
    expect(salePhase(input({ onsale: queue({ prequeueOpensAt: at(10), saleStartsAt: at(70) }) }))).toBe('scheduled');
    expect(salePhase(input())).toBe('prequeue');
    // The start has come and the room is still numbering entries.
    const started = queue({ saleStartsAt: at(-1) });
    expect(salePhase(input({ onsale: started, room: room({ phase: 'prequeue', drawnAt: null }) }))).toBe('drawing');
    expect(salePhase(input({ onsale: started, room: room({ phase: 'drawing', drawnAt: null }) }))).toBe('drawing');
    expect(salePhase(input({ onsale: started, room: room() }))).toBe('admitting');
    // Unread (a long list, Redis away): the scheduler draws within a tick of the start.
    expect(salePhase(input({ onsale: queue({ saleStartsAt: at(-60), prequeueOpensAt: at(-120) }) }))).toBe('admitting');
  });

  it('an open sale: scheduled, then on sale; no window at all is announced', () => {
    expect(salePhase(input({ onsale: open({ saleStartsAt: at(5) }) }))).toBe('scheduled');
    expect(salePhase(input({ onsale: open() }))).toBe('on_sale');
    expect(salePhase(input({ onsale: null }))).toBe('announced');
    // The status says on sale; without an on-sale nothing can be held (fd_hold_create refuses).
    expect(salePhase(input({ event: { status: 'on_sale', startsAt: at(600) }, onsale: null }))).toBe('announced');
  });

  it('paused holds admission, not the pre-queue', () => {
    expect(salePhase(input({ onsale: queue({ state: 'paused' }) }))).toBe('prequeue');
    expect(salePhase(input({ onsale: queue({ state: 'paused', saleStartsAt: at(-1) }) }))).toBe('paused');
    expect(salePhase(input({ onsale: queue({ saleStartsAt: at(-1) }), room: room({ phase: 'paused' }) }))).toBe(
      'paused',
    );
    expect(salePhase(input({ onsale: open({ state: 'paused' }) }))).toBe('paused');
  });

  it('sold out, ended: by stock, by the room, by the window, by the show beginning', () => {
    expect(salePhase(input({ onsale: open(), stock: { remaining: 0, capacity: 10 } }))).toBe('sold_out');
    expect(salePhase(input({ onsale: queue({ saleStartsAt: at(-1) }), room: room({ soldOut: true }) }))).toBe(
      'sold_out',
    );
    expect(salePhase(input({ event: { status: 'sold_out', startsAt: at(600) }, onsale: open() }))).toBe('sold_out');
    expect(salePhase(input({ onsale: open({ saleEndsAt: at(-1) }) }))).toBe('ended');
    expect(salePhase(input({ onsale: open({ state: 'closed' }) }))).toBe('ended');
    expect(salePhase(input({ onsale: queue({ saleStartsAt: at(-1) }), room: room({ phase: 'closed' }) }))).toBe(
      'ended',
    );
    expect(salePhase(input({ event: { status: 'on_sale', startsAt: at(-1) }, onsale: open() }))).toBe('ended');
  });

  it('the event’s own fate wins over its window', () => {
    for (const status of ['draft', 'cancelled', 'completed', 'postponed'] as const)
      expect(salePhase(input({ event: { status, startsAt: at(600) }, onsale: open() }))).toBe(status);
  });
});

describe('saleView and needsRoom', () => {
  it('gives the moments and, once drawn, the size of the draw', () => {
    const onsale = queue({ saleStartsAt: at(-5), prequeueOpensAt: at(-60), saleEndsAt: at(120) });
    expect(saleView(input({ onsale, room: room() }))).toEqual({
      phase: 'admitting',
      mode: 'queue',
      opensAt: at(-60).toISOString(),
      startsAt: at(-5).toISOString(),
      endsAt: at(120).toISOString(),
      drawnAt: new Date(now - 5 * min).toISOString(),
      drawSize: 46,
    });
    expect(saleView(input({ onsale: null }))).toMatchObject({ phase: 'announced', mode: null, drawSize: null });
  });

  it('reads the room only for a queue sale whose room may be open and whose fate it decides', () => {
    expect(needsRoom(input())).toBe(true);
    expect(needsRoom(input({ onsale: queue({ prequeueOpensAt: at(5) }) }))).toBe(false);
    expect(needsRoom(input({ onsale: open() }))).toBe(false);
    expect(needsRoom(input({ onsale: queue({ state: 'closed' }) }))).toBe(false);
    expect(needsRoom(input({ event: { status: 'cancelled', startsAt: at(600) } }))).toBe(false);
  });
});
