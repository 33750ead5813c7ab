import { api, ApiError } from '../lib/api.js';
import { $, h, setStatus } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { relinkLanguages, renderHeader } from '../lib/layout.js';
import { createStore } from '../lib/store.js';
import '../organizer/cancel-panel.js';
import '../organizer/waitlist-panel.js';
import '../organizer/branding-panel.js';
import '../organizer/presale-panel.js';
import '../organizer/drop-dashboard.js';
import { setupEventForm } from '../organizer/event-form.js';
import {
  actions as listActions,
  initialState as listInitial,
  PAGE_SIZE,
  queryFromSearch,
  searchOf,
  type EventPage,
  type EventQuery,
} from '../organizer/events/state.js';
import { showEventList } from '../organizer/events/views.js';
import '../organizer/staff-panel.js';
import { setupTabs, type Tab } from '../organizer/tabs.js';
import type { ConsoleEvent, EventDetail, Venue } from '../organizer/types.js';
import { setupVenueForm } from '../organizer/venue-form.js';
import { setupWorkspace } from '../organizer/workspace.js';

/**
 * The organizer console, in three tabs: "Your events" (searched, filtered, a page at a time),
 * the event being made or managed (its details, tiers, seats, on-sale window, publishing, door
 * staff, live drop and cancellation), and the venues. The page's address says which tab and
 * what it shows (`?q=…&page=2`, `?event=<id>`, `?tab=new`, `?tab=venues`), so Back, Forward,
 * a reload and a shared link all land on the same view. The API decides who may use it: a 401
 * or 403 from GET /v1/organizer/events closes the console with the reason.
 */

const pageStatus = $('#console-status');
let venues: Venue[] = [];
/** The event the Event tab manages; null while it holds the form for a new one. */
let selected: string | null = null;

const list = createStore(listInitial, listActions);
showEventList(list);

const eventForm = setupEventForm(async (eventId) => {
  // A new draft opens in the Event tab; an edited event shows its changes where it is.
  await Promise.all([loadEvents(), selected === eventId ? select(eventId) : navigate({ event: eventId })]);
});
const workspace = setupWorkspace(async (eventId) => {
  await Promise.all([loadEvents(), select(eventId, { quiet: true })]);
});
setupVenueForm((venue) => {
  venues = [...venues, venue].sort((a, b) => a.name.localeCompare(b.name));
  renderVenues();
  eventForm.setVenues(venues, venue.id);
  $('#venue-next').hidden = false;
});
const tabs = setupTabs((tab) => void navigate(tab === 'event' ? (selected ? { event: selected } : 'new') : tab));

function gate(text: string, signIn: boolean): void {
  $('#console').hidden = true;
  $('#gate').hidden = false;
  $('#gate-text').textContent = text;
  $('#gate-signin').hidden = !signIn;
  setStatus(pageStatus, '', '');
}

/** The console refused (sign in, or the organizer role): the gate says why. Other failures are the list's to say. */
function refused(err: unknown): boolean {
  if (err instanceof ApiError && err.problem.status === 401) gate(t('organizer:gate.needSignIn'), true);
  else if (err instanceof ApiError && err.problem.status === 403) gate(t('organizer:gate.needRole'), false);
  else return false;
  return true;
}

let loads = 0;
/** Loads the list's page for its query; an answer overtaken by a later request is dropped. */
async function loadEvents(): Promise<boolean> {
  const mine = ++loads;
  list.actions.loading();
  const search = searchOf(list.state.query);
  search.set('limit', String(PAGE_SIZE));
  try {
    const page = await api<EventPage>('GET', `/v1/organizer/events?${search}`);
    if (mine === loads) list.actions.loaded(page);
    return true;
  } catch (err) {
    if (refused(err)) return false;
    if (mine === loads) list.actions.failed(err instanceof ApiError ? err.describe() : t('organizer:unreachable'));
    return true;
  }
}

function renderVenues(): void {
  $('#venue-list').replaceChildren(
    ...(venues.length
      ? venues.map((v) =>
          h('li', {}, h('strong', {}, v.name), ` — ${t('organizer:venues.line', { city: v.city, zone: v.timeZone })}`),
        )
      : [h('li', { class: 'muted' }, t('organizer:venues.none'))]),
  );
}

/** The Event tab's name: the event it manages, or the form for a new one. */
function nameEventTab(title: string | null): void {
  $('#tab-event').textContent = title ?? t('organizer:tabs.newEvent');
  $('#event-nav').hidden = title === null;
}

