import { $, h, setStatus } from '../../lib/dom.js';
import { locale, number, t } from '../../lib/i18n.js';
import { timeTag } from '../../lib/zoned-time.js';
import { phaseBadge } from '../../lib/sale-phase.js';
import type { Store } from '../../lib/store.js';
import type { ConsoleEvent } from '../types.js';
import { isFiltered, pageCount, summaryOf, type actions, type EventListState, type EventQuery } from './state.js';

/** The "Your events" list's views: each part drawn from the state (see lib/store.ts). */

type EventListStore = Store<EventListState, typeof actions>;

/** "Sold 16 of 110 · 9 in holds", or that there is nothing to sell yet. */
function stockLine(e: ConsoleEvent): string {
  if (e.capacity === 0) return e.tiers === 0 ? t('organizer:list.noTiers') : t('organizer:list.noSeats');
  const figures = { sold: number(e.sold), capacity: number(e.capacity), held: number(e.held) };
  return e.held ? t('organizer:list.soldHeld', figures) : t('organizer:list.sold', figures);
}

/** One event as a compact row: its title (the link to manage it), phase, date, venue and sales. */
function eventRow(e: ConsoleEvent): HTMLElement {
  return h(
    'li',
    { class: 'event-row', 'data-event-id': e.id },
    h(
      'div',
      { class: 'event-row-title' },
      h('a', { href: `?event=${e.id}`, 'data-manage': e.id }, e.title),
      ' ',
      phaseBadge(e.phase),
    ),
    h(
      'p',
      { class: 'meta' },
      timeTag(e.startsAt, e.venue.timeZone, { locale }),
      ` · ${e.venue.name}, ${e.venue.city} · ${stockLine(e)}`,
    ),
  );
}

/** The filter form shows the query the list is for (after Back, or a link with one). */
function fillFilters(q: EventQuery): void {
  const form = $<HTMLFormElement>('#events-filter');
  const set = (name: string, value: string) => {
    const field = form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement;
    // Never under the organizer's fingers: only a field that says something else is set.
    if (field.value !== value) field.value = value;
  };
  set('q', q.q);
  set('status', q.status);
  set('from', q.from);
  set('to', q.to);
  set('sort', q.sort);
}

export function showEventList(store: EventListStore): void {
  store.view((s) => s.query, fillFilters);
  store.view(
    (s) => [s.result, s.loading, s.error],
    (_, s) => {
      const line = summaryOf(s);
      setStatus($('#events-summary'), line.kind, line.text);
    },
  );
  store.view(
    (s) => s.result,
    (result, s) => {
      const none = result !== null && result.total === 0;
      $('#events-empty').hidden = !none || isFiltered(s.query);
      $('#events').replaceChildren(...(result?.events ?? []).map(eventRow));
      const pages = pageCount(result);
      $('#events-pager').hidden = !result || pages <= 1;
      if (!result) return;
      $('#page-of').textContent = t('organizer:list.pageOf', { page: number(result.page), pages: number(pages) });
      $<HTMLButtonElement>('#page-prev').disabled = result.page <= 1;
      $<HTMLButtonElement>('#page-next').disabled = result.page >= pages;
    },
  );
  store.view(
    (s) => s.loading,
    (loading) => void $('#events').setAttribute('aria-busy', String(loading)),
  );
}
