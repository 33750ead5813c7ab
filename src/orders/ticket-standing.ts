import { AppError, type FieldProblem } from '../shared/errors.js';
import type { TicketWithStanding } from '../tickets/tickets.repository.js';

/**
 * Whose a ticket of an order is, as its buyer sees it. A transferred ticket belongs to its new
 * holder, a used one was spent at the door, and one on offer may be accepted at any moment:
 * only a `changeable` ticket may still be cancelled (refunded) or exchanged by the buyer.
 */
export const ticketStandings = ['changeable', 'offered', 'used', 'transferred', 'ended'] as const;
export type TicketStanding = (typeof ticketStandings)[number];

/** Orders the checks: the first that applies is the standing (a used ticket on offer is used). */
export function standingOf(
  buyerId: string,
  ticket: Pick<TicketWithStanding, 'status' | 'holderId' | 'admittedAt' | 'pendingOffer'>,
): TicketStanding {
  if (ticket.status !== 'valid') return 'ended';
  if (ticket.holderId !== buyerId) return 'transferred';
  if (ticket.admittedAt) return 'used';
  if (ticket.pendingOffer) return 'offered';
  return 'changeable';
}

type Blocked = Exclude<TicketStanding, 'changeable' | 'ended'>;

/** The problem each standing answers with, most final first: that order picks the code when several apply. */
const refusals: Record<Blocked, { code: string; fieldCode: string; message: string; detail: string }> = {
  transferred: {
    code: 'orders.ticket_transferred',
    fieldCode: 'ticket_transferred',
    message: 'transferred: it belongs to its new holder',
    detail: 'A ticket you transferred belongs to its new holder: you can no longer cancel, refund or exchange it.',
  },
  used: {
    code: 'orders.ticket_used',
    fieldCode: 'ticket_used',
    message: 'already used at the door',
    detail: 'A ticket that was used at the door cannot be refunded or exchanged.',
  },
  offered: {
    code: 'orders.ticket_transfer_pending',
    fieldCode: 'ticket_transfer_pending',
    message: 'on offer to someone: withdraw the offer first',
    detail:
      'A ticket you offered to someone may be accepted at any moment: withdraw the offer first, then cancel or exchange it.',
  },
};
const precedence: readonly Blocked[] = ['transferred', 'used', 'offered'];

/** The problem codes a change can be refused with because of its tickets' standing (for the route's errors list). */
export const standingCodes = precedence.map((s) => refusals[s].code);

/**
 * Refuses a change touching tickets that are no longer the buyer's to change: 409, the code of
 * the most final reason, one `errors[]` entry per ticket under `field`, and the ticket ids.
 */
export function refuseChange(
  field: 'cancel' | 'cancel.ticketIds' | 'exchange.ticketIds',
  blocked: readonly { id: string; standing: TicketStanding }[],
): AppError {
  const reasons = blocked.filter((b): b is { id: string; standing: Blocked } => b.standing in refusals);
  const first = precedence.find((s) => reasons.some((r) => r.standing === s)) ?? 'transferred';
  const errors: FieldProblem[] = reasons.map((r) => ({
    in: 'body',
    field,
    code: refusals[r.standing].fieldCode,
    message: `ticket ${r.id}: ${refusals[r.standing].message}`,
  }));
  return new AppError(409, refusals[first].code, refusals[first].detail, {
    errors,
    data: { ticketIds: reasons.map((r) => r.id) },
  });
}
