import { describe, expect, it } from 'vitest';
import {
  actions as list,
  emptyQuery,
  initialState as listStart,
  queryFromSearch,
  searchOf,
  summaryOf,
  type EventPage,
} from '../../web/src/organizer/events/state.js';
import { actions as staff, initialState as staffStart, type StaffMember } from '../../web/src/organizer/staff/state.js';

/** The organizer console's event list and door staff: their pure actions and the words they lead to. */

const page = (total: number, pageNo = 1, count = Math.min(20, total)): EventPage => ({
  events: Array.from({ length: count }, () => ({}) as EventPage['events'][number]),
  total,
  page: pageNo,
  limit: 20,
});

describe('the event list', () => {
  it('reads its query from the address and writes back only what differs from the defaults', () => {
    const query = queryFromSearch('?q=gala&status=draft&from=2030-01-01&to=bad&sort=created&page=3&x=1');
    expect(query).toEqual({ q: 'gala', status: 'draft', from: '2030-01-01', to: '', sort: 'created', page: 3 });
    expect(searchOf(query).toString()).toBe('q=gala&status=draft&from=2030-01-01&sort=created&page=3');
    expect(searchOf(emptyQuery).toString()).toBe('');
    expect(queryFromSearch('?page=-2').page).toBe(1);
  });

  it('starts a new search on its first page and keeps page turns within the pages there are', () => {
    let s = list.loaded(list.navigated(listStart, { ...emptyQuery, page: 4 }), page(341, 4));
    s = list.searched(s, { ...emptyQuery, q: 'jazz' });
    expect(s.query).toMatchObject({ q: 'jazz', page: 1 });
    s = list.loaded(s, page(45));
    expect(list.pageTurned(s, 9).query.page).toBe(3);
    expect(list.pageTurned(s, 0).query.page).toBe(1);
  });

  it('says how many events there are and which of them show', () => {
    expect(summaryOf(listStart)).toEqual({ kind: 'busy', text: 'Loading your events…' });
    expect(summaryOf(list.loaded(listStart, page(340))).text).toBe('Showing 1–20 of 340 events.');
    expect(summaryOf(list.loaded(listStart, page(340, 17))).text).toBe('Showing 321–340 of 340 events.');
    expect(summaryOf(list.loaded(listStart, page(1))).text).toBe('1 event.');
    const searched = list.searched(listStart, { ...emptyQuery, q: 'gala' });
    expect(summaryOf(list.loaded(searched, page(3))).text).toBe('3 events matching this search.');
    expect(summaryOf(list.loaded(searched, page(0))).text).toMatch(/^No event matches this search/);
    // A new search loading: the line still counts what is on the screen, not what was asked for.
    const asking = list.loading(list.searched(list.loaded(listStart, page(341)), { ...emptyQuery, status: 'draft' }));
    expect(summaryOf(asking)).toEqual({ kind: 'busy', text: 'Showing 1–20 of 341 events.' });
    expect(summaryOf(list.loaded(asking, page(7))).text).toBe('7 events matching this search.');
    expect(summaryOf(list.loaded(listStart, page(0))).text).toBe('');
    expect(summaryOf(list.failed(listStart, 'Fairdrop is busy.'))).toEqual({ kind: 'bad', text: 'Fairdrop is busy.' });
  });
});

describe('door staff', () => {
  const ana: StaffMember = {
    userId: 'u1',
    email: 'ana@example.test',
    displayName: 'Ana',
    since: '2030-01-01T10:00:00Z',
    confirmed: true,
  };

  it('drops answers about an event the organizer has left', () => {
    const s = staff.eventChosen(staffStart, 'e2');
    expect(staff.listed(s, 'e1', [ana])).toBe(s);
    expect(staff.listed(s, 'e2', [ana]).staff).toEqual([ana]);
  });

  it('says whether an invitation made someone staff or they already were', () => {
    const s = staff.listed(staff.eventChosen(staffStart, 'e1'), 'e1', []);
    const invited = staff.invited(staff.inviting(s), 'e1', [ana], 'ana@example.test');
    expect(invited.invite.text).toBe(
      "Ana (ana@example.test) is now door staff: they can scan this event's tickets with the door scanner. We told them by email.",
    );
    expect(invited.busy).toBeNull();
    expect(staff.invited(invited, 'e1', [ana], 'ana@example.test').invite.text).toBe(
      'Ana (ana@example.test) is already door staff of this event.',
    );
  });

  it('takes a removed member off the list and says how to undo it', () => {
    const s = staff.listed(staff.eventChosen(staffStart, 'e1'), 'e1', [ana]);
    const removed = staff.removed(staff.removing(s, 'u1'), 'e1', ana);
    expect(removed.staff).toEqual([]);
    expect(removed.status.text).toMatch(/no longer door staff.*Invite them again to undo/);
  });
});
