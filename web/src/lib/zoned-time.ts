/**
 * Times on the pages, one way everywhere (src/shared/zoned-time.ts, which mails and notices use
 * too): a time about an event in the event's zone, `eventTime(iso, zone)` → "Sat 5 Dec, 22:17 EST";
 * a time about the reader's own doing (ordered, received) in the reader's zone, `viewerTime(iso)`;
 * `zoneName(zone)` → "New York time" for a heading or a hint.
 *
 * And wall-clock times typed at a venue. An organizer types "20:00" meaning 20:00 at the venue,
 * whatever zone their own laptop is in; <input type="datetime-local"> has no zone, so the page
 * converts between its value ("2030-07-01T20:00") and UTC instants with the venue's IANA zone.
 */
import { formatZoned, zoneName, type ZonedOptions } from '../../../src/shared/zoned-time.js';
import { h } from './dom.js';

export {
  eventTime,
  formatZoned,
  secondsUntil,
  viewerTime,
  viewerZone,
  zoneAbbreviation,
  zoneName,
  type ZonedOptions,
} from '../../../src/shared/zoned-time.js';

/** The zone's offset from UTC at `utcMs`, in milliseconds (Europe/Paris in summer: +2 h). */
function offsetAt(utcMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(utcMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(utcMs / 1000) * 1000;
}

/** "2030-07-01T20:00" at the venue → ISO 8601 in UTC, or null for an empty or unreadable value. */
export function zonedToIso(local: string, timeZone: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(local);
  if (!m) return null;
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]));
  // Two passes: the first offset is a guess taken at the wall time read as UTC; near a DST
  // change the offset at the corrected instant can differ, and the second pass settles it.
  let utc = wall - offsetAt(wall, timeZone);
  utc = wall - offsetAt(utc, timeZone);
  return new Date(utc).toISOString();
}

/** An instant → the datetime-local value showing it at the venue. */
export function isoToZoned(iso: string | null, timeZone: string): string {
  if (!iso) return '';
  const ms = Date.parse(iso);
  return new Date(ms + offsetAt(ms, timeZone)).toISOString().slice(0, 16);
}

/**
 * A <time> for an instant in a zone: the words as its text ("Sat 5 Dec, 22:17 EST"), the instant
 * in `datetime`, the zone in `data-zone` and as a tooltip ("New York time"). Pages put times in
 * these, so a test (or a script) can check every time shown against its instant.
 */
export function timeTag(iso: string, timeZone: string, options?: ZonedOptions): HTMLTimeElement {
  return h(
    'time',
    { datetime: iso, 'data-zone': timeZone, title: zoneName(timeZone, options?.locale) },
    formatZoned(iso, timeZone, options),
  );
}
