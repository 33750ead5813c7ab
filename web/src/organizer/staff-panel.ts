import { api, ApiError } from '../lib/api.js';
import { $ } from '../lib/dom.js';
import { failureFeedback, formKey, textOf } from '../lib/forms.js';
import { t } from '../lib/i18n.js';
import { createStore } from '../lib/store.js';
import { actions, initialState, type StaffMember } from './staff/state.js';
import { showStaff } from './staff/views.js';

/**
 * The workspace's "Door staff" section: who may scan the selected event's tickets. Invite an
 * existing account by its email address, see who is staff, remove them. It follows the
 * console's selection (`organizer:event-selected`, see organizer.html) like the other panels.
 */

const store = createStore(initialState, actions);
showStaff(store);

const form = $<HTMLFormElement>('#staff-form');
const key = formKey(form);
/** One Idempotency-Key per removal until it is answered: a double click or a retry replays it. */
const removalKeys = new Map<string, string>();
const path = (eventId: string) => `/v1/events/${eventId}/staff`;
const words = (err: unknown) => (err instanceof ApiError ? err.describe() : t('organizer:staff.unreachable'));

async function load(eventId: string): Promise<void> {
  try {
    const { staff } = await api<{ staff: StaffMember[] }>('GET', path(eventId));
    store.actions.listed(eventId, staff);
  } catch (err) {
    store.actions.listFailed(eventId, t('organizer:staff.loadFailed', { reason: words(err) }));
  }
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const eventId = store.state.eventId;
  if (!eventId || store.state.busy) return;
  const email = textOf(form, 'email');
  store.actions.inviting();
  try {
    const { staff } = await api<{ staff: StaffMember[] }>(
      'POST',
      path(eventId),
      { email },
      { idempotencyKey: key.current() },
    );
    key.reset();
    form.reset();
    store.actions.invited(eventId, staff, email.toLowerCase());
  } catch (err) {
    store.actions.inviteRefused(eventId, failureFeedback(err));
  }
});

$('#staff-list').addEventListener('click', async (e) => {
  const userId = (e.target as HTMLElement).closest<HTMLElement>('[data-remove]')?.dataset.remove;
  const eventId = store.state.eventId;
  const member = store.state.staff?.find((m) => m.userId === userId);
  if (!eventId || !member || store.state.busy) return;
  const idempotencyKey = removalKeys.get(member.userId) ?? crypto.randomUUID();
  removalKeys.set(member.userId, idempotencyKey);
  store.actions.removing(member.userId);
  try {
    await api('DELETE', `${path(eventId)}/${member.userId}`, undefined, { idempotencyKey });
    removalKeys.delete(member.userId);
    store.actions.removed(eventId, member);
  } catch (err) {
    if (err instanceof ApiError && err.problem.code === 'checkin.staff_not_found') {
      // Someone (another tab, another admin) removed them first: the outcome asked for.
      removalKeys.delete(member.userId);
      store.actions.removed(eventId, member);
    } else
      store.actions.removeFailed(
        eventId,
        t('organizer:staff.removeFailed', { name: member.displayName, reason: words(err) }),
      );
  }
});

document.addEventListener('organizer:event-selected', (ev) => {
  const { eventId } = (ev as CustomEvent<{ eventId: string }>).detail;
  store.actions.eventChosen(eventId);
  void load(eventId);
});
