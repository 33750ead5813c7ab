import { $, h, setStatus } from '../../lib/dom.js';
import { renderFeedback } from '../../lib/forms.js';
import { locale, t } from '../../lib/i18n.js';
import type { Store } from '../../lib/store.js';
import type { actions, StaffMember, StaffState } from './state.js';

/** The "Door staff" section's views: each part drawn from the state (see lib/store.ts). */

type StaffStore = Store<StaffState, typeof actions>;

const day = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', year: 'numeric' });

function memberRow(m: StaffMember, busy: StaffState['busy']): HTMLElement {
  return h(
    'li',
    { class: 'staff-member', 'data-user-id': m.userId },
    h(
      'div',
      {},
      h('strong', {}, m.displayName),
      ` ${m.email}`,
      h('span', { class: 'muted' }, ` · ${t('organizer:staff.added', { day: day.format(new Date(m.since)) })}`),
      m.confirmed ? null : h('p', { class: 'hint' }, t('organizer:staff.unconfirmed')),
    ),
    h(
      'button',
      {
        type: 'button',
        class: 'secondary',
        'data-remove': m.userId,
        'aria-label': t('organizer:staff.removeLabel', { name: m.displayName, email: m.email }),
        disabled: busy !== null,
      },
      busy?.kind === 'remove' && busy.userId === m.userId ? t('organizer:staff.removing') : t('organizer:staff.remove'),
    ),
  );
}

export function showStaff(store: StaffStore): void {
  store.view(
    (s) => [s.staff, s.busy],
    (_, s) => {
      const list = $('#staff-list');
      if (s.staff === null) return void list.replaceChildren();
      list.replaceChildren(
        ...(s.staff.length
          ? s.staff.map((m) => memberRow(m, s.busy))
          : [h('li', { class: 'muted' }, t('organizer:staff.none'))]),
      );
    },
  );
  store.view(
    (s) => s.status,
    (line) => setStatus($('#staff-status'), line.kind, line.text),
  );
  const form = $<HTMLFormElement>('#staff-form');
  store.view(
    (s) => s.invite,
    (feedback) => renderFeedback(form, $('.status', form), feedback),
  );
  store.view(
    (s) => s.busy?.kind === 'invite',
    (inviting) => void ($<HTMLButtonElement>('button[type=submit]', form).disabled = inviting),
  );
}
