import { api, ApiError } from '../lib/api.js';
import { $, h, setStatus } from '../lib/dom.js';
import { localTime, renderHeader } from '../lib/layout.js';
import '../organizer/cancel-panel.js';
import '../organizer/waitlist-panel.js';
import '../organizer/drop-dashboard.js';
import { setupEventForm } from '../organizer/event-form.js';
import { statusLabels, type ConsoleEvent, type EventDetail, type Onsale, type Venue } from '../organizer/types.js';
import { setupVenueForm } from '../organizer/venue-form.js';
import { setupWorkspace } from '../organizer/workspace.js';

/**
 * The organizer console: my events, a venue form, an event form (create or edit), and for the
 * selected event its tiers, seats, on-sale window and publishing. The API decides who may use
 * it: a 401 or 403 from GET /v1/organizer/events closes the console with the reason.
 */

const pageStatus = $('#console-status');
let venues: Venue[] = [];

const eventForm = setupEventForm(async (eventId) => {
  await Promise.all([loadEvents(), select(eventId)]);
});
const workspace = setupWorkspace(async (eventId) => {
  await Promise.all([loadEvents(), select(eventId, { quiet: true })]);
});
setupVenueForm((venue) => {
  venues = [...venues, venue].sort((a, b) => a.name.localeCompare(b.name));
  eventForm.setVenues(venues, venue.id);
});

function gate(text: string, signIn: boolean): void {
  $('#console').hidden = true;
  $('#gate').hidden = false;
  $('#gate-text').textContent = text;
  $('#gate-signin').hidden = !signIn;
  setStatus(pageStatus, '', '');
}

function stat(term: string, value: number): HTMLElement {
  return h('div', {}, h('dt', {}, term), h('dd', {}, value.toLocaleString()));
}

function onsaleLine(e: ConsoleEvent): string {
  const o = e.onsale;
  if (!o) return 'No on-sale window yet.';
  const tz = e.venue.timeZone;
  const paused = o.state === 'scheduled' ? '' : ` (${o.state})`;
  return o.mode === 'queue'
    ? `Waiting room from ${localTime(o.prequeueOpensAt ?? o.saleStartsAt, tz)}, sale ${localTime(o.saleStartsAt, tz)}${paused}`
    : `Open sale from ${localTime(o.saleStartsAt, tz)}${o.saleEndsAt ? ` to ${localTime(o.saleEndsAt, tz)}` : ''}${paused}`;
}

function renderEvents(list: ConsoleEvent[]): void {
  $('#events-empty').hidden = list.length > 0;
  $('#events').replaceChildren(
    ...list.map((e) =>
      h(
        'li',
        { class: 'card event-card console-event' },
        h('h3', {}, e.title, ' ', h('span', { class: `badge badge-${e.status}` }, statusLabels[e.status] ?? e.status)),
        h(
          'p',
          { class: 'meta' },
          `${localTime(e.startsAt, e.venue.timeZone)} (${e.venue.timeZone}) · ${e.venue.name}, ${e.venue.city}`,
        ),
        h(
          'dl',
          { class: 'stats' },
          stat('Tiers', e.tiers),
          stat('Capacity', e.capacity),
          stat('Sold', e.sold),
          stat('Held', e.held),
          stat('Remaining', e.remaining),
        ),
        h('p', { class: 'meta' }, onsaleLine(e)),
        h(
          'button',
          { type: 'button', class: 'secondary', 'data-manage': e.id, 'aria-label': `Manage ${e.title}` },
          'Manage',
        ),
      ),
    ),
  );
}

/** Loads my events; false when the API refused the console (and the gate says why). */
async function loadEvents(): Promise<boolean> {
  try {
    const { events } = await api<{ events: ConsoleEvent[] }>('GET', '/v1/organizer/events');
    renderEvents(events);
    return true;
  } catch (err) {
    if (err instanceof ApiError && err.problem.status === 401)
      gate('Sign in with an organizer account to use the console.', true);
    else if (err instanceof ApiError && err.problem.status === 403) {
      gate('You need the organizer role to use the console. Ask a Fairdrop admin to add it to your account.', false);
    } else
      setStatus(
        pageStatus,
        'bad',
        err instanceof ApiError ? err.describe() : 'Could not reach Fairdrop. Reload to try again.',
      );
    return false;
  }
}

async function select(eventId: string, options: { quiet?: boolean } = {}): Promise<void> {
  try {
    const [detail, onsale] = await Promise.all([
      // The workspace lists the event's sections, rows and seats: the one console view that needs the seat map.
      api<EventDetail>('GET', `/v1/events/${eventId}?include=seats`),
      api<Onsale>('GET', `/v1/events/${eventId}/onsale`).catch((err: unknown) => {
        if (err instanceof ApiError && err.problem.code === 'sales.onsale_not_found') return null;
        throw err;
      }),
    ]);
    workspace.show(detail, onsale);
    if (!options.quiet) {
      eventForm.edit(detail);
      history.replaceState(null, '', `?event=${eventId}`);
      $('#workspace-title').focus();
    }
  } catch (err) {
    setStatus(pageStatus, 'bad', err instanceof ApiError ? err.describe() : 'Could not load the event.');
  }
}

$('#events').addEventListener('click', (e) => {
  const id = (e.target as HTMLElement).closest<HTMLElement>('[data-manage]')?.dataset.manage;
  if (id) void select(id);
});
$('#new-event').addEventListener('click', () => {
  eventForm.startNew();
  workspace.hide();
  history.replaceState(null, '', location.pathname);
  $<HTMLInputElement>('#event-venue').focus();
});

void renderHeader();
if (await loadEvents()) {
  ({ venues } = await api<{ venues: Venue[] }>('GET', '/v1/organizer/venues'));
  eventForm.setVenues(venues);
  $('#console').hidden = false;
  setStatus(pageStatus, '', '');
  const selected = new URLSearchParams(location.search).get('event');
  if (selected) await select(selected);
}
