import { $, h } from '../../lib/dom.js';
import { clearErrors, renderFeedback } from '../../lib/forms.js';
import { localTime, money } from '../../lib/layout.js';
import { number, t } from '../../lib/i18n.js';
import { phaseBadge, type SaleView } from '../../lib/sale-phase.js';
import type { Store } from '../../lib/store.js';
import { isoToZoned } from '../../lib/zoned-time.js';
// The API's own layout parser (pure functions), so the preview counts exactly what the API will add.
import { expandBlock, LayoutError, parseLayoutString, type LayoutReason } from '../../../../src/catalog/layout.js';
import type { EventDetail, Onsale } from '../types.js';
import { accessibleList, workspaceForms, type actions, type WorkspaceState } from './state.js';

/** The event workspace's views: each part drawn from the state (see lib/store.ts). */

type WorkspaceStore = Store<WorkspaceState, typeof actions>;

/**
 * What the sale's phase (decided by the server, src/sales/phase.ts) means for the organizer,
 * and what is theirs to do next: the words beside the same badge fans see.
 */
function phaseNote(e: EventDetail): string {
  const at = (iso: string | null) => (iso ? localTime(iso, e.startsAt.timeZone) : t('organizer:publish.unset'));
  const { sale } = e;
  const queue = sale.mode === 'queue';
  const times = { opens: at(sale.opensAt), draw: at(sale.startsAt), start: at(sale.startsAt) };
  switch (e.phase) {
    case 'draft':
      return !sale.mode
        ? t('organizer:publish.note.draftNoWindow')
        : queue
          ? t('organizer:publish.note.draftQueue', times)
          : t('organizer:publish.note.draftOpen', times);
    case 'announced':
      return t('organizer:publish.note.announced');
    case 'scheduled':
      return queue
        ? t('organizer:publish.note.scheduledQueue', times)
        : t('organizer:publish.note.scheduledOpen', times);
    case 'prequeue':
      return t('organizer:publish.note.prequeue', times);
    case 'drawing':
      return t('organizer:publish.note.drawing');
    case 'admitting':
      return t('organizer:publish.note.admitting', { crowd: drawnCrowd(sale) });
    case 'on_sale':
      return sale.endsAt
        ? t('organizer:publish.note.onSaleUntil', { end: at(sale.endsAt) })
        : t('organizer:publish.note.onSale');
    case 'paused':
      return queue ? t('organizer:publish.note.pausedQueue') : t('organizer:publish.note.pausedOpen');
    case 'sold_out':
      return t('organizer:publish.note.soldOut');
    case 'ended':
      return t('organizer:publish.note.ended');
    case 'postponed':
      return t('organizer:publish.note.postponed');
    case 'cancelled':
      return t('organizer:publish.note.cancelled');
    case 'completed':
      return t('organizer:publish.note.completed');
  }
}

/** "the 46 fans in the draw", or "everyone in the draw" while its size is unknown. */
function drawnCrowd(sale: Pick<SaleView, 'drawSize'>): string {
  const size = sale.drawSize;
  return size === null || size === undefined
    ? t('organizer:publish.crowdUnknown')
    : t('organizer:publish.crowd', { count: size, n: number(size) });
}

const formOf = (name: string) => $<HTMLFormElement>(`#${name}-form`);

