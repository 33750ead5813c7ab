import { AppError, conflict, forbidden, notFound } from '../shared/errors.js';

/** Refusals of tickets, codes and transfers, each with its stable code. */
export const ticketErrors = {
  notFound: () => notFound('tickets.not_found', 'No ticket with this id.'),
  notValid: (status: string) =>
    conflict('tickets.not_valid', `This ticket is ${status}; it has no code to show.`, { status }),
  orderNotFound: () => notFound('orders.not_found', 'No order with this id.'),
  eventNotFound: () => notFound('catalog.event_not_found', 'No event with this id.'),
  transferNotFound: () => notFound('transfers.not_found', 'No transfer with this id.'),
  transfersDisabled: () => conflict('transfers.not_allowed', "This event's organizer does not allow transfers."),
  eventClosed: (status: string) =>
    conflict('transfers.event_closed', `The event is ${status}; its tickets can no longer change hands.`),
  alreadyUsed: () =>
    conflict('transfers.already_used', 'This ticket has been checked in; it can no longer be transferred.'),
  listedForResale: () =>
    conflict(
      'transfers.listed_for_resale',
      'This ticket is listed for resale; withdraw the listing before you transfer or gift it.',
    ),
  pendingExists: () =>
    conflict('transfers.pending_exists', 'This ticket already has an open transfer; cancel it first.'),
  notPending: (status: string) => conflict('transfers.not_pending', `This transfer is ${status}.`, { status }),
  stale: () =>
    conflict('transfers.stale', 'The ticket changed since this transfer was offered; ask the sender for a new one.'),
  toSelf: () =>
    new AppError(422, 'transfers.to_self', 'You already hold this ticket.', {
      errors: [{ in: 'body', field: 'toEmail', code: 'to_self', message: 'is your own address' }],
    }),
  wrongRecipient: () => forbidden('transfers.wrong_recipient', 'This transfer was offered to another address.'),
  badToken: () => forbidden('transfers.invalid_token', 'This invitation link is not valid for this transfer.'),
  emailUnverified: () =>
    forbidden(
      'transfers.email_unverified',
      'Confirm your email address first: open the link in the mail we sent you (or ask for a new one from your account), then accept the ticket.',
    ),
  accountExists: () => conflict('transfers.account_exists', 'An account with this address exists: sign in to accept.'),
  noAttendees: () =>
    new AppError(422, 'transfers.no_attendees', 'No ticket of this order names an attendee other than you.'),
};
