import { silent } from '../../lib/dom.js';
import type { Feedback } from '../../lib/forms.js';
import type { EventDetail, Onsale } from '../types.js';

/**
 * The event workspace's state (tiers, seats, on-sale window, publishing of the selected event)
 * and the actions that change it; see lib/store.ts for the pattern.
 */

export type WorkspaceForm = 'tier' | 'seats' | 'onsale' | 'publish';
export const workspaceForms: WorkspaceForm[] = ['tier', 'seats', 'onsale', 'publish'];

export interface WorkspaceState {
  /** The selected event, as last loaded; null hides the workspace. */
  event: EventDetail | null;
  onsale: Onsale | null;
  /** The form whose request is under way: its buttons wait for the answer. */
  busy: WorkspaceForm | null;
  /** Each form's status line and the messages beside its fields. */
  feedback: Record<WorkspaceForm, Feedback>;
  /** The tier form's kind: general admission asks for a capacity. */
  tierKind: 'reserved' | 'ga';
  /** The on-sale form's mode: a waiting room has settings an open sale has not. */
  saleMode: 'queue' | 'open';
  /** The seat layout being typed, previewed before it is sent. */
  layoutDraft: { layout: string; accessible: string };
}

/** "A1, A2; B4" → the seats marked accessible, as the API takes them. */
export const accessibleList = (text: string) =>
  text
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean);

const quiet: Record<WorkspaceForm, Feedback> = { tier: silent, seats: silent, onsale: silent, publish: silent };

export const initialState: WorkspaceState = {
  event: null,
  onsale: null,
  busy: null,
  feedback: quiet,
  tierKind: 'reserved',
  saleMode: 'queue',
  layoutDraft: { layout: '', accessible: '' },
};

const withFeedback = (s: WorkspaceState, form: WorkspaceForm, feedback: Feedback): WorkspaceState => ({
  ...s,
  feedback: { ...s.feedback, [form]: feedback },
});

export const actions = {
  /** An event selected, or the selected one reloaded after a change: another event starts with quiet forms. */
  eventShown: (s: WorkspaceState, event: EventDetail, onsale: Onsale | null): WorkspaceState =>
    s.event?.id === event.id
      ? { ...s, event, onsale }
      : { ...s, event, onsale, feedback: quiet, saleMode: onsale?.mode ?? 'queue' },
  hidden: (s: WorkspaceState): WorkspaceState => ({ ...s, event: null }),

  submitting: (s: WorkspaceState, form: WorkspaceForm, busy: string): WorkspaceState => ({
    ...withFeedback(s, form, { kind: 'busy', text: busy }),
    busy: form,
  }),
  submitted: (s: WorkspaceState, form: WorkspaceForm, done: string): WorkspaceState => ({
    ...withFeedback(s, form, { kind: 'ok', text: done }),
    busy: null,
  }),
  refused: (s: WorkspaceState, form: WorkspaceForm, feedback: Feedback): WorkspaceState => ({
    ...withFeedback(s, form, feedback),
    busy: s.busy === form ? null : s.busy,
  }),

  tierKindChosen: (s: WorkspaceState, tierKind: 'reserved' | 'ga'): WorkspaceState => ({ ...s, tierKind }),
  saleModeChosen: (s: WorkspaceState, saleMode: 'queue' | 'open'): WorkspaceState => ({ ...s, saleMode }),
  layoutTyped: (s: WorkspaceState, layout: string, accessible: string): WorkspaceState => ({
    ...s,
    layoutDraft: { layout, accessible },
  }),
};
