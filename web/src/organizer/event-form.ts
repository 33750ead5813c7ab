import { api } from '../lib/api.js';
import { $, h, setStatus } from '../lib/dom.js';
import { checkedValues, clearErrors, formKey, numberOf, showError, textOf } from '../lib/forms.js';
import { isoToZoned, zonedToIso } from '../lib/zoned-time.js';
// The API's own vocabulary (a pure module), so the checkboxes can never offer a word it refuses.
import { categories as CATEGORIES } from '../../../src/shared/vocabulary.js';
import type { EventDetail, Venue } from './types.js';

const label = (word: string) => word.charAt(0).toUpperCase() + word.slice(1).replace('_', '-');

export interface EventForm {
  setVenues(venues: Venue[], select?: string): void;
  /** Fills the form with an existing event: saving then changes it (PATCH). */
  edit(event: EventDetail): void;
  startNew(): void;
  /** The selected venue's zone, in which every time of this event is typed. */
  timeZone(): string;
}

export function setupEventForm(onSaved: (eventId: string) => Promise<void>): EventForm {
  const form = $<HTMLFormElement>('#event-form');
  const status = $('.status', form);
  const venueSelect = $<HTMLSelectElement>('#event-venue');
  const key = formKey(form);
  let editing: string | null = null;
  let venues: Venue[] = [];

  $('#event-category-options').replaceChildren(
    ...CATEGORIES.map((value) =>
      h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'categories', value }), label(value)),
    ),
  );

  const timeZone = () => venueSelect.selectedOptions[0]?.dataset.tz ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const showZone = () => void ($('#event-tz').textContent = timeZone());
  venueSelect.addEventListener('change', showZone);

  /** `final`: the event was cancelled or has ended; its details are shown but can no longer change. */
  const setMode = (title: string | null, final: 'cancelled' | 'completed' | null = null) => {
    $('#event-title').textContent = title ? (final ? `“${title}”` : `Edit “${title}”`) : 'New event';
    $('#event-submit').textContent = title ? 'Save changes' : 'Create draft event';
    $('#event-submit').hidden = final !== null;
    for (const control of form.elements) (control as HTMLInputElement).disabled = final !== null;
    $('#event-mode-note').textContent = final
      ? `This event ${final === 'cancelled' ? 'was cancelled' : 'has taken place'}: its details can no longer change.`
      : title
        ? 'Changes show on the event page at once. Times are the venue’s local time.'
        : 'A new event starts as a draft: only you can see it until you publish it.';
  };

  const time = (name: string) => zonedToIso(textOf(form, name), timeZone());

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const limit = numberOf(form, 'policies.perAccountLimit');
    const body = {
      venueId: venueSelect.value || undefined,
      title: textOf(form, 'title'),
      description: textOf(form, 'description'),
      categories: checkedValues(form, 'categories'),
      performers: textOf(form, 'performers')
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
      // An empty start is left out, so the API names it as missing.
      startsAt: time('startsAt') ?? undefined,
      doorsAt: time('doorsAt'),
      endsAt: time('endsAt'),
      policies: {
        refundableUntil: time('policies.refundableUntil'),
        transfersAllowed: $<HTMLInputElement>('#event-transfers').checked,
        perAccountLimit: limit ?? null,
      },
    };
    const button = $<HTMLButtonElement>('#event-submit');
    button.disabled = true;
    setStatus(status, 'busy', editing ? 'Saving…' : 'Creating the event…');
    try {
      const saved = editing
        ? await api<{ id: string; title: string }>('PATCH', `/v1/events/${editing}`, body, {
            idempotencyKey: key.current(),
          })
        : await api<{ id: string; title: string }>('POST', '/v1/events', body, { idempotencyKey: key.current() });
      key.reset();
      clearErrors(form);
      setStatus(
        status,
        'ok',
        editing ? 'Saved.' : `Draft “${saved.title}” created. Add its price tiers and seats below.`,
      );
      await onSaved(saved.id);
    } catch (err) {
      showError(form, status, err);
    } finally {
      button.disabled = false;
    }
  });

  return {
    setVenues(list, select) {
      venues = list;
      const current = select ?? venueSelect.value;
      venueSelect.replaceChildren(
        h('option', { value: '' }, venues.length ? 'Choose a venue' : 'Create a venue first'),
        ...venues.map((v) =>
          h('option', { value: v.id, 'data-tz': v.timeZone, selected: v.id === current }, `${v.name}, ${v.city}`),
        ),
      );
      showZone();
    },
    edit(event) {
      editing = event.id;
      const zone = event.startsAt.timeZone;
      if (!venues.some((v) => v.id === event.venue.id)) {
        // Another organizer's venue (an admin editing): still listed, so the select keeps it.
        this.setVenues([
          ...venues,
          { id: event.venue.id, name: event.venue.name, city: event.venue.city, timeZone: zone },
        ]);
      }
      venueSelect.value = event.venue.id;
      showZone();
      const set = (name: string, value: string) =>
        void ((form.elements.namedItem(name) as HTMLInputElement).value = value);
      set('title', event.title);
      set('description', event.description);
      set('performers', event.performers.join(', '));
      set('startsAt', isoToZoned(event.startsAt.utc, zone));
      set('doorsAt', isoToZoned(event.doorsAt, zone));
      set('endsAt', isoToZoned(event.endsAt, zone));
      set('policies.refundableUntil', isoToZoned(event.policies.refundableUntil, zone));
      set(
        'policies.perAccountLimit',
        event.policies.perAccountLimit === null ? '' : String(event.policies.perAccountLimit),
      );
      $<HTMLInputElement>('#event-transfers').checked = event.policies.transfersAllowed;
      for (const box of form.querySelectorAll<HTMLInputElement>('input[name="categories"]'))
        box.checked = event.categories.includes(box.value);
      clearErrors(form);
      setStatus(status, '', '');
      setMode(event.title, event.status === 'cancelled' || event.status === 'completed' ? event.status : null);
    },
    startNew() {
      editing = null;
      form.reset();
      clearErrors(form);
      setStatus(status, '', '');
      showZone();
      setMode(null);
      key.reset();
    },
    timeZone,
  };
}
