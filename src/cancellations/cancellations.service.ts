import { announce } from '../announcements/announcements.js';
import type { Principal } from '../auth/principal.js';
import { findEvent, findVenue, moveEvent, updateEvent, type EventRow } from '../catalog/catalog.repository.js';
import { assertEventOrganizer, assertVenueOfOrganizer } from '../catalog/guards.js';
import type { Db } from '../db/types.js';
import { say, verbatim, type NoticeMessage, type Phrase } from '../notifications/notice-message.js';
import { timeIn } from '../notifications/notice-text.js';
import { AppError, conflict, notFound } from '../shared/errors.js';
import type { PlatformSigner } from '../shared/signing.js';
import { revokeEventTickets } from '../tickets/tickets.repository.js';
import { cancelPendingTransfersOfEvent } from '../tickets/transfers.repository.js';
import { appendTimeline } from '../timeline/timeline.repository.js';
import {
  findCancellation,
  insertCancellation,
  insertEventChange,
  listOrdersToRefund,
  progressOf,
} from './cancellations.repository.js';

export interface CancellationProgress {
  eventId: string;
  reason: string;
  cancelledAt: string;
  completedAt: string | null;
  ordersTotal: number;
  ticketsRevoked: number;
  pending: number;
  refunded: number;
  voided: number;
  skipped: number;
  refundedCents: number;
}

/** Starts the refund fan-out (BullMQ in production; the tests may pass their own). */
export interface CancellationQueue {
  start(eventId: string): Promise<void>;
}

const DAY_MS = 24 * 3600_000;
const eventNotFound = () => notFound('catalog.event_not_found', 'No event with this id.');

/**
 * What a postponement or a change tells the people it concerns: whole sentences, each a
 * catalogue message, the organizer's note as they wrote it.
 */
function changeMessage(
  kind: 'postponed' | 'changed',
  event: string,
  change: {
    before: Record<string, string | null>;
    after: Record<string, string | null>;
    refundUntil: Date | null;
    note: string | null;
  },
): NoticeMessage {
  if (kind === 'postponed') {
    const sentences: Phrase[] = [say('notices:postponed.body', { time: timeIn('after.startsAt') })];
    if (change.refundUntil) sentences.push(say('notices:postponed.refund', { time: timeIn('refundUntil') }));
    return { title: say('notices:postponed.title', { event }), body: [sentences] };
  }
  const sentences: Phrase[] = [
    change.after.doorsAt
      ? say('notices:changed.bodyWithDoors', { time: timeIn('after.startsAt'), doors: timeIn('after.doorsAt') })
      : say('notices:changed.body', { time: timeIn('after.startsAt') }),
  ];
  if (change.before.venueId !== change.after.venueId) sentences.push(say('notices:changed.venue'));
  return {
    title: say('notices:changed.title', { event }),
    body: change.note ? [sentences, verbatim(change.note)] : [sentences],
  };
}

/**
 * Cancelling, postponing and changing an event. Cancelling is one transaction that makes
 * the event cancelled, revokes every ticket and lists every order to refund; the refunds
 * themselves are jobs (one per order), so the organizer's request returns at once and a
 * crash loses nothing: the list is in Postgres.
 */
export class CancellationService {
  constructor(
    private readonly db: Db,
    private readonly signer: PlatformSigner,
    private readonly queue: CancellationQueue,
  ) {}

  async cancel(principal: Principal, eventId: string, reason: string): Promise<CancellationProgress> {
    await this.db.transaction(async (tx) => {
      const event = await findEvent(tx, eventId, { forUpdate: true });
      if (!event) throw eventNotFound();
      assertEventOrganizer(principal, event);
      // A second call (a retry, a double click) is an answer, not an error: the cancellation is under way.
      if (event.status === 'cancelled') return;
      if (event.status === 'completed')
        throw conflict('cancellations.event_completed', 'This event has already taken place.');
      await updateEvent(tx, eventId, { status: 'cancelled', updatedAt: new Date() });
      const ticketsRevoked = await revokeEventTickets(tx, eventId);
      await cancelPendingTransfersOfEvent(tx, eventId);
      const ordersTotal = await listOrdersToRefund(tx, eventId);
      await insertCancellation(tx, { eventId, reason, requestedBy: principal.userId, ordersTotal, ticketsRevoked });
      await appendTimeline(tx, this.signer, [
        {
          userId: principal.userId,
          kind: 'event.cancelled',
          subjectType: 'event',
          subjectId: eventId,
          eventId,
          actorId: principal.userId,
          data: { reason, ordersTotal, ticketsRevoked },
        },
      ]);
    });
    // Also on a repeated call: if the first enqueue was lost (Redis down, crash), this one starts it; the job id makes it once.
    await this.queue.start(eventId);
    return this.progress(principal, eventId);
  }

