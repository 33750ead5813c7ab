import { silent, type StatusLine } from '../../lib/dom.js';
import type { Feedback } from '../../lib/forms.js';

/**
 * The door staff of the selected event (the workspace's "Door staff" section) and the actions
 * that change it; see lib/store.ts for the pattern.
 */

export interface StaffMember {
  userId: string;
  email: string;
  displayName: string;
  since: string;
  /** false: the account no longer holds its address confirmed, so it cannot scan until it does. */
  confirmed: boolean;
}

export interface StaffState {
  eventId: string | null;
  /** null while the list loads (or could not be loaded). */
  staff: StaffMember[] | null;
  /** The list's line: loading, a failure, who was just removed. */
  status: StatusLine;
  /** The invitation form's outcome, beside its field when refused. */
  invite: Feedback;
  /** What is under way: an invitation, or the removal of one account (its id). */
  busy: { kind: 'invite' } | { kind: 'remove'; userId: string } | null;
}

export const initialState: StaffState = { eventId: null, staff: null, status: silent, invite: silent, busy: null };

/** Answers for another event than the one now shown are dropped: the organizer moved on. */
const forEvent = (s: StaffState, eventId: string, next: () => StaffState) => (s.eventId === eventId ? next() : s);

export const actions = {
  eventChosen: (s: StaffState, eventId: string): StaffState =>
    s.eventId === eventId
      ? s
      : { eventId, staff: null, status: { kind: 'busy', text: 'Loading door staff…' }, invite: silent, busy: null },
  listed: (s: StaffState, eventId: string, staff: StaffMember[]): StaffState =>
    forEvent(s, eventId, () => ({ ...s, staff, status: s.status.kind === 'busy' ? silent : s.status })),
  listFailed: (s: StaffState, eventId: string, text: string): StaffState =>
    forEvent(s, eventId, () => ({ ...s, status: { kind: 'bad', text } })),

  inviting: (s: StaffState): StaffState => ({
    ...s,
    busy: { kind: 'invite' },
    invite: { kind: 'busy', text: 'Inviting…' },
  }),
  invited: (s: StaffState, eventId: string, staff: StaffMember[], email: string): StaffState =>
    forEvent(s, eventId, () => {
      const member = staff.find((m) => m.email === email);
      const already = s.staff?.some((m) => m.email === email) ?? false;
      const who = member ? `${member.displayName} (${member.email})` : email;
      return {
        ...s,
        staff,
        busy: null,
        invite: {
          kind: 'ok',
          text: already
            ? `${who} is already door staff of this event.`
            : `${who} is now door staff: they can scan this event's tickets with the door scanner. We told them by email.`,
        },
      };
    }),
  inviteRefused: (s: StaffState, eventId: string, feedback: Feedback): StaffState =>
    forEvent(s, eventId, () => ({ ...s, busy: null, invite: feedback })),

  removing: (s: StaffState, userId: string): StaffState => ({
    ...s,
    busy: { kind: 'remove', userId },
    status: { kind: 'busy', text: 'Removing…' },
  }),
  /** Gone, whether this removal or an earlier one (a retry, another tab) took them off. */
  removed: (s: StaffState, eventId: string, member: StaffMember): StaffState =>
    forEvent(s, eventId, () => ({
      ...s,
      busy: null,
      staff: (s.staff ?? []).filter((m) => m.userId !== member.userId),
      status: {
        kind: 'ok',
        text: `${member.displayName} (${member.email}) is no longer door staff: they cannot scan this event's tickets. Invite them again to undo.`,
      },
    })),
  removeFailed: (s: StaffState, eventId: string, text: string): StaffState =>
    forEvent(s, eventId, () => ({ ...s, busy: null, status: { kind: 'bad', text } })),
};
