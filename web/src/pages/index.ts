import { categories } from '../../../src/shared/vocabulary.js';
import { api } from '../lib/api.js';
import { $, h, setStatus } from '../lib/dom.js';
import { clearErrors, failureFeedback, renderFeedback } from '../lib/forms.js';
import { number, t } from '../lib/i18n.js';
import { accessibilityLabel, availabilityLabel, localTime, money, renderHeader } from '../lib/layout.js';
import { categoryLabel } from '../lib/words.js';
import { pictureElement } from '../lib/pictures.js';
import type { PictureView } from '../../../src/media/media.schemas.js';

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
  /** The organizer's picture of the event (src/media). */
  image: PictureView | null;
}
interface SearchResult {
  events: EventSummary[];
  nextCursor: string | null;
  personalized: boolean;
  /** On the first page only. */
  total: { count: number; more: boolean } | null;
}
interface City {
  name: string;
  country: string;
  lat: number;
  lng: number;
  events: number;
}

/**
 * The discover page. What the fan asked for lives in the page's address (`?q=jazz&city=Lisbon
 * &categories=jazz,folk&sort=date`), so a reload, a shared link and Back all show the same
 * search: each search the fan runs is one history entry, typing is none. The address uses the
 * form's own names (the API's, so a refusal lands beside its field), with a city by name and
 * prices as typed; the API gets the city's point and prices in minor units.
 */

const form = $<HTMLFormElement>('#filters');
const list = $('#results');
const status = $('#search-status');
const more = $<HTMLButtonElement>('#more');
const citySelect = $<HTMLSelectElement>('#city');
const nearInput = $<HTMLInputElement>('#near');
/** The City list's choice for "around the fan's own position" (Near me), kept in `near`. */
const NEAR_ME = '@near';
/** Fields the address carries as they are. */
const PLAIN = ['q', 'radiusKm', 'from', 'to', 'minPrice', 'maxPrice'] as const;
/** Checkbox groups, carried as comma lists. */
const GROUPS = ['categories', 'accessibility'] as const;

let cities: City[] = [];
let cursor: string | null = null;
let total: SearchResult['total'] = null;
let personalized = false;

// Every category an organizer can tag an event with: the one vocabulary the API checks.
$('#category-options').replaceChildren(
  ...categories.map((value) =>
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'categories', value }), categoryLabel(value)),
  ),
);

const cityKey = (c: City) => (cities.filter((o) => o.name === c.name).length > 1 ? `${c.name}, ${c.country}` : c.name);

function cityOptions(): void {
  const chosen = citySelect.value;
  citySelect.replaceChildren(
    h('option', { value: '' }, t('discover:anywhere')),
    ...cities.map((c) => h('option', { value: cityKey(c) }, cityKey(c))),
  );
  citySelect.value = chosen;
}

/** A choice the list does not offer (Near me, or a city whose events have all passed) shown as chosen. */
function choose(value: string, text: string): void {
  if (![...citySelect.options].some((o) => o.value === value)) citySelect.append(h('option', { value }, text));
  citySelect.value = value;
}

/** The form as the page's address: only what the fan set, defaults left out. */
function formParams(): URLSearchParams {
  const data = new FormData(form);
  const params = new URLSearchParams();
  for (const key of PLAIN) {
    const value = String(data.get(key) ?? '').trim();
    if (value) params.set(key, value);
  }
  if (citySelect.value === NEAR_ME && nearInput.value) params.set('near', nearInput.value);
  else if (citySelect.value) params.set('city', citySelect.value);
  for (const key of GROUPS) {
    const values = data.getAll(key).map(String);
    if (values.length) params.set(key, values.join(','));
  }
  if (data.get('available')) params.set('available', 'true');
  const sort = String(data.get('sort') ?? 'relevance');
  if (sort !== 'relevance') params.set('sort', sort);
  return params;
}

/** The form as the address says (a reload, a link, Back). */
function fillForm(params: URLSearchParams): void {
  for (const key of PLAIN) (form.elements.namedItem(key) as HTMLInputElement).value = params.get(key) ?? '';
  nearInput.value = params.get('near') ?? '';
  const city = params.get('city');
  if (nearInput.value) choose(NEAR_ME, t('discover:nearYou'));
  else if (city) choose(city, city);
  else citySelect.value = '';
  for (const key of GROUPS) {
    const values = new Set((params.get(key) ?? '').split(',').filter(Boolean));
    for (const box of form.querySelectorAll<HTMLInputElement>(`input[name="${key}"]`))
      box.checked = values.has(box.value);
  }
  (form.elements.namedItem('available') as HTMLInputElement).checked = params.get('available') === 'true';
  const sort = form.elements.namedItem('sort') as HTMLSelectElement;
  sort.value = params.get('sort') ?? 'relevance';
  if (sort.selectedIndex < 0) sort.value = 'relevance';
  // Filters set from the address are in view, not folded away.
  if (['from', 'to', 'minPrice', 'maxPrice', 'sort', 'available', ...GROUPS].some((k) => params.has(k)))
    form.querySelector('details')!.open = true;
}

/** The address as the API's query, or null for a city with nothing to find. */
function apiQuery(params: URLSearchParams): URLSearchParams | null {
  const query = new URLSearchParams();
  for (const [key, value] of params) {
    if (key === 'city') {
      const city = cities.find((c) => cityKey(c) === value);
      if (!city) return null;
      query.set('near', `${city.lat.toFixed(4)},${city.lng.toFixed(4)}`);
    } else if (key === 'minPrice' || key === 'maxPrice') {
      query.set(key, String(Math.round(Number(value) * 100)));
    } else {
      query.set(key, value);
    }
  }
  return query;
}

