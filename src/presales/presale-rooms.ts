import type { Db } from '../db/types.js';
import { findQueueSale } from '../sales/onsale.repository.js';
import type { PresaleRooms, RoomSale } from '../waitingroom/presale-rooms.js';
import { presaleErrors } from './presales.errors.js';
import * as repo from './presales.repository.js';
import type { WindowRow } from './presales.repository.js';

/**
 * A queue-mode window as a waiting room: the event's on-sale (admission rate, token lifetime,
 * proof of work, confirmed addresses) with the window's id as the room and its times in place
 * of the sale's: the pre-queue opens at the window's, the draw is at its opening, the room
 * closes at its end.
 */
export function windowRoom(window: WindowRow, sale: RoomSale): RoomSale {
  return {
    ...sale,
    eventId: window.id,
    stockEventId: window.eventId,
    presale: true,
    mode: window.mode,
    prequeueOpensAt: window.prequeueOpensAt,
    saleStartsAt: window.opensAt,
    saleEndsAt: window.closesAt,
    state: window.state === 'closed' ? 'closed' : sale.state,
  };
}

export function presaleRooms(db: Db): PresaleRooms {
  const roomOf = async (window: WindowRow) => {
    const sale = await findQueueSale(db, window.eventId);
    return sale && windowRoom(window, sale);
  };
  return {
    async find(roomId) {
      const window = await repo.findWindow(db, roomId);
      return window && roomOf(window);
    },
    async active(now) {
      const rooms = await Promise.all((await repo.activeQueueWindows(db, now)).map(roomOf));
      return rooms.filter((r): r is RoomSale => r !== undefined);
    },
    async assertMayJoin(roomId, userId) {
      if (!(await repo.isEligible(db, roomId, userId))) throw presaleErrors.notEligible();
    },
    receiptRooms: (now) => repo.receiptWindows(db, now),
    async close(roomId) {
      await repo.closeWindow(db, roomId);
    },
  };
}
