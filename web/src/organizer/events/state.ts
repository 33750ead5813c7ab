import type { StatusLine } from '../../lib/dom.js';
import { number, t } from '../../lib/i18n.js';
import type { ConsoleEvent } from '../types.js';

/**
 * The console's "Your events" list: what is asked for (search, filters, page), what the API
 * answered, and the line that says so; see lib/store.ts for the pattern. The query is also the
 * page's address (`?q=…&status=…&page=2`), so a reload or a shared link shows the same list.
 */

export interface EventQuery {
  q: string;
  /** An event status (draft, scheduled, on_sale…), or '' for any. */
  status: string;
  /** Days (YYYY-MM-DD) at the venue, or ''. */
  from: string;
  to: string;
  sort: 'date' | 'created';
  page: number;
}

export interface EventPage {
  events: ConsoleEvent[];
  total: number;
  page: number;
  limit: number;
}

export interface EventListState {
  query: EventQuery;
  /** The last page the API answered; null before the first. */
  result: EventPage | null;
  /** The query `result` answers: while a new one loads, the counts still speak of this one. */
  shown: EventQuery | null;
  loading: boolean;
  /** A failure to load; the summary line says it instead of the counts. */
  error: string | null;
}

export const PAGE_SIZE = 20;

export const emptyQuery: EventQuery = { q: '', status: '', from: '', to: '', sort: 'date', page: 1 };

export const initialState: EventListState = {
  query: emptyQuery,
  result: null,
  shown: null,
  loading: false,
  error: null,
};

const QUERY_KEYS = ['q', 'status', 'from', 'to', 'sort', 'page'] as const;

/** The list's query read from the page's address; anything unreadable is left at its default. */
export function queryFromSearch(search: string): EventQuery {
  const p = new URLSearchParams(search);
  const day = (v: string | null) => (v && /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : '');
  const page = Number(p.get('page'));
  return {
    q: (p.get('q') ?? '').slice(0, 200),
    status: p.get('status') ?? '',
    from: day(p.get('from')),
    to: day(p.get('to')),
    sort: p.get('sort') === 'created' ? 'created' : 'date',
    page: Number.isInteger(page) && page > 1 ? page : 1,
  };
}

/** The query's non-default parts, as they go in the page's address and in the API's query string. */
export function searchOf(query: EventQuery): URLSearchParams {
  const p = new URLSearchParams();
  for (const key of QUERY_KEYS) {
    const value = query[key];
    if (value !== emptyQuery[key]) p.set(key, String(value));
  }
  return p;
}

export const isFiltered = (q: EventQuery) => Boolean(q.q || q.status || q.from || q.to);

/** "Showing 21–40 of 341 events", "No event matches …", or what went wrong. */
export function summaryOf(s: EventListState): StatusLine {
  if (s.error) return { kind: 'bad', text: s.error };
  if (!s.result) return { kind: 'busy', text: t('organizer:loading') };
  const { total, page, limit, events } = s.result;
  const counted = { count: total, n: number(total) };
  const filtered = isFiltered(s.shown ?? s.query);
  if (total === 0) return { kind: '', text: filtered ? t('organizer:list.noMatch') : '' };
  if (events.length === 0) return { kind: '', text: t('organizer:list.pastLast', counted) };
  const first = (page - 1) * limit + 1;
  const range = { ...counted, first: number(first), last: number(first + events.length - 1) };
  const whole = total <= limit && page === 1;
  const text = whole
    ? filtered
      ? t('organizer:list.matching', counted)
      : t('organizer:list.all', counted)
    : filtered
      ? t('organizer:list.showingMatching', range)
      : t('organizer:list.showing', range);
  return { kind: s.loading ? 'busy' : '', text };
}

export const pageCount = (r: EventPage | null) => (r ? Math.max(1, Math.ceil(r.total / r.limit)) : 1);

export const actions = {
  /** A new search or filter starts again at its first page; a page turn keeps the rest. */
  searched: (s: EventListState, query: Omit<EventQuery, 'page'>): EventListState => ({
    ...s,
    query: { ...query, page: 1 },
  }),
  pageTurned: (s: EventListState, page: number): EventListState => ({
    ...s,
    query: { ...s.query, page: Math.max(1, Math.min(page, pageCount(s.result))) },
  }),
  /** The address changed under the page (Back, Forward): its query is the list's. */
  navigated: (s: EventListState, query: EventQuery): EventListState => ({ ...s, query }),
  loading: (s: EventListState): EventListState => ({ ...s, loading: true }),
  /** The answer to the latest request (the page drops overtaken ones), so to the query as it stands. */
  loaded: (s: EventListState, result: EventPage): EventListState => ({
    ...s,
    result,
    shown: s.query,
    loading: false,
    error: null,
  }),
  failed: (s: EventListState, error: string): EventListState => ({ ...s, loading: false, error }),
};
