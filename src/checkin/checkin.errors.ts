import { AppError, forbidden, notFound } from '../shared/errors.js';

export const checkinErrors = {
  notStaff: () => forbidden('checkin.not_staff', 'You are not door staff of this event.'),
  eventNotFound: () => notFound('catalog.event_not_found', 'No event with this id.'),
  unknownAccount: () =>
    new AppError(422, 'checkin.unknown_account', 'No account has this email; ask them to sign up first.', {
      errors: [{ in: 'body', field: 'email', code: 'unknown_account', message: 'no account with this address' }],
    }),
  staffNotFound: () => notFound('checkin.staff_not_found', 'This account is not staff of this event.'),
};