  async progress(principal: Principal, eventId: string): Promise<CancellationProgress> {
    const event = await findEvent(this.db, eventId);
    if (!event) throw eventNotFound();
    assertEventOrganizer(principal, event);
    const row = await findCancellation(this.db, eventId);
    if (!row) throw notFound('cancellations.not_found', 'This event has not been cancelled.');
    return {
      eventId,
      reason: row.reason,
      cancelledAt: row.createdAt.toISOString(),
      completedAt: row.completedAt?.toISOString() ?? null,
      ordersTotal: row.ordersTotal,
      ticketsRevoked: row.ticketsRevoked,
      ...(await progressOf(this.db, eventId)),
    };
  }

  /**
   * Moves the event; tickets stay valid. Holders may cancel for a refund through the normal
   * order cancellation (PATCH /v1/orders/:id) until the window closes: the event's refund
   * deadline is pushed to at least then.
   */
  async postpone(
    principal: Principal,
    eventId: string,
    input: { newStartsAt: Date; refundWindowDays: number; note?: string | undefined },
  ) {
    return this.change(
      principal,
      eventId,
      'postponed',
      { startsAt: input.newStartsAt },
      input.note ?? null,
      input.refundWindowDays,
    );
  }

  /** A change of time, doors or venue, announced to holders and watchers. */
  async reschedule(
    principal: Principal,
    eventId: string,
    input: {
      startsAt?: Date | undefined;
      doorsAt?: Date | null | undefined;
      venueId?: string | undefined;
      note?: string | undefined;
    },
  ) {
    return this.change(principal, eventId, 'changed', input, input.note ?? null, null);
  }

  private async change(
    principal: Principal,
    eventId: string,
    kind: 'postponed' | 'changed',
    patch: { startsAt?: Date | undefined; doorsAt?: Date | null | undefined; venueId?: string | undefined },
    note: string | null,
    refundWindowDays: number | null,
  ) {
    const result = await this.db.transaction(async (tx) => {
      const event = await findEvent(tx, eventId, { forUpdate: true });
      if (!event) throw eventNotFound();
      assertEventOrganizer(principal, event);
      if (event.status === 'cancelled' || event.status === 'completed')
        throw conflict('cancellations.event_closed', `A ${event.status} event cannot be moved.`);
      const next = this.moved(event, patch);
      if (next.venueId !== event.venueId) {
        const venue = await findVenue(tx, next.venueId);
        if (!venue) throw notFound('catalog.venue_not_found', 'No venue with this id.');
        assertVenueOfOrganizer(principal, venue, event.organizerId);
      }
      const refundUntil = refundWindowDays !== null ? new Date(Date.now() + refundWindowDays * DAY_MS) : null;
      await moveEvent(tx, eventId, { ...next, postponed: kind === 'postponed', refundUntil });
      const iso = (d: Date | null) => d?.toISOString() ?? null;
      const before = { startsAt: iso(event.startsAt), doorsAt: iso(event.doorsAt), venueId: event.venueId };
      const after = { startsAt: iso(next.startsAt), doorsAt: iso(next.doorsAt), venueId: next.venueId };
      const row = await insertEventChange(tx, {
        eventId,
        kind,
        before,
        after,
        refundUntil,
        note,
        createdBy: principal.userId,
      });
      await appendTimeline(tx, this.signer, [
        {
          userId: principal.userId,
          kind: `event.${kind}`,
          subjectType: 'event',
          subjectId: eventId,
          eventId,
          actorId: principal.userId,
          data: { changeId: row.id, before, after, refundUntil: iso(refundUntil) },
        },
      ]);
      return { change: row, title: event.title };
    });
    const { change, title } = result;
    await announce(this.db, eventId, 'holders_and_watchers', {
      kind: `event.${kind}`,
      causeKey: change.id,
      message: changeMessage(kind, title, change),
      data: {
        changeId: change.id,
        before: change.before,
        after: change.after,
        refundUntil: change.refundUntil?.toISOString() ?? null,
      },
      mail: true,
    });
    return {
      id: change.id,
      eventId,
      kind: change.kind,
      before: change.before,
      after: change.after,
      refundUntil: change.refundUntil?.toISOString() ?? null,
      note: change.note,
      createdAt: change.createdAt.toISOString(),
    };
  }

  /** The new times: doors and end move with the start unless given, so the event's CHECKs keep holding. */
  private moved(
    event: EventRow,
    patch: { startsAt?: Date | undefined; doorsAt?: Date | null | undefined; venueId?: string | undefined },
  ) {
    const startsAt = patch.startsAt ?? event.startsAt;
    const shift = startsAt.getTime() - event.startsAt.getTime();
    const doorsAt =
      patch.doorsAt !== undefined ? patch.doorsAt : event.doorsAt ? new Date(event.doorsAt.getTime() + shift) : null;
    const endsAt = event.endsAt ? new Date(event.endsAt.getTime() + shift) : null;
    if (doorsAt && doorsAt > startsAt) {
      throw new AppError(400, 'request.invalid', 'Doors must open before the start.', {
        errors: [{ in: 'body', field: 'doorsAt', code: 'after_start', message: 'must not be after startsAt' }],
      });
    }
    return { startsAt, doorsAt, endsAt, venueId: patch.venueId ?? event.venueId };
  }
}
