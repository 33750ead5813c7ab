import { describe, expect, it } from 'vitest';
import type { QueueSnapshot } from '../../src/realtime/events.js';
import { createStore } from '../../web/src/lib/store.js';
import { actions, initialState } from '../../web/src/queue/state.js';
import { actions as door, initialState as doorStart } from '../../web/src/scanner/state.js';
import { actions as workspace, initialState as workspaceStart } from '../../web/src/organizer/workspace/state.js';
import type { EventDetail, Onsale } from '../../web/src/organizer/types.js';

/** The pages' state-and-render helper (web/src/lib/store.ts), and the waiting room's door scanner's and event workspace's actions. */

describe('createStore', () => {
  const counter = () =>
    createStore(
      { count: 0, label: 'a', items: [1, 2] },
      {
        add: (s, n: number) => ({ ...s, count: s.count + n }),
        rename: (s, label: string) => (label === s.label ? s : { ...s, label }),
        nothing: (s) => s,
      },
    );

  it('renders a view at once, then only when the part of the state it picks changes', () => {
    const store = counter();
    const seen: number[] = [];
    store.view(
      (s) => s.count,
      (count) => seen.push(count),
    );
    store.actions.add(2);
    store.actions.rename('b'); // another part of the state
    store.actions.nothing();
    store.actions.add(0); // a new object, the same count
    store.actions.add(1);
    expect(seen).toEqual([0, 2, 3]);
    expect(store.state).toEqual({ count: 3, label: 'b', items: [1, 2] });
  });

  it('compares a picked array item by item', () => {
    const store = counter();
    const seen: string[] = [];
    store.view(
      (s) => [s.label, s.items] as const,
      ([label]) => seen.push(label),
    );
    store.actions.add(1);
    store.actions.rename('z');
    expect(seen).toEqual(['a', 'z']);
  });

  it('refuses an action called while a view renders', () => {
    const store = counter();
    store.view(
      (s) => s.count,
      (count) => count === 1 && store.actions.add(1),
    );
    expect(() => store.actions.add(1)).toThrow(/action "add" called while rendering/);
  });
});

describe('the waiting room actions', () => {
  const snapshot: QueueSnapshot = {
    eventId: 'e',
    phase: 'live',
    joined: true,
    entryId: 'x',
    ticketNumber: 120,
    cursor: 20,
    position: 100,
    eta: 600,
    status: 'waiting',
    token: null,
    tokenExpiresAt: null,
    soldOut: false,
  };
  const push = { eventId: 'e', cursor: 60, ratePerMinute: 30, phase: 'live' as const, soldOut: false, at: 0 };

  it('moves the position and the wait with the cursor', () => {
    const s = actions.cursorMoved(actions.snapshotReceived(initialState('e', false, 0), snapshot), push);
    expect(s.snapshot).toMatchObject({ cursor: 60, position: 60, eta: 120 });
  });

  it('changes nothing on a push that comes before the first snapshot', () => {
    const empty = initialState('e', false, 0);
    expect(actions.cursorMoved(empty, push)).toBe(empty);
    expect(actions.phaseChanged(empty, 'paused', false)).toBe(empty);
  });

  it('takes a polled snapshot only when it says something new', () => {
    const s = actions.snapshotReceived(initialState('e', false, 0), snapshot);
    expect(actions.snapshotPolled(s, { ...snapshot })).toBe(s);
    expect(actions.snapshotPolled(s, { ...snapshot, cursor: 21 }).snapshot?.cursor).toBe(21);
  });
});

describe('the door scanner actions', () => {
  const event = (id: string, title: string) => ({
    id,
    title,
    startsAt: { utc: '2030-01-01T20:00:00Z', timeZone: 'UTC' },
    venue: { name: 'Hall' },
  });

  it('adds found events to the list in the order first found, selecting the one asked for', () => {
    let s = door.choicesFound(doorStart, [event('a', 'A'), event('b', 'B')], 'a');
    s = door.choicesFound(s, [event('c', 'C'), event('a', 'A again')]);
    expect(s.choices.map((e) => e.title)).toEqual(['A again', 'B', 'C']);
    expect(s.chosen).toBe('a');
  });

  it('sums a sync up in one line, bad when the server disagreed with this device', () => {
    const clean = door.synced(doorStart, { sent: 3, conflicts: [], overruled: [], outsideWindow: [] });
    expect(clean.sync).toEqual({ kind: 'ok', text: 'Synced 3 scans.' });
    const conflict = { ticketId: 't', nonce: 'n', gate: 'North', scannedAt: '', firstGate: 'South', firstUsedAt: '' };
    const disputed = door.synced(doorStart, { sent: 1, conflicts: [conflict], overruled: [], outsideWindow: [] });
    expect(disputed.sync).toEqual({ kind: 'bad', text: 'Synced 1 scan. 1 conflict.' });
  });
});

describe('the event workspace actions', () => {
  const show = (id: string) => ({ id, title: id, startsAt: { utc: '', timeZone: 'UTC' } }) as EventDetail;
  const open = { mode: 'open' } as Onsale;

  it('keeps the forms’ words when the same event is reloaded, and quiets them for another event', () => {
    let s = workspace.eventShown(workspaceStart, show('a'), null);
    s = workspace.submitting(s, 'tier', 'Adding the tier…');
    expect(s.busy).toBe('tier');
    s = workspace.submitted(workspace.eventShown(s, show('a'), open), 'tier', 'Tier added.');
    expect([s.busy, s.feedback.tier.text, s.saleMode]).toEqual([null, 'Tier added.', 'queue']);
    s = workspace.eventShown(s, show('b'), open);
    expect([s.feedback.tier.text, s.saleMode]).toEqual(['', 'open']);
  });

  it('leaves another form busy when one is refused', () => {
    const s = workspace.submitting(workspace.eventShown(workspaceStart, show('a'), null), 'onsale', 'Saving…');
    const refused = workspace.refused(s, 'seats', { kind: 'bad', text: 'Seats belong to a reserved tier.' });
    expect([refused.busy, refused.feedback.seats.kind]).toEqual(['onsale', 'bad']);
  });
});
