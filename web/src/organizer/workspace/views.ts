import { $, h } from '../../lib/dom.js';
import { clearErrors, renderFeedback } from '../../lib/forms.js';
import { localTime, money } from '../../lib/layout.js';
import { drawnCrowd, phaseBadge } from '../../lib/sale-phase.js';
import type { Store } from '../../lib/store.js';
import { isoToZoned } from '../../lib/zoned-time.js';
// The API's own layout parser (pure functions), so the preview counts exactly what the API will add.
import { expandBlock, LayoutError, parseLayoutString } from '../../../../src/catalog/layout.js';
import type { EventDetail, Onsale } from '../types.js';
import { accessibleList, workspaceForms, type actions, type WorkspaceState } from './state.js';

/** The event workspace's views: each part drawn from the state (see lib/store.ts). */

type WorkspaceStore = Store<WorkspaceState, typeof actions>;

/**
 * What the sale's phase (decided by the server, src/sales/phase.ts) means for the organizer,
 * and what is theirs to do next: the words beside the same badge fans see.
 */
function phaseNote(e: EventDetail): string {
  const at = (iso: string | null) => (iso ? localTime(iso, e.startsAt.timeZone) : 'a time still to be set');
  const { sale } = e;
  const queue = sale.mode === 'queue';
  const window = queue
    ? `the waiting room opens ${at(sale.opensAt)} and the draw is ${at(sale.startsAt)}`
    : `sales open ${at(sale.startsAt)}`;
  switch (e.phase) {
    case 'draft':
      return sale.mode
        ? `Draft: only you (and admins) can see this event. Once published, sales follow the on-sale window: ${window}.`
        : 'Draft: only you (and admins) can see this event. Set the on-sale window above; once published, sales follow it.';
    case 'announced':
      return 'Published: fans can find it. No on-sale window yet: set one above and sales follow it.';
    case 'scheduled':
      return `Published: ${window}.`;
    case 'prequeue':
      return `Published: the waiting room is open; the draw is ${at(sale.startsAt)}.`;
    case 'drawing':
      return 'Live: the draw is under way.';
    case 'admitting':
      return `Live: the waiting room admits fans in the order of the draw (${drawnCrowd(sale)}), then later arrivals. Follow or pause it in the live drop below.`;
    case 'on_sale':
      return sale.endsAt ? `On sale: fans can buy now, until ${at(sale.endsAt)}.` : 'On sale: fans can buy now.';
    case 'paused':
      return queue
        ? 'Paused: no one is admitted and fans keep their places. Resume it in the live drop below.'
        : 'Paused: fans cannot buy until the on-sale is resumed.';
    case 'sold_out':
      return 'Sold out: every ticket is sold or held. Seats whose holds expire go back on sale by themselves.';
    case 'ended':
      return 'Sales have ended.';
    case 'postponed':
      return 'Postponed: sales are stopped. Put it back on sale once fans can buy for the new date.';
    case 'cancelled':
      return 'Cancelled: every ticket is revoked and every order is being refunded. Nothing about the event can change any more; the refunds are below.';
    case 'completed':
      return 'This event has taken place.';
  }
}

const formOf = (name: string) => $<HTMLFormElement>(`#${name}-form`);

function renderHeading(e: EventDetail): void {
  $('#workspace-title').textContent = e.title;
  $('#workspace-summary').replaceChildren(
    phaseBadge(e.phase),
    ` ${e.venue.name}, ${e.venue.city} · times in ${e.startsAt.timeZone} · `,
    h('a', { href: `/event.html?id=${e.id}` }, 'Event page'),
    ' · ',
    h('a', { href: `/report.html?event=${e.id}` }, 'Drop report'),
    ' · ',
    h('a', { href: `/attendees.html?event=${e.id}` }, 'Attendees and check-ins'),
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

/**
 * The publish panel: the phase and what it means, and only the step the event can take now.
 * A draft is published (sales then follow the on-sale window); a postponed event is put back
 * on sale; nothing else is the panel's to change (a live drop is paused from its dashboard).
 */
function renderPublish([e, busy]: [EventDetail | null, WorkspaceState['busy']]): void {
  if (!e) return;
  const publish = $<HTMLButtonElement>('#publish-scheduled');
  const reopen = $<HTMLButtonElement>('#publish-onsale');
  publish.hidden = e.phase !== 'draft';
  publish.textContent = 'Publish';
  publish.disabled = busy === 'publish';
  reopen.hidden = e.phase !== 'postponed';
  reopen.textContent = 'Back on sale';
  reopen.disabled = busy === 'publish';
  $('#publish-form .actions').hidden = publish.hidden && reopen.hidden;
  $('#publish-state').replaceChildren(phaseBadge(e.phase), ` ${phaseNote(e)}`);
}

/** Once cancelled or over, nothing about the event can change: its forms give way to what is left (the refunds). */
const CLOSED = new Set(['cancelled', 'completed']);

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
  store.view((s) => [s.event, s.busy] as [EventDetail | null, WorkspaceState['busy']], renderPublish);
  store.view(
    (s) => (s.event ? CLOSED.has(s.event.phase) : false),
    (closed) => {
      for (const name of ['tier', 'seats', 'onsale'] as const) formOf(name).hidden = closed;
    },
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
