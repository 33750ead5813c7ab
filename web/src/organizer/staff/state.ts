import { silent, type StatusLine } from '../../lib/dom.js';
import type { Feedback } from '../../lib/forms.js';
import { t } from '../../lib/i18n.js';

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
      : {
          eventId,
          staff: null,
          status: { kind: 'busy', text: t('organizer:staff.loading') },
          invite: silent,
          busy: null,
        },
  listed: (s: StaffState, eventId: string, staff: StaffMember[]): StaffState =>
    forEvent(s, eventId, () => ({ ...s, staff, status: s.status.kind === 'busy' ? silent : s.status })),
  listFailed: (s: StaffState, eventId: string, text: string): StaffState =>
    forEvent(s, eventId, () => ({ ...s, status: { kind: 'bad', text } })),

  inviting: (s: StaffState): StaffState => ({
    ...s,
    busy: { kind: 'invite' },
    invite: { kind: 'busy', text: t('organizer:staff.inviting') },
  }),
  invited: (s: StaffState, eventId: string, staff: StaffMember[], email: string): StaffState =>
    forEvent(s, eventId, () => {
      const member = staff.find((m) => m.email === email);
      const already = s.staff?.some((m) => m.email === email) ?? false;
      const who = member ? t('organizer:staff.who', { name: member.displayName, email: member.email }) : email;
      return {
        ...s,
        staff,
        busy: null,
        invite: {
          kind: 'ok',
          text: already ? t('organizer:staff.already', { who }) : t('organizer:staff.invited', { who }),
        },
      };
    }),
  inviteRefused: (s: StaffState, eventId: string, feedback: Feedback): StaffState =>
    forEvent(s, eventId, () => ({ ...s, busy: null, invite: feedback })),

  removing: (s: StaffState, userId: string): StaffState => ({
    ...s,
    busy: { kind: 'remove', userId },
    status: { kind: 'busy', text: t('organizer:staff.removing') },
  }),
  /** Gone, whether this removal or an earlier one (a retry, another tab) took them off. */
  removed: (s: StaffState, eventId: string, member: StaffMember): StaffState =>
    forEvent(s, eventId, () => ({
      ...s,
      busy: null,
      staff: (s.staff ?? []).filter((m) => m.userId !== member.userId),
      status: {
        kind: 'ok',
        text: t('organizer:staff.removed', { name: member.displayName, email: member.email }),
      },
    })),
  removeFailed: (s: StaffState, eventId: string, text: string): StaffState =>
    forEvent(s, eventId, () => ({ ...s, busy: null, status: { kind: 'bad', text } })),
};
