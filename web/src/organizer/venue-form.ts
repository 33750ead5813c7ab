import { api } from '../lib/api.js';
import { $, h, setStatus } from '../lib/dom.js';
import {
  checkedValues,
  clearErrors,
  formKey,
  numberOf,
  showError,
  showFieldErrors,
  textOf,
  type FieldMessage,
} from '../lib/forms.js';
import { t } from '../lib/i18n.js';
import { accessibilityFeatures, accessibilityLabel } from '../lib/layout.js';
import type { Venue } from './types.js';

/** "Hôtel de Ville; A, C; 5" per line → transit stops; unreadable lines are named like API errors. */
function parseStops(text: string): {
  stops: { name: string; lines: string[]; walkingMinutes: number }[];
  problems: FieldMessage[];
} {
  const problems: FieldMessage[] = [];
  const stops = text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line, i) => {
      const [name = '', lines = '', minutes = ''] = line.split(';').map((p) => p.trim());
      if (!/^\d+$/.test(minutes))
        problems.push({ field: `transit.stops.${i}`, message: t('organizer:venues.stopUnreadable') });
      return {
        name,
        lines: lines
          .split(',')
          .map((l) => l.trim())
          .filter(Boolean),
        walkingMinutes: Number(minutes),
      };
    });
  return { stops, problems };
}

export function setupVenueForm(onCreated: (venue: Venue) => void): void {
  const form = $<HTMLFormElement>('#venue-form');
  const status = $('.status', form);
  const key = formKey(form);

  const zones = $<HTMLSelectElement>('#venue-tz');
  const here = Intl.DateTimeFormat().resolvedOptions().timeZone;
  // The browser's list leaves out aliases such as UTC; keep the organizer's own zone selectable.
  const known = Intl.supportedValuesOf('timeZone');
  const list = known.includes(here) ? known : [here, ...known];
  zones.replaceChildren(...list.map((tz) => h('option', { value: tz, selected: tz === here }, tz)));
  $('#venue-access-options').replaceChildren(
    ...accessibilityFeatures.map((value) =>
      h(
        'label',
        { class: 'check' },
        h('input', { type: 'checkbox', name: 'accessibility', value }),
        accessibilityLabel(value),
      ),
    ),
  );

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const { stops, problems } = parseStops(textOf(form, 'transit.stops'));
    if (problems.length) {
      showFieldErrors(form, status, t('organizer:venues.stopsUnreadable'), problems);
      return;
    }
    const body = {
      name: textOf(form, 'name'),
      address: textOf(form, 'address'),
      city: textOf(form, 'city'),
      country: textOf(form, 'country').toUpperCase(),
      latitude: numberOf(form, 'latitude'),
      longitude: numberOf(form, 'longitude'),
      timeZone: textOf(form, 'timeZone'),
      accessibility: checkedValues(form, 'accessibility'),
      transit: { stops, parking: textOf(form, 'transit.parking') || null },
    };
    const button = $<HTMLButtonElement>('button[type=submit]', form);
    button.disabled = true;
    setStatus(status, 'busy', t('organizer:venues.creating'));
    try {
      const venue = await api<Venue>('POST', '/v1/venues', body, { idempotencyKey: key.current() });
      key.reset();
      clearErrors(form);
      form.reset();
      zones.value = here;
      setStatus(status, 'ok', t('organizer:venues.created', { name: venue.name }));
      onCreated(venue);
    } catch (err) {
      showError(form, status, err);
    } finally {
      button.disabled = false;
    }
  });
}
