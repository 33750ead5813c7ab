import { api } from '../lib/api.js';
import { $, h, setStatus } from '../lib/dom.js';
import { checkedValues, clearErrors, formKey, numberOf, showError, textOf } from '../lib/forms.js';
import { t } from '../lib/i18n.js';
import { isoToZoned, zonedToIso } from '../lib/zoned-time.js';
// The API's own vocabulary (a pure module), so the checkboxes can never offer a word it refuses.
import { categories as CATEGORIES } from '../../../src/shared/vocabulary.js';
import type { EventDetail, Venue } from './types.js';

/** A category in the page's language; test/unit/event-form-words.test.ts checks each has a message. */
const categoryName = (word: string) => t(`eventForm:category.${word}`);

/** The languages an event's description is written in beside English (src/catalog/descriptions.ts). */
const TRANSLATED = ['de', 'es'] as const;

/** The organizer's read of the event carries the description in every language (GET /v1/events/:id). */
type Editable = EventDetail & { descriptions?: { en: string; de: string | null; es: string | null } | null };

/**
 * The German and Spanish descriptions, beside the English one that organizer.html holds: each
 * optional, written in its language (`lang`), and named as the API names them, so a refusal
 * shows beside the right one.
 */
function translatedDescriptions(form: HTMLFormElement): void {
  const english = form.querySelector<HTMLTextAreaElement>('#event-description');
  if (!english || form.querySelector('#event-description-de')) return;
  const hint = h('p', { id: 'event-descriptions-hint', class: 'hint' }, t('eventForm:descriptions.hint'));
  const fields = TRANSLATED.map((lang) =>
    h(
      'div',
      { class: 'field' },
      h(
        'label',
        { for: `event-description-${lang}` },
        lang === 'de' ? t('eventForm:descriptions.de') : t('eventForm:descriptions.es'),
        ' ',
        h('span', { class: 'muted' }, t('eventForm:descriptions.optional')),
      ),
      h('textarea', {
        id: `event-description-${lang}`,
        name: `descriptions.${lang}`,
        lang,
        rows: '4',
        maxlength: '10000',
        'aria-describedby': 'event-descriptions-hint',
      }),
    ),
  );
  (english.closest('.field') ?? english).after(...fields, hint);
}

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
  translatedDescriptions(form);

  $('#event-category-options').replaceChildren(
    ...CATEGORIES.map((value) =>
      h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'categories', value }), categoryName(value)),
    ),
  );

  const timeZone = () => venueSelect.selectedOptions[0]?.dataset.tz ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const showZone = () => void ($('#event-tz').textContent = timeZone());
  venueSelect.addEventListener('change', showZone);

  /** `final`: the event was cancelled or has ended; its details are shown but can no longer change. */
  const setMode = (title: string | null, final: 'cancelled' | 'completed' | null = null) => {
    $('#event-title').textContent = title
      ? final
        ? t('eventForm:heading.final', { title })
        : t('eventForm:heading.edit', { title })
      : t('eventForm:heading.new');
    $('#event-submit').textContent = title ? t('eventForm:submit.save') : t('eventForm:submit.create');
    $('#event-submit').hidden = final !== null;
    for (const control of form.elements) (control as HTMLInputElement).disabled = final !== null;
    $('#event-mode-note').textContent =
      final === 'cancelled'
        ? t('eventForm:note.cancelled')
        : final === 'completed'
          ? t('eventForm:note.completed')
          : title
            ? t('eventForm:note.edit')
            : t('eventForm:note.new');
  };

  const time = (name: string) => zonedToIso(textOf(form, name), timeZone());

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const limit = numberOf(form, 'policies.perAccountLimit');
    const body = {
      venueId: venueSelect.value || undefined,
      title: textOf(form, 'title'),
      description: textOf(form, 'description'),
      // Each language as typed: an empty one removes that language's text.
      descriptions: { de: textOf(form, 'descriptions.de'), es: textOf(form, 'descriptions.es') },
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
    setStatus(status, 'busy', editing ? t('eventForm:status.saving') : t('eventForm:status.creating'));
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
        editing ? t('eventForm:status.saved') : t('eventForm:status.created', { title: saved.title }),
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
        h('option', { value: '' }, venues.length ? t('eventForm:venue.choose') : t('eventForm:venue.none')),
        ...venues.map((v) =>
          h(
            'option',
            { value: v.id, 'data-tz': v.timeZone, selected: v.id === current },
            t('eventForm:venue.option', { name: v.name, city: v.city }),
          ),
        ),
      );
      showZone();
    },
    edit(shown) {
      const event = shown as Editable;
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
      // The English one: `description` is in the organizer's own language when the event has it.
      const texts = event.descriptions;
      set('description', texts?.en ?? event.description);
      set('descriptions.de', texts?.de ?? '');
      set('descriptions.es', texts?.es ?? '');
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
