import { AppError, badRequest, notFound } from '../shared/errors.js';

/** The gift-card refusals, each with its stable code. */
export const giftCardErrors = {
  notFound: () => notFound('giftcards.not_found', 'No gift card with this code.'),
  /** `field`: where the code was sent (`payment.giftCards.0.code`). */
  notValidForEvent: (field: string) =>
    new AppError(
      422,
      'giftcards.not_valid_for_event',
      'This gift card pays only for events of the organizer who issued it; the balance lookup names them.',
      {
        errors: [{ in: 'body', field, code: 'not_valid_for_event', message: 'issued for another organizer’s events' }],
      },
    ),
  /** The same answer as the API's idempotency store gives (src/http/idempotency.ts). */
  keyReused: () =>
    new AppError(422, 'idempotency.key_reused', 'This Idempotency-Key was used for a different request.', {
      errors: [
        { in: 'header', field: 'Idempotency-Key', code: 'key_reused', message: 'already used for another request' },
      ],
    }),
  badCursor: () =>
    badRequest('giftcards.bad_cursor', 'This cursor is not one this list gave out.', [
      { in: 'query', field: 'cursor', code: 'invalid', message: 'use nextCursor of the previous page' },
    ]),
};
