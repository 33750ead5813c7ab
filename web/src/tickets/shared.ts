import { api } from '../lib/api.js';
import { locale } from '../lib/i18n.js';
import { eventTime, timeTag, viewerZone } from '../lib/zoned-time.js';
import type { EventInfo } from './types.js';

/** Event details shared by the page's sections: one request per event per page load (refreshed when news about it arrives). */
const events = new Map<string, Promise<EventInfo | null>>();

export function eventInfo(eventId: string): Promise<EventInfo | null> {
  let info = events.get(eventId);
  if (!info) {
    // A missing event (deleted draft) must not break the whole list: the ticket still shows.
    info = api<EventInfo>('GET', `/v1/events/${encodeURIComponent(eventId)}`).catch(() => null);
    events.set(eventId, info);
  }
  return info;
}

export function forgetEvents(): void {
  events.clear();
}

// Times on this page, each a <time> with its instant in `datetime` and its zone in `data-zone`:
// a time about the event (its start, a refund deadline, a scan at its door) at the venue, where
// the fan will be; a time about the fan's own doing (ordered, sent, received) in the fan's zone.
// Both name their zone ("Sat 5 Dec, 22:17 EST"), so the page never shows two clocks unlabelled.

/** A time about the event, at its venue; in the fan's zone when the event is unknown (still labelled). */
export const eventAt = (iso: string, event: EventInfo | null): HTMLElement =>
  event ? timeTag(iso, event.startsAt.timeZone, { locale }) : mineAt(iso);

/** A time about the fan's own doing, in the fan's zone. */
export const mineAt = (iso: string): HTMLElement => timeTag(iso, viewerZone(), { locale });

/** The clock only, at the venue: "19:02 EST" (a check-in at its door). */
export const clockAt = (iso: string, event: EventInfo | null): HTMLElement =>
  timeTag(iso, event?.startsAt.timeZone ?? viewerZone(), { clockOnly: true, locale });

/** The event's start as words at its venue, for sentences built as text (the invitation). */
export const eventStart = (event: EventInfo): string =>
  eventTime(event.startsAt.utc, event.startsAt.timeZone, { locale });

export const shortId = (id: string) => id.slice(0, 8);

export { slot, withNodes } from '../lib/dom.js';
