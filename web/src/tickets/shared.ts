import { api } from '../lib/api.js';
import { localTime } from '../lib/layout.js';
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

const ownZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

/** A time at the event's venue (where the fan will be), or in the device's zone when the event is unknown. */
export const at = (iso: string, event: EventInfo | null) => localTime(iso, event?.startsAt.timeZone ?? ownZone);

/** "19:02", the device's clock: what a door steward or a fan reads at the venue. */
export const clock = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

export const shortId = (id: string) => id.slice(0, 8);
