import { AppError, forbidden, notFound } from '../shared/errors.js';

export const checkinErrors = {
  notStaff: () => forbidden('checkin.not_staff', 'You are not door staff of this event.'),
  eventNotFound: () => notFound('catalog.event_not_found', 'No event with this id.'),
  unknownAccount: () =>
    new AppError(422, 'checkin.unknown_account', 'No account has this email; ask them to sign up first.', {
      errors: [{ in: 'body', field: 'email', code: 'unknown_account', message: 'no account with this address' }],
    }),
  staffUnverified: () =>
    new AppError(
      422,
      'checkin.staff_unverified',
      'This account has not confirmed its email address, so it may not belong to whoever owns it: ask them to confirm it first.',
      {
        errors: [
          { in: 'body', field: 'email', code: 'unverified', message: 'the account has not confirmed this address' },
        ],
      },
    ),
  staffNotFound: () => notFound('checkin.staff_not_found', 'This account is not staff of this event.'),
  bundleWindowInvalid: () =>
    new AppError(
      422,
      'checkin.bundle_window_invalid',
      'The offline bundle named with these scans is not one we issued for this event; send the window of the bundle the scans were made with, as downloaded.',
      {
        errors: [
          { in: 'body', field: 'window', code: 'invalid_signature', message: 'not signed by us for this event' },
        ],
      },
    ),
  scansOutOfOrder: (index: number) =>
    new AppError(
      422,
      'checkin.scans_out_of_order',
      'Offline scans are uploaded in the order they were made: each scannedAt no earlier than the one before it.',
      {
        errors: [
          {
            in: 'body',
            field: `scans.${index}.scannedAt`,
            code: 'out_of_order',
            message: 'earlier than the scan before it',
          },
        ],
      },
    ),
};
