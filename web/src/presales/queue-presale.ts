import type { z } from 'zod';
import type { eventPresales } from '../../../src/presales/presales.schemas.js';
import { api, ApiError } from '../lib/api.js';
import { t } from '../lib/i18n.js';
import type { SalePhase } from '../lib/sale-phase.js';
import type { EventInfo } from '../queue/state.js';

/**
 * The waiting-room page for a queue-mode presale window (`/queue.html?event=<window id>&presale=<event id>`):
 * the room is the window's, so its phase comes from the window's room and its times are the
 * window's; the title and the links are the event's.
 */
type RoomStats = { phase: 'prequeue' | 'drawing' | 'live' | 'paused' | 'closed'; soldOut: boolean; drawSize: number };

export async function presaleEventInfo(windowId: string, eventId: string): Promise<EventInfo> {
  const [event, presales] = await Promise.all([
    api<EventInfo>('GET', `/v1/events/${encodeURIComponent(eventId)}`),
    api<z.input<typeof eventPresales>>('GET', `/v1/events/${encodeURIComponent(eventId)}/presales`),
  ]);
  const w = presales.windows.find((x) => x.id === windowId);
  if (!w) throw new ApiError({ status: 404, code: 'presales.window_not_found', detail: 'No such presale window.' });
  const stats = await api<RoomStats>('GET', `/v1/events/${windowId}/queue/stats`).catch(() => null);
  const phase: SalePhase =
    w.status === 'closed' || stats?.phase === 'closed'
      ? 'ended'
      : !stats
        ? 'scheduled'
        : stats.phase === 'paused'
          ? 'paused'
          : stats.soldOut
            ? 'sold_out'
            : stats.phase === 'live'
              ? 'admitting'
              : stats.phase;
  return {
    id: event.id,
    title: t('queue:presaleTitle', { event: event.title, window: w.name }),
    startsAt: event.startsAt,
    phase,
    sale: {
      phase,
      mode: 'queue',
      opensAt: w.prequeueOpensAt,
      startsAt: w.opensAt,
      endsAt: w.closesAt,
      drawnAt: null,
      drawSize: stats && stats.phase !== 'prequeue' ? stats.drawSize : null,
    },
  };
}
