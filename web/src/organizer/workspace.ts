import { createStore } from '../lib/store.js';
import type { EventDetail, Onsale } from './types.js';
import { bindWorkspaceForms } from './workspace/forms.js';
import { actions, initialState } from './workspace/state.js';
import { showWorkspace } from './workspace/views.js';

/**
 * The selected event's tiers, seats, on-sale window and publishing. State in
 * workspace/state.ts, views in workspace/views.ts, the forms' requests in workspace/forms.ts;
 * `reload` (the console's) loads the event again after each change.
 */

export interface Workspace {
  show(event: EventDetail, onsale: Onsale | null): void;
  hide(): void;
}

export function setupWorkspace(reload: (eventId: string) => Promise<void>): Workspace {
  const store = createStore(initialState, actions);
  showWorkspace(store);
  bindWorkspaceForms(store, reload);
  // A panel changed the event itself (cancelled, postponed): every part shows it as it now is.
  document.addEventListener('organizer:event-changed', (ev) => {
    const { eventId } = (ev as CustomEvent<{ eventId: string }>).detail;
    if (store.state.event?.id === eventId) void reload(eventId);
  });
  return {
    show(event, onsale) {
      const selected = store.state.event?.id !== event.id;
      const phaseChanged = store.state.event?.phase !== event.phase;
      store.actions.eventShown(event, onsale);
      // The live dashboard and the cancel panel follow the selection (see organizer.html),
      // and the dashboard the sale's phase: a cancelled event has no drop to pause.
      if (selected)
        document.dispatchEvent(new CustomEvent('organizer:event-selected', { detail: { eventId: event.id } }));
      if (selected || phaseChanged)
        document.dispatchEvent(
          new CustomEvent('organizer:event-phase', { detail: { eventId: event.id, phase: event.phase } }),
        );
    },
    hide: () => store.actions.hidden(),
  };
}