function renderHeading(e: EventDetail): void {
  $('#workspace-title').textContent = e.title;
  $('#workspace-summary').replaceChildren(
    phaseBadge(e.phase),
    ` ${t('organizer:workspace.where', { venue: e.venue.name, city: e.venue.city, zone: e.startsAt.timeZone })} · `,
    h('a', { href: `/event.html?id=${e.id}` }, t('organizer:workspace.eventPage')),
    ' · ',
    h('a', { href: `/report.html?event=${e.id}` }, t('organizer:workspace.report')),
    ' · ',
    h('a', { href: `/attendees.html?event=${e.id}` }, t('organizer:workspace.attendees')),
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
      ? e.tiers.map((tier) => {
          const stock = { count: tier.capacity, n: number(tier.capacity), left: number(tier.remaining) };
          return h(
            'li',
            {},
            h('strong', {}, tier.name),
            ` — ${tier.kind === 'ga' ? t('organizer:tiers.kindGa') : t('organizer:tiers.kindReserved')}`,
            ` — ${t('organizer:tiers.allIn', { total: money(tier.totalCents, tier.currency) })}`,
            tier.feeCents
              ? ` ${t('organizer:tiers.withFee', { price: money(tier.priceCents, tier.currency), fee: money(tier.feeCents, tier.currency) })}`
              : '',
            ` — ${tier.kind === 'ga' ? t('organizer:tiers.places', stock) : t('organizer:tiers.seats', stock)}`,
            tier.kind === 'reserved' && !seatsByTier.get(tier.id)
              ? h('span', { class: 'muted' }, ` ${t('organizer:tiers.noSeatsYet')}`)
              : null,
          );
        })
      : [h('li', { class: 'muted' }, t('organizer:tiers.none'))]),
  );
  const currency = e.tiers[0]?.currency;
  if (currency) $<HTMLInputElement>('#tier-currency').value = currency;
  const reserved = e.tiers.filter((t) => t.kind === 'reserved');
  const select = $<HTMLSelectElement>('#seats-tier');
  const current = select.value;
  select.replaceChildren(
    ...(reserved.length
      ? reserved.map((tier) => h('option', { value: tier.id, selected: tier.id === current }, tier.name))
      : [h('option', { value: '' }, t('organizer:tiers.addReservedFirst'))]),
  );
  $('#section-list').replaceChildren(
    ...(sections.length
      ? sections.map((s) => {
          const count = s.rows.reduce((n, r) => n + r.seats.length, 0);
          return h(
            'li',
            {},
            h('strong', {}, t('organizer:seats.section', { name: s.name })),
            ` — ${t('organizer:seats.rows', { count: s.rows.length, n: number(s.rows.length) })}, ${t('organizer:seats.seats', { count, n: number(count) })}`,
          );
        })
      : [h('li', { class: 'muted' }, t('organizer:seats.none'))]),
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
    const words = {
      seats: t('organizer:seats.seats', { count: seats.length, n: number(seats.length) }),
      rows: t('organizer:seats.rows', { count: rows, n: number(rows) }),
      accessible: number(marked),
    };
    return marked ? t('organizer:seats.previewAccessible', words) : t('organizer:seats.preview', words);
  } catch (err) {
    return err instanceof LayoutError ? t('organizer:seats.unreadable', { reason: layoutReason(err) }) : '';
  }
}

/** Why the layout cannot be read, in the page's language. */
function layoutReason(err: LayoutError): string {
  const values: Record<string, unknown> = { ...err.values };
  if (typeof values.max === 'number') values.max = number(values.max);
  const say: Record<LayoutReason, string> = {
    shape: t('organizer:layoutReason.shape'),
    notRange: t('organizer:layoutReason.notRange', values),
    mixed: t('organizer:layoutReason.mixed', values),
    seatLetters: t('organizer:layoutReason.seatLetters'),
    downwards: t('organizer:layoutReason.downwards', values),
    tooHigh: t('organizer:layoutReason.tooHigh', values),
    tooMany: t('organizer:layoutReason.tooMany', values),
    twice: t('organizer:layoutReason.twice'),
    rowMissing: t('organizer:layoutReason.rowMissing', values),
    sectionLength: t('organizer:layoutReason.sectionLength'),
  };
  return say[err.reason];
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
  publish.textContent = t('organizer:publish.publish');
  publish.disabled = busy === 'publish';
  reopen.hidden = e.phase !== 'postponed';
  reopen.textContent = t('organizer:publish.reopen');
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