/** "341 events, chosen for you · showing 40": the total the search found, not the page. */
function countLine(): string {
  const shown = list.children.length;
  if (shown === 0) return t('discover:noMatch');
  const n = total?.count ?? shown;
  const found = total?.more
    ? t('discover:count.moreThan', { count: n, n: number(n) })
    : t('discover:count.events', { count: n, n: number(n) });
  const values = { found, shown: number(shown) };
  const showing = n > shown || total?.more;
  if (personalized) return showing ? t('discover:count.forYouShowing', values) : t('discover:count.forYou', values);
  return showing ? t('discover:count.lineShowing', values) : t('discover:count.line', values);
}

/** "€12.50–€40.00 all-in", in the page's language. */
function priceWords(price: NonNullable<EventSummary['price']>): string {
  const min = money(price.min, price.currency);
  return price.max === price.min
    ? t('discover:card.price', { price: min })
    : t('discover:card.priceRange', { min, max: money(price.max, price.currency) });
}

function gettingThere(stop: EventSummary['transit']['stops'][number], parking: string | null): string {
  const values = { stop: stop.name, lines: stop.lines.join(', '), minutes: number(stop.walkingMinutes) };
  return parking
    ? t('discover:card.gettingThereParking', { ...values, parking })
    : t('discover:card.gettingThere', values);
}

function card(event: EventSummary): HTMLElement {
  const a = event.availability;
  const badge = h('span', { class: `badge badge-${a.state}` }, availabilityLabel(a.state));
  const remaining =
    a.state === 'on_sale' || a.state === 'queue_open'
      ? t('discover:card.left', { remaining: number(a.remaining), capacity: number(a.capacity) })
      : '';
  const when =
    a.state === 'queue_open' && a.queueOpensAt
      ? t('discover:card.queueOpened', { time: localTime(a.queueOpensAt, event.startsAt.timeZone) })
      : a.state === 'not_yet' && a.onSaleAt
        ? t('discover:card.onSaleAt', { time: localTime(a.onSaleAt, event.startsAt.timeZone) })
        : '';
  const stop = event.transit.stops[0];
  return h(
    'li',
    { class: 'card event-card' },
    event.image ? pictureElement(event.image, 'card', { class: 'event-picture' }) : null,
    h('h3', {}, h('a', { href: `/event.html?id=${event.id}` }, event.title)),
    h(
      'p',
      { class: 'meta' },
      `${localTime(event.startsAt.utc, event.startsAt.timeZone)} · ${event.venue.name}, ${event.venue.city}`,
      event.venue.distanceKm !== null
        ? ` · ${t('discover:card.distance', { km: number(event.venue.distanceKm, { minimumFractionDigits: 1, maximumFractionDigits: 1 }) })}`
        : '',
    ),
    h(
      'p',
      {},
      badge,
      ' ',
      event.price ? priceWords(event.price) : '',
      remaining ? ` · ${remaining}` : '',
      when ? ` · ${when}` : '',
    ),
    event.accessibility.length
      ? h(
          'p',
          { class: 'access' },
          ...event.accessibility.map((f) => h('span', { class: 'chip' }, accessibilityLabel(f))),
        )
      : null,
    stop ? h('p', { class: 'muted' }, gettingThere(stop, event.transit.parking)) : null,
    event.reasons.length
      ? h('p', { class: 'muted' }, t('discover:card.suggested', { reasons: event.reasons.join(', ') }))
      : null,
  );
}

async function search(append: boolean): Promise<void> {
  const params = new URLSearchParams(location.search);
  const query = apiQuery(params);
  more.hidden = true;
  if (query === null) {
    list.replaceChildren();
    setStatus(status, '', t('discover:noCity', { city: params.get('city') }));
    return;
  }
  if (append && cursor) query.set('cursor', cursor);
  setStatus(status, 'busy', t('discover:searching'));
  try {
    const result = await api<SearchResult>('GET', `/v1/events?${query}`);
    clearErrors(form);
    if (!append) {
      list.replaceChildren();
      total = result.total;
      personalized = result.personalized;
    }
    list.append(...result.events.map(card));
    cursor = result.nextCursor;
    more.hidden = !cursor;
    setStatus(status, '', countLine());
  } catch (err) {
    if (!append) list.replaceChildren();
    renderFeedback(form, status, failureFeedback(err));
  }
}

/** A search the fan ran: a new history entry when it asks for something else, then the results. */
function submit(): void {
  const params = formParams().toString();
  if (params !== location.search.replace(/^\?/, '')) history.pushState(null, '', params ? `/?${params}` : '/');
  void search(false);
}

$('#near-me').addEventListener('click', () => {
  if (!navigator.geolocation) {
    setStatus(status, 'bad', t('discover:location.unsupported'));
    return;
  }
  navigator.geolocation.getCurrentPosition(
    (pos) => {
      nearInput.value = `${pos.coords.latitude.toFixed(4)},${pos.coords.longitude.toFixed(4)}`;
      choose(NEAR_ME, t('discover:nearYou'));
      submit();
    },
    () => setStatus(status, 'bad', t('discover:location.refused')),
  );
});
form.addEventListener('submit', (e) => {
  e.preventDefault();
  submit();
});
more.addEventListener('click', () => void search(true));
// Back and Forward: the form and the results of that search.
window.addEventListener('popstate', () => {
  fillForm(new URLSearchParams(location.search));
  void search(false);
});

void renderHeader();
try {
  cities = (await api<{ cities: City[] }>('GET', '/v1/cities')).cities;
  cityOptions();
} catch {
  // Without the list, a search still runs; a city from the address shows as chosen.
}
fillForm(new URLSearchParams(location.search));
await search(false);