async function select(eventId: string, options: { quiet?: boolean } = {}): Promise<void> {
  try {
    // The console's own view carries the on-sale window (null when there is none): no 404 to ask for it.
    const [detail, summary] = await Promise.all([
      // The workspace lists the event's sections, rows and seats: the one console view that needs the seat map.
      api<EventDetail>('GET', `/v1/events/${eventId}?include=seats`),
      api<ConsoleEvent>('GET', `/v1/organizer/events/${eventId}`),
    ]);
    if (selected !== eventId) return;
    workspace.show(detail, summary.onsale);
    document.dispatchEvent(
      new CustomEvent('organizer:event-loaded', {
        detail: { eventId, phase: summary.phase, onsale: summary.onsale, timeZone: summary.venue.timeZone },
      }),
    );
    nameEventTab(detail.title);
    // A quiet refresh leaves the form to the organizer's typing, unless the event can no longer change.
    if (!options.quiet || detail.status === 'cancelled' || detail.status === 'completed') eventForm.edit(detail);
    if (!options.quiet) $('#workspace-title').focus();
  } catch (err) {
    setStatus(pageStatus, 'bad', err instanceof ApiError ? err.describe() : t('organizer:loadEventFailed'));
  }
}

type Place = Tab | 'new' | { event: string };

/** The address of a view: the list keeps its query, an event its id. */
function addressOf(place: Place): string {
  if (typeof place === 'object') return `?event=${encodeURIComponent(place.event)}`;
  if (place === 'new' || place === 'event') return '?tab=new';
  if (place === 'venues') return '?tab=venues';
  const search = searchOf(list.state.query).toString();
  return search ? `?${search}` : location.pathname;
}

/** A new entry in the browser's history, for Back; the switcher then links to it. */
function remember(address: string): void {
  history.pushState(null, '', address);
  relinkLanguages();
}

/** Goes to a view and records it in the browser's history, so Back returns to the one before. */
async function navigate(place: Place): Promise<void> {
  const address = new URL(addressOf(place), location.href);
  if (address.href !== location.href) remember(address.href);
  await show(place, { focus: true });
}

/** Shows the view the page's address names (after a load, Back or Forward). */
async function showAddress(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const event = params.get('event');
  const tab = params.get('tab');
  if (event) return show({ event });
  if (tab === 'new' || tab === 'venues') return show(tab);
  const query = queryFromSearch(location.search);
  if (searchOf(query).toString() !== searchOf(list.state.query).toString() || !list.state.result) {
    list.actions.navigated(query);
    await loadEvents();
  }
  return show('events');
}

async function show(place: Place, options: { focus?: boolean } = {}): Promise<void> {
  setStatus(pageStatus, '', '');
  if (typeof place === 'object') {
    tabs.show('event', options);
    if (selected !== place.event) {
      selected = place.event;
      await select(place.event);
    }
    return;
  }
  if (place === 'new' || place === 'event') {
    selected = null;
    eventForm.startNew();
    workspace.hide();
    nameEventTab(null);
    tabs.show('event', options);
    if (options.focus) $<HTMLInputElement>('#event-venue').focus();
    return;
  }
  tabs.show(place, options);
}

// The list's search form, its pages and its links.
const filter = $<HTMLFormElement>('#events-filter');
const field = (name: string) => (filter.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement).value;
filter.addEventListener('submit', (e) => {
  e.preventDefault();
  list.actions.searched({
    q: field('q').trim(),
    status: field('status'),
    from: field('from'),
    to: field('to'),
    sort: field('sort') === 'created' ? 'created' : 'date',
  });
  void loadEvents();
  remember(addressOf('events'));
});
filter.addEventListener('reset', () => {
  // After the browser has emptied the fields: the list goes back to everything.
  setTimeout(() => filter.requestSubmit());
});
const turn = (page: EventQuery['page']) => {
  list.actions.pageTurned(page);
  remember(addressOf('events'));
  void loadEvents().then(() => $('#events-title').scrollIntoView({ block: 'start' }));
};
$('#page-prev').addEventListener('click', () => turn(list.state.query.page - 1));
$('#page-next').addEventListener('click', () => turn(list.state.query.page + 1));
$('#events').addEventListener('click', (e) => {
  const link = (e.target as HTMLElement).closest<HTMLAnchorElement>('a[data-manage]');
  if (!link || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return; // a new tab opens it by its address
  e.preventDefault();
  void navigate({ event: link.dataset.manage! });
});
$('#new-event').addEventListener('click', () => void navigate('new'));
$('#to-venues').addEventListener('click', (e) => {
  e.preventDefault();
  void navigate('venues');
});
$('#venue-next').addEventListener('click', () => {
  $('#venue-next').hidden = true;
  void navigate('new');
});
window.addEventListener('popstate', () => {
  relinkLanguages();
  void showAddress();
});

void renderHeader();
list.actions.navigated(queryFromSearch(location.search));
if (await loadEvents()) {
  ({ venues } = await api<{ venues: Venue[] }>('GET', '/v1/organizer/venues'));
  renderVenues();
  eventForm.setVenues(venues);
  $('#console').hidden = false;
  setStatus(pageStatus, '', '');
  await showAddress();
}
