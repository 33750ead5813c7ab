import type { Logger } from '../logger.js';
import { eventRoom, watchPayload, type QueueClientToServer, type QueueServerToClient } from '../realtime/events.js';
import type { Gateway } from '../realtime/gateway.js';
import { AppError } from '../shared/errors.js';
import type { WaitingRoomService } from './waitingroom.service.js';

/**
 * The `/queue` namespace: signed-in fans only (the handshake checks the session and puts the
 * socket in `user:<id>`, where `admitted` arrives). `watch` adds `event:<id>` for the cursor and
 * the room's news, and answers where the fan stands right now, so a page that (re)connects
 * never has to wait for the next tick to draw itself.
 */
export function attachQueueNamespace(gateway: Gateway, service: WaitingRoomService, logger: Logger): void {
  const nsp = gateway.namespace<QueueClientToServer, QueueServerToClient>('/queue', { requireUser: true });
  nsp.on('connection', (socket) => {
    socket.on('watch', async (payload, ack) => {
      const parsed = watchPayload.safeParse(payload);
      if (!parsed.success) return ack?.({ ok: false, code: 'request.invalid', detail: 'eventId must be a UUID' });
      const userId = socket.data.userId;
      if (!userId) return ack?.({ ok: false, code: 'auth.required', detail: 'Sign in to watch a waiting room.' });
      try {
        const snapshot = await service.snapshot(userId, parsed.data.eventId);
        // Join after reading: a cursor that arrives between the two is newer than the snapshot anyway.
        await socket.join(eventRoom(parsed.data.eventId));
        ack?.({ ok: true, snapshot });
      } catch (err) {
        if (err instanceof AppError) return ack?.({ ok: false, code: err.code, detail: err.message });
        logger.error({ err }, 'queue watch failed');
        ack?.({ ok: false, code: 'internal', detail: 'Something went wrong; try again.' });
      }
    });
    socket.on('unwatch', async (payload, ack) => {
      const parsed = watchPayload.safeParse(payload);
      if (!parsed.success) return ack?.({ ok: false, code: 'request.invalid', detail: 'eventId must be a UUID' });
      await socket.leave(eventRoom(parsed.data.eventId));
      ack?.({ ok: true });
    });
  });
}
