import { api } from '../lib/api.js';
import { $, h, setStatus } from '../lib/dom.js';
import { clearErrors, formKey, numberOf, showError, showFieldErrors, textOf, toMinorUnits } from '../lib/forms.js';
import { money } from '../lib/layout.js';
import { isoToZoned, zonedToIso } from '../lib/zoned-time.js';
// The API's own layout parser (pure functions), so the preview counts exactly what the API will add.
import { expandBlock, LayoutError, parseLayoutString } from '../../../src/catalog/layout.js';
import { statusLabels, type EventDetail, type Onsale } from './types.js';

/** The selected event's tiers, seats, on-sale window and publishing. */

export interface Workspace {
  show(event: EventDetail, onsale: Onsale | null): void;
  hide(): void;
}

const STATUS_NOTES: Record<string, string> = {
  draft: 'Draft: only you (and admins) can see this event.',
  scheduled: 'Published: fans can find it; tickets go on sale in the on-sale window.',
  on_sale: 'On sale: fans can buy within the on-sale window.',
  sold_out: 'Sold out.',
  postponed: 'Postponed: tickets stay valid.',
  cancelled: 'Cancelled.',
  completed: 'Completed.',
};

const accessibleList = (text: string) =>
  text
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean);

export function setupWorkspace(reload: (eventId: string) => Promise<void>): Workspace {
  const section = $('#workspace');
  let event: EventDetail | undefined;
  let onsale: Onsale | null = null;
  const zone = () => event?.startsAt.timeZone ?? 'UTC';

  // Tiers -------------------------------------------------------------------------------
  const tierForm = $<HTMLFormElement>('#tier-form');
  const tierStatus = $('.status', tierForm);
  const tierKey = formKey(tierForm);
  const kind = () =>
    (tierForm.querySelector<HTMLInputElement>('input[name="kind"]:checked')?.value ?? 'reserved') as 'reserved' | 'ga';
  const showCapacity = () => void ($('#tier-capacity-field').hidden = kind() !== 'ga');
  tierForm.addEventListener('change', showCapacity);
  tierForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!event) return;
    const currency = textOf(tierForm, 'currency').toUpperCase();
    const body = {
      name: textOf(tierForm, 'name'),
      kind: kind(),
      priceCents: toMinorUnits(textOf(tierForm, 'priceCents'), currency),
      feeCents: toMinorUnits(textOf(tierForm, 'feeCents'), currency),
      currency,
      ...(kind() === 'ga' ? { capacity: numberOf(tierForm, 'capacity') } : {}),
    };
    await submit(tierForm, tierStatus, 'Adding the tier…', async () => {
      const tier = await api<{ name: string }>('POST', `/v1/events/${event!.id}/tiers`, body, {
        idempotencyKey: tierKey.current(),
      });
      tierKey.reset();
      tierForm.reset();
      $<HTMLInputElement>('#tier-currency').value = currency;
      showCapacity();
      return `Tier “${tier.name}” added.${body.kind === 'reserved' ? ' Now add its seats from a layout.' : ''}`;
    });
  });

  // Seats -------------------------------------------------------------------------------
  const seatsForm = $<HTMLFormElement>('#seats-form');
  const seatsStatus = $('.status', seatsForm);
  const seatsKey = formKey(seatsForm);
  const preview = () => {
    const out = $('#seats-preview');
    const layout = textOf(seatsForm, 'blocks.0.layout');
    if (!layout) return void (out.textContent = '');
    try {
      const seats = expandBlock(
        {
          ...parseLayoutString(layout, 'layout'),
          accessible: accessibleList(textOf(seatsForm, 'blocks.0.accessible')),
        },
        'layout',
      );
      const rows = new Set(seats.map((s) => s.row)).size;
      const accessible = seats.filter((s) => s.accessible).length;
      out.textContent = `Adds ${seats.length.toLocaleString()} seats in ${rows} row${rows === 1 ? '' : 's'}${accessible ? `, ${accessible} accessible` : ''}.`;
    } catch (err) {
      out.textContent = err instanceof LayoutError ? `Not readable yet: ${err.message}.` : '';
    }
  };
  seatsForm.addEventListener('input', preview);
  seatsForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!event) return;
    const accessible = accessibleList(textOf(seatsForm, 'blocks.0.accessible'));
    const body = {
      blocks: [
        {
          tierId: textOf(seatsForm, 'blocks.0.tierId'),
          layout: textOf(seatsForm, 'blocks.0.layout'),
          ...(accessible.length ? { accessible } : {}),
        },
      ],
    };
    if (!body.blocks[0]!.tierId) {
      showFieldErrors(seatsForm, seatsStatus, 'Seats belong to a reserved tier.', [
        { field: 'blocks.0.tierId', message: 'add a reserved tier first, then choose it here' },
      ]);
      return;
    }
    await submit(seatsForm, seatsStatus, 'Adding seats…', async () => {
      const { created } = await api<{ created: number }>('POST', `/v1/events/${event!.id}/seats`, body, {
        idempotencyKey: seatsKey.current(),
      });
      seatsKey.reset();
      $<HTMLInputElement>('#seats-layout').value = '';
      $<HTMLInputElement>('#seats-accessible').value = '';
      preview();
      return `${created.toLocaleString()} seats added.`;
    });
  });

  // On-sale window ----------------------------------------------------------------------
  const onsaleForm = $<HTMLFormElement>('#onsale-form');
  const onsaleStatus = $('.status', onsaleForm);
  const onsaleKey = formKey(onsaleForm);
  const mode = () =>
    (onsaleForm.querySelector<HTMLInputElement>('input[name="mode"]:checked')?.value ?? 'queue') as 'queue' | 'open';
  const showQueueFields = () => {
    for (const el of onsaleForm.querySelectorAll<HTMLElement>('.queue-only')) el.hidden = mode() !== 'queue';
  };
  const verifiedOnly = () => onsaleForm.elements.namedItem('requireVerifiedEmail') as HTMLInputElement;
  onsaleForm.addEventListener('change', showQueueFields);
  onsaleForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!event) return;
    const time = (name: string) => zonedToIso(textOf(onsaleForm, name), zone());
    const queue = mode() === 'queue';
    const body = {
      mode: mode(),
      // Queue-only settings are left out of an open sale: the API refuses them there.
      ...(queue
        ? {
            prequeueOpensAt: time('prequeueOpensAt'),
            admitPerMinute: numberOf(onsaleForm, 'admitPerMinute'),
            requireVerifiedEmail: verifiedOnly().checked,
          }
        : {}),
      saleStartsAt: time('saleStartsAt') ?? undefined,
      saleEndsAt: time('saleEndsAt'),
      purchaseTokenTtlSeconds: numberOf(onsaleForm, 'purchaseTokenTtlSeconds'),
      holdTtlSeconds: numberOf(onsaleForm, 'holdTtlSeconds'),
      perAccountLimit: numberOf(onsaleForm, 'perAccountLimit') ?? null,
      // Saving the window must not resume a sale the live dashboard paused or closed.
      state: onsale?.state ?? 'scheduled',
    };
    await submit(onsaleForm, onsaleStatus, 'Saving the on-sale window…', async () => {
      await api('PUT', `/v1/events/${event!.id}/onsale`, body, { idempotencyKey: onsaleKey.current() });
      onsaleKey.reset();
      return 'On-sale window saved.';
    });
  });

  // Publishing --------------------------------------------------------------------------
  const publishForm = $<HTMLFormElement>('#publish-form');
  const publishStatus = $('.status', publishForm);
  publishForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!event) return;
    const target = ((e as SubmitEvent).submitter as HTMLButtonElement | null)?.value ?? 'scheduled';
    // A draft reaches on_sale through scheduled: the API allows one step at a time.
    const steps = event.status === 'draft' && target === 'on_sale' ? ['scheduled', 'on_sale'] : [target];
    await submit(publishForm, publishStatus, 'Publishing…', async () => {
      for (const status of steps) await api('PATCH', `/v1/events/${event!.id}`, { status });
      return target === 'on_sale' ? 'Published and on sale.' : 'Published.';
    });
  });

  /** Runs one mutation with the form's button disabled, then reloads the event on success. */
  async function submit(
    form: HTMLFormElement,
    status: HTMLElement,
    busy: string,
    run: () => Promise<string>,
  ): Promise<void> {
    const buttons = [...form.querySelectorAll<HTMLButtonElement>('button[type=submit]')];
    for (const b of buttons) b.disabled = true;
    setStatus(status, 'busy', busy);
    try {
      const done = await run();
      clearErrors(form);
      await reload(event!.id);
      setStatus(status, 'ok', done);
    } catch (err) {
      showError(form, status, err);
    } finally {
      for (const b of buttons) b.disabled = false;
      renderPublish();
    }
  }

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

  function renderOnsale(o: Onsale | null): void {
    const set = (name: string, value: string) =>
      void ((onsaleForm.elements.namedItem(name) as HTMLInputElement).value = value);
    clearErrors(onsaleForm);
    if (o) {
      for (const radio of onsaleForm.querySelectorAll<HTMLInputElement>('input[name="mode"]'))
        radio.checked = radio.value === o.mode;
      set('prequeueOpensAt', isoToZoned(o.prequeueOpensAt, zone()));
      set('saleStartsAt', isoToZoned(o.saleStartsAt, zone()));
      set('saleEndsAt', isoToZoned(o.saleEndsAt, zone()));
      set('admitPerMinute', o.admitPerMinute === null ? '300' : String(o.admitPerMinute));
      set('purchaseTokenTtlSeconds', String(o.purchaseTokenTtlSeconds));
      set('holdTtlSeconds', String(o.holdTtlSeconds));
      set('perAccountLimit', o.perAccountLimit === null ? '' : String(o.perAccountLimit));
      // An open sale has no waiting room: switching it to a queue starts from the recommended setting.
      verifiedOnly().checked = o.mode === 'queue' ? o.requireVerifiedEmail : true;
    } else {
      onsaleForm.reset();
    }
    showQueueFields();
  }

  function renderPublish(): void {
    if (!event) return;
    const s = event.status;
    const scheduled = $<HTMLButtonElement>('#publish-scheduled');
    const open = $<HTMLButtonElement>('#publish-onsale');
    scheduled.hidden = s !== 'draft';
    open.hidden = !['draft', 'scheduled', 'postponed'].includes(s);
    open.textContent = s === 'draft' ? 'Publish and open sales' : 'Open sales';
    // Opening sales without a window would leave fans with nothing to join; set it first.
    open.disabled = onsale === null;
    $('#publish-state').replaceChildren(
      h('span', { class: `badge badge-${s}` }, statusLabels[s] ?? s),
      ` ${STATUS_NOTES[s] ?? ''}`,
      onsale === null && !open.hidden ? ' Set the on-sale window before opening sales.' : '',
    );
  }

  return {
    show(e, o) {
      const changed = event?.id !== e.id;
      event = e;
      onsale = o;
      section.hidden = false;
      $('#workspace-title').textContent = e.title;
      $('#workspace-summary').replaceChildren(
        h('span', { class: `badge badge-${e.status}` }, statusLabels[e.status] ?? e.status),
        ` ${e.venue.name}, ${e.venue.city} · times in ${e.startsAt.timeZone} · `,
        h('a', { href: `/event.html?id=${e.id}` }, 'Event page'),
      );
      renderTiers(e);
      if (changed) {
        renderOnsale(o);
        for (const form of [tierForm, seatsForm, publishForm]) {
          clearErrors(form);
          setStatus($('.status', form), '', '');
        }
        setStatus(onsaleStatus, '', '');
      }
      renderPublish();
      for (const id of ['drop-dashboard', 'cancel-panel']) $(`#${id}`).dataset.eventId = e.id;
      if (changed) document.dispatchEvent(new CustomEvent('organizer:event-selected', { detail: { eventId: e.id } }));
    },
    hide() {
      event = undefined;
      section.hidden = true;
    },
  };
}
