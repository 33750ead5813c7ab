import { $, h } from '../../lib/dom.js';
import { clearErrors, renderFeedback } from '../../lib/forms.js';
import { money } from '../../lib/layout.js';
import type { Store } from '../../lib/store.js';
import { isoToZoned } from '../../lib/zoned-time.js';
// The API's own layout parser (pure functions), so the preview counts exactly what the API will add.
import { expandBlock, LayoutError, parseLayoutString } from '../../../../src/catalog/layout.js';
import { statusLabels, type EventDetail, type Onsale } from '../types.js';
import { accessibleList, workspaceForms, type actions, type WorkspaceState } from './state.js';

/** The event workspace's views: each part drawn from the state (see lib/store.ts). */

type WorkspaceStore = Store<WorkspaceState, typeof actions>;

const STATUS_NOTES: Record<string, string> = {
  draft: 'Draft: only you (and admins) can see this event.',
  scheduled: 'Published: fans can find it; tickets go on sale in the on-sale window.',
  on_sale: 'On sale: fans can buy within the on-sale window.',
  sold_out: 'Sold out.',
  postponed: 'Postponed: tickets stay valid.',
  cancelled: 'Cancelled.',
  completed: 'Completed.',
};

const formOf = (name: string) => $<HTMLFormElement>(`#${name}-form`);
const badge = (status: string) => h('span', { class: `badge badge-${status}` }, statusLabels[status] ?? status);

function renderHeading(e: EventDetail): void {
  $('#workspace-title').textContent = e.title;
  $('#workspace-summary').replaceChildren(
    badge(e.status),
    ` ${e.venue.name}, ${e.venue.city} · times in ${e.startsAt.timeZone} · `,
    h('a', { href: `/event.html?id=${e.id}` }, 'Event page'),
  );
}

/** The tiers with their prices and stock, the reserved ones to add seats to, and the sections so far. */
function renderTiers(e: EventDetail): void {
  const sections = e.seatMap?.sections ?? [];
  const seatsByTier = new Map<string, number>();
  for (const s of sections)
    for (const r of s.rows)
      for (const seat of r.seats) seatsByTier.set(seat.tierId, (seatsByTier.get(seat.tierId) ?? 0) + 1);
  $('#tier-list').replaceChildren(
    ...(e.tiers.length
      ? e.tiers.map((t) =>
          h(
            'li',
            {},
            h('strong', {}, t.name),
            ` — ${t.kind === 'ga' ? 'general admission' : 'reserved seats'} — ${money(t.totalCents, t.currency)} all-in`,
            t.feeCents ? ` (${money(t.priceCents, t.currency)} + ${money(t.feeCents, t.currency)} fee)` : '',
            ` — ${t.capacity.toLocaleString()} ${t.kind === 'ga' ? 'places' : 'seats'}, ${t.remaining.toLocaleString()} left`,
            t.kind === 'reserved' && !seatsByTier.get(t.id) ? h('span', { class: 'muted' }, ' (no seats yet)') : null,
          ),
        )
      : [h('li', { class: 'muted' }, 'No tiers yet.')]),
  );
  const currency = e.tiers[0]?.currency;
  if (currency) $<HTMLInputElement>('#tier-currency').value = currency;
  const reserved = e.tiers.filter((t) => t.kind === 'reserved');
  const select = $<HTMLSelectElement>('#seats-tier');
  const current = select.value;
  select.replaceChildren(
    ...(reserved.length
      ? reserved.map((t) => h('option', { value: t.id, selected: t.id === current }, t.name))
      : [h('option', { value: '' }, 'Add a reserved tier first')]),
  );
  $('#section-list').replaceChildren(
    ...(sections.length
      ? sections.map((s) => {
          const count = s.rows.reduce((n, r) => n + r.seats.length, 0);
          return h(
            'li',
            {},
            h('strong', {}, `Section ${s.name}`),
            ` — ${s.rows.length} rows, ${count.toLocaleString()} seats`,
          );
        })
      : [h('li', { class: 'muted' }, 'No seats yet.')]),
  );
}

