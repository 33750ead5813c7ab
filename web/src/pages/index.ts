import { api, ApiError } from '../lib/api.js';
import { $, h, setStatus } from '../lib/dom.js';
import { accessibilityLabels, availabilityLabels, localTime, money, renderHeader } from '../lib/layout.js';

interface EventSummary {
  id: string;
  title: string;
  categories: string[];
  performers: string[];
  startsAt: { utc: string; local: string; timeZone: string };
  price: { min: number; max: number; currency: string } | null;
  availability: {
    state: string;
    remaining: number;
    capacity: number;
    queueOpensAt: string | null;
    onSaleAt: string | null;
  };
  venue: { id: string; name: string; city: string; distanceKm: number | null };
  accessibility: string[];
  transit: { stops: { name: string; lines: string[]; walkingMinutes: number }[]; parking: string | null };
  reasons: string[];
}
interface SearchResult {
  events: EventSummary[];
  nextCursor: string | null;
  personalized: boolean;
}

const form = $<HTMLFormElement>('#filters');
const list = $('#results');
const status = $('#search-status');
const more = $<HTMLButtonElement>('#more');
let cursor: string | null = null;

/** The form's filled fields as the API's query (empty fields left out; prices in minor units). */
function query(): URLSearchParams {
  const data = new FormData(form);
  const params = new URLSearchParams();
  for (const [key, raw] of data.entries()) {
    const value = String(raw).trim();
    if (!value || key === 'category' || key === 'access') continue;
    if (key === 'minPrice' || key === 'maxPrice') params.set(key, String(Math.round(Number(value) * 100)));
    else if (key === 'from' || key === 'to') params.set(key, value);
    else params.set(key, value);
  }
  const categories = data.getAll('category').map(String);
  if (categories.length) params.set('categories', categories.join(','));
  const access = data.getAll('access').map(String);
  if (access.length) params.set('accessibility', access.join(','));
  return params;
}

function card(event: EventSummary): HTMLElement {
  const a = event.availability;
  const badge = h('span', { class: `badge badge-${a.state}` }, availabilityLabels[a.state] ?? a.state);
  const remaining =
    a.state === 'on_sale' || a.state === 'queue_open'
      ? `${a.remaining.toLocaleString()} of ${a.capacity.toLocaleString()} left`
      : '';
  const when =
    a.state === 'queue_open' && a.queueOpensAt
      ? `Waiting room opened ${localTime(a.queueOpensAt, event.startsAt.timeZone)}`
      : a.state === 'not_yet' && a.onSaleAt
        ? `On sale ${localTime(a.onSaleAt, event.startsAt.timeZone)}`
        : '';
  const stop = event.transit.stops[0];
  return h(
    'li',
    { class: 'card event-card' },
    h('h3', {}, h('a', { href: `/event.html?id=${event.id}` }, event.title)),
    h(
      'p',
      { class: 'meta' },
      `${localTime(event.startsAt.utc, event.startsAt.timeZone)} · ${event.venue.name}, ${event.venue.city}`,
      event.venue.distanceKm !== null ? ` · ${event.venue.distanceKm.toFixed(1)} km` : '',
    ),
    h(
      'p',
      {},
      badge,
      ' ',
      event.price
        ? `${money(event.price.min, event.price.currency)}${event.price.max !== event.price.min ? `–${money(event.price.max, event.price.currency)}` : ''} all-in`
        : '',
      remaining ? ` · ${remaining}` : '',
      when ? ` · ${when}` : '',
    ),
    event.accessibility.length
      ? h(
          'p',
          { class: 'access' },
          ...event.accessibility.map((f) => h('span', { class: 'chip' }, accessibilityLabels[f] ?? f)),
        )
      : null,
    stop
      ? h(
          'p',
          { class: 'muted' },
          `Getting there: ${stop.name} (${stop.lines.join(', ')}), ${stop.walkingMinutes} min walk${event.transit.parking ? ` · ${event.transit.parking}` : ''}`,
        )
      : null,
    event.reasons.length ? h('p', { class: 'muted' }, `Suggested: ${event.reasons.join(', ')}`) : null,
  );
}

async function search(append: boolean): Promise<void> {
  const params = query();
  if (append && cursor) params.set('cursor', cursor);
  setStatus(status, 'busy', 'Searching…');
  try {
    const result = await api<SearchResult>('GET', `/v1/events?${params}`);
    if (!append) list.replaceChildren();
    list.append(...result.events.map(card));
    cursor = result.nextCursor;
    more.hidden = !cursor;
    const shown = list.children.length;
    setStatus(
      status,
      '',
      shown === 0
        ? 'No events match. Try a wider search.'
        : `${shown} event${shown === 1 ? '' : 's'}${result.personalized ? ', chosen for you' : ''}.`,
    );
  } catch (err) {
    setStatus(status, 'bad', err instanceof ApiError ? err.describe() : 'Network error; try again.');
  }
}

$('#near-me').addEventListener('click', () => {
  navigator.geolocation?.getCurrentPosition(
    (pos) => {
      $<HTMLInputElement>('#near').value = `${pos.coords.latitude.toFixed(4)},${pos.coords.longitude.toFixed(4)}`;
      void search(false);
    },
    () => setStatus(status, 'bad', 'Your browser did not share a location; pick a city instead.'),
  );
});
$<HTMLSelectElement>('#city').addEventListener('change', (e) => {
  $<HTMLInputElement>('#near').value = (e.target as HTMLSelectElement).value;
});
form.addEventListener('submit', (e) => {
  e.preventDefault();
  void search(false);
});
more.addEventListener('click', () => void search(true));

void renderHeader();
void search(false);
