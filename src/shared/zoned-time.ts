/**
 * How Fairdrop writes a time for people, in one place for the pages (through
 * web/src/lib/zoned-time.ts), the in-app notices and the mails: "Sat 5 Dec, 22:17 EST".
 *
 * - A time about an event (its start, doors, the sale, a refund deadline, a check-in at its
 *   door) is written in the event's zone, where the fan will be, whatever the zone of the
 *   device reading it.
 * - A time about the reader's own doing (an order placed, a notice received) is written in the
 *   reader's zone.
 * - Either way the zone is named beside the clock ("EST", "CET", "UTC+9"), so two times on one
 *   screen never silently disagree; `zoneName` gives the longer "New York time".
 *
 * The words are built from the formatter's parts, not from a locale's whole pattern, so Node
 * (mails) and every browser write the same instant the same way. Pure functions of Intl: safe
 * to bundle for the browser (.dependency-cruiser.cjs, BROWSER_SAFE).
 */

/** English is written with the day before the month; German and Spanish by their own patterns. */
const LOCALE = 'en-GB';
const ENGLISH = (locale: string | undefined) => !locale || locale === 'en' || locale.startsWith('en-');

/** Locales whose short zone names people use ("EST", "CET", "AEDT", "IST"); tried in turn. */
const NAME_LOCALES = ['en-US', 'en-GB', 'en-AU', 'en-IN'];

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let f = formatters.get(key);
  if (!f) formatters.set(key, (f = new Intl.DateTimeFormat(locale, options)));
  return f;
}

type Instant = string | number | Date;
const toDate = (at: Instant): Date => (at instanceof Date ? at : new Date(at));

/** The zone the device reading the page is in (on a server: the server's, usually UTC). */
export const viewerZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

function part(parts: Intl.DateTimeFormatPart[], type: Intl.DateTimeFormatPartTypes): string {
  return parts.find((p) => p.type === type)?.value ?? '';
}

/**
 * The zone's short name at that instant: "EST"/"EDT", "CET"/"CEST", "GMT"/"BST", "AEDT", or the
 * offset ("UTC+9", "UTC+5:30") for a zone without a common abbreviation.
 */
export function zoneAbbreviation(at: Instant, timeZone: string): string {
  const date = toDate(at);
  let offset = '';
  for (const locale of NAME_LOCALES) {
    const name = part(formatter(locale, { timeZone, timeZoneName: 'short' }).formatToParts(date), 'timeZoneName');
    if (!/^GMT[+-]/.test(name)) return name;
    offset ||= name;
  }
  return offset.replace(/^GMT/, 'UTC');
}

/** A place's time in each language: "New York time", "Ortszeit New York", "hora de New York". */
const PLACE_TIME: Record<string, (place: string) => string> = {
  en: (place) => `${place} time`,
  de: (place) => `Ortszeit ${place}`,
  es: (place) => `hora de ${place}`,
};

/** "New York time" for America/New_York, "Buenos Aires time", "UTC" for UTC: the zone as a place. */
export function zoneName(timeZone: string, locale?: string): string {
  if (/^(Etc\/)?(UTC|GMT|Zulu|Universal|UCT)$/i.test(timeZone)) return 'UTC';
  const place = timeZone.split('/').at(-1)!.replace(/_/g, ' ');
  return (PLACE_TIME[locale?.split('-')[0] ?? 'en'] ?? PLACE_TIME.en!)(place);
}

export interface ZonedOptions {
  /** Always write the year (mails are read long after); otherwise only when it is not this year there. */
  year?: boolean;
  /** Leave out the weekday and date: "22:17 EST" (a time on the day everyone is talking about). */
  clockOnly?: boolean;
  /** What "this year" is measured against; tests pass a fixed instant. */
  now?: Instant;
  /** The reader's language ("de", "es"); English when absent. */
  locale?: string;
}

/**
 * An instant in a zone, labelled with the zone: "Sat 5 Dec, 22:17 EST", "Sat 5 Dec 2026, 22:17 EST"
 * (another year), "22:17 EST" (clockOnly). 24-hour clock: one form for every reader.
 */
export function formatZoned(at: Instant, timeZone: string, options: ZonedOptions = {}): string {
  const date = toDate(at);
  if (Number.isNaN(date.getTime())) return 'an unknown time';
  const parts = formatter(LOCALE, {
    timeZone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(date);
  const clock = `${part(parts, 'hour')}:${part(parts, 'minute')} ${zoneAbbreviation(date, timeZone)}`;
  if (options.clockOnly) return clock;
  const year = part(parts, 'year');
  const thisYear = part(
    formatter(LOCALE, { timeZone, year: 'numeric' }).formatToParts(toDate(options.now ?? Date.now())),
    'year',
  );
  const showYear = options.year || year !== thisYear;
  if (!ENGLISH(options.locale)) {
    // "Sa., 5. Dez., 22:17 CET", "sáb, 5 dic, 22:17 CET": the language's own order for the date.
    const day = formatter(options.locale!, {
      timeZone,
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      ...(showYear ? { year: 'numeric' as const } : {}),
    }).format(date);
    return `${day}, ${clock}`;
  }
  return `${part(parts, 'weekday')} ${part(parts, 'day')} ${part(parts, 'month')}${showYear ? ` ${year}` : ''}, ${clock}`;
}

/** A time about an event, in the event's zone: "Sat 5 Dec, 22:17 EST". */
export const eventTime = (at: Instant, eventZone: string, options?: ZonedOptions): string =>
  formatZoned(at, eventZone, options);

/** A time about the reader's own doing (an order placed), in the reader's zone: "Sun 6 Dec, 04:17 CET". */
export const viewerTime = (at: Instant, options?: ZonedOptions): string => formatZoned(at, viewerZone(), options);

/**
 * A time in a mail, which is read later and anywhere: the year always, and the zone named as a
 * place too, "Sat 5 Dec 2026, 22:17 EST (New York time)"; UTC reads "…, 03:17 UTC".
 */
export function mailTime(at: Instant, timeZone: string, locale?: string): string {
  const text = formatZoned(at, timeZone, { year: true, locale });
  const place = zoneName(timeZone, locale);
  return place === 'UTC' ? text : `${text} (${place})`;
}

/** Whole seconds from `now` until `at`, never below zero: what a countdown shows. */
export function secondsUntil(at: Instant, now: Instant = Date.now()): number {
  return Math.max(0, Math.ceil((toDate(at).getTime() - toDate(now).getTime()) / 1000));
}