/** The on-sale form filled from the saved window, in the venue's zone (or its defaults when there is none). */
function fillOnsaleForm(o: Onsale | null, zone: string): void {
  const form = formOf('onsale');
  const set = (name: string, value: string) => void ((form.elements.namedItem(name) as HTMLInputElement).value = value);
  clearErrors(form);
  if (!o) return form.reset();
  for (const radio of form.querySelectorAll<HTMLInputElement>('input[name="mode"]'))
    radio.checked = radio.value === o.mode;
  set('prequeueOpensAt', isoToZoned(o.prequeueOpensAt, zone));
  set('saleStartsAt', isoToZoned(o.saleStartsAt, zone));
  set('saleEndsAt', isoToZoned(o.saleEndsAt, zone));
  set('admitPerMinute', o.admitPerMinute === null ? '300' : String(o.admitPerMinute));
  set('purchaseTokenTtlSeconds', String(o.purchaseTokenTtlSeconds));
  set('holdTtlSeconds', String(o.holdTtlSeconds));
  set('perAccountLimit', o.perAccountLimit === null ? '' : String(o.perAccountLimit));
  // An open sale has no waiting room: switching it to a queue starts from the recommended setting.
  (form.elements.namedItem('requireVerifiedEmail') as HTMLInputElement).checked =
    o.mode === 'queue' ? o.requireVerifiedEmail : true;
}

/** "Adds 30 seats in 3 rows, 6 accessible." while the layout is typed, or why it does not read yet. */
function previewWords({ layout, accessible }: WorkspaceState['layoutDraft']): string {
  if (!layout) return '';
  try {
    const seats = expandBlock(
      { ...parseLayoutString(layout, 'layout'), accessible: accessibleList(accessible) },
      'layout',
    );
    const rows = new Set(seats.map((s) => s.row)).size;
    const marked = seats.filter((s) => s.accessible).length;
    return `Adds ${seats.length.toLocaleString()} seats in ${rows} row${rows === 1 ? '' : 's'}${marked ? `, ${marked} accessible` : ''}.`;
  } catch (err) {
    return err instanceof LayoutError ? `Not readable yet: ${err.message}.` : '';
  }
}

/** The publish buttons this status allows, and what the status means. */
function renderPublish([e, onsale, busy]: [EventDetail | null, Onsale | null, WorkspaceState['busy']]): void {
  if (!e) return;
  const s = e.status;
  const scheduled = $<HTMLButtonElement>('#publish-scheduled');
  const open = $<HTMLButtonElement>('#publish-onsale');
  scheduled.hidden = s !== 'draft';
  scheduled.disabled = busy === 'publish';
  open.hidden = !['draft', 'scheduled', 'postponed'].includes(s);
  open.textContent = s === 'draft' ? 'Publish and open sales' : 'Open sales';
  // Opening sales without a window would leave fans with nothing to join; set it first.
  open.disabled = busy === 'publish' || onsale === null;
  $('#publish-state').replaceChildren(
    badge(s),
    ` ${STATUS_NOTES[s] ?? ''}`,
    onsale === null && !open.hidden ? ' Set the on-sale window before opening sales.' : '',
  );
}

export function showWorkspace(store: WorkspaceStore): void {
  store.view(
    (s) => s.event,
    (e) => {
      $('#workspace').hidden = !e;
      if (!e) return;
      renderHeading(e);
      renderTiers(e);
    },
  );
  // Filled when another event is selected, not on every reload: the organizer may be editing it.
  store.view(
    (s) => s.event?.id,
    (id, s) => id && fillOnsaleForm(s.onsale, s.event!.startsAt.timeZone),
  );
  store.view(
    (s) => s.event?.id,
    (id) => {
      if (id) for (const panel of ['drop-dashboard', 'cancel-panel']) $(`#${panel}`).dataset.eventId = id;
    },
  );

  store.view(
    (s) => s.tierKind,
    (kind) => void ($('#tier-capacity-field').hidden = kind !== 'ga'),
  );
  store.view(
    (s) => s.saleMode,
    (mode) => {
      for (const el of formOf('onsale').querySelectorAll<HTMLElement>('.queue-only')) el.hidden = mode !== 'queue';
    },
  );
  store.view(
    (s) => s.layoutDraft,
    (draft) => void ($('#seats-preview').textContent = previewWords(draft)),
  );
  store.view(
    (s) => [s.event, s.onsale, s.busy] as [EventDetail | null, Onsale | null, WorkspaceState['busy']],
    renderPublish,
  );

  for (const name of workspaceForms) {
    const form = formOf(name);
    store.view(
      (s) => s.feedback[name],
      (feedback) => renderFeedback(form, $('.status', form), feedback),
    );
    // The publish buttons also depend on the event's status: renderPublish has them.
    if (name !== 'publish')
      store.view(
        (s) => s.busy === name,
        (busy) => {
          for (const b of form.querySelectorAll<HTMLButtonElement>('button[type=submit]')) b.disabled = busy;
        },
      );
  }
}
