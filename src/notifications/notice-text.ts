import { DEFAULT_LOCALE, translator, type Locale } from '../i18n/index.js';
import { eventTime, mailTime } from '../shared/zoned-time.js';

/**
 * Times in notices and mails are words made when the notice is read or mailed, never text
 * frozen when it was written: the writer keeps the instant in the notice's `data` and puts a
 * placeholder where it goes, `New date: ${timeIn('after.startsAt')}.` with
 * `data: { after: { startsAt: '2026-12-27T19:00:00.000Z' }, timeZone: 'Europe/Berlin' }`. The
 * feed (GET /v1/me/notifications), the live push and the mail each render it (`renderNoticeText`):
 * "New date: Sun 27 Dec, 20:00 CET." in the app, "… 2026, 20:00 CET (Berlin time)" in a mail.
 *
 * `data.timeZone` is the zone of the event the notice is about; without one, times read in UTC,
 * labelled as such. A raw ISO instant left in a text (a notice written before placeholders) is
 * rendered the same way, so no reader ever sees "2026-12-27T19:00:00.000Z".
 *
 * Times are written in the reader's language ("So., 27. Dez., 20:00 CET" for a German account);
 * the words around them come from the notice's message (notice-message.ts).
 */

/** The placeholder for the instant at `path` (dots for nested keys) of the notice's data. */
export const timeIn = (path: string): string => `{{time:${path}}}`;

const PLACEHOLDER = /\{\{time:([\w.]+)\}\}/g;
const RAW_INSTANT = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})/g;

function at(data: Record<string, unknown>, path: string): unknown {
  let value: unknown = data;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

const isZone = (zone: unknown): zone is string => {
  if (typeof zone !== 'string' || zone === '') return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

export type NoticeReader = 'app' | 'mail';

/** A notice's title or body with its times in words, in the reader's language, for the app or for a mail. */
export function renderNoticeText(
  text: string,
  data: Record<string, unknown>,
  reader: NoticeReader,
  now: Date = new Date(),
  locale: Locale = DEFAULT_LOCALE,
): string {
  const zone = isZone(data.timeZone) ? data.timeZone : 'UTC';
  const words = (value: unknown): string | null => {
    if (typeof value !== 'string' && !(value instanceof Date)) return null;
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) return null;
    return reader === 'mail' ? mailTime(date, zone, locale) : eventTime(date, zone, { now, locale });
  };
  return text
    .replace(PLACEHOLDER, (_whole, path: string) => words(at(data, path)) ?? translator(locale)('notices:time.unknown'))
    .replace(RAW_INSTANT, (iso) => words(iso) ?? iso);
}
