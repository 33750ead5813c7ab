import { AppError, conflict, forbidden, notFound } from '../shared/errors.js';

/**
 * The refusals of the sales core. Every loser of a race gets a 409 with one of these codes,
 * so a client can tell "pick other seats" from "this tier is gone" without reading prose.
 */
export const salesErrors = {
  notOnSale: (detail: string, data?: Record<string, unknown>) => conflict('sales.not_on_sale', detail, data),
  unknownSeats: (indexes: number[]) =>
    new AppError(400, 'sales.unknown_seat', 'Some seats are not seats of this event and tier.', {
      errors: indexes.map((i) => ({
        in: 'body' as const,
        field: `seats.${i}`,
        code: 'unknown_seat',
        message: 'is not a seat of this event and tier',
      })),
    }),
  wrongTierKind: (kind: 'reserved' | 'ga') =>
    new AppError(
      400,
      'sales.wrong_tier_kind',
      kind === 'ga'
        ? 'General admission has no seats to pick; send a quantity.'
        : 'Reserved tiers need seats or a quantity.',
      {
        errors: [
          {
            in: 'body',
            field: kind === 'ga' ? 'seats' : 'quantity',
            code: 'wrong_tier_kind',
            message: `not for a ${kind} tier`,
          },
        ],
      },
    ),
  seatUnavailable: (seatIds: string[]) =>
    conflict('sales.seat_unavailable', 'One or more of these seats were just taken; pick others.', { seatIds }),
  soldOut: () => conflict('sales.sold_out', 'This tier is sold out.'),
  notEnoughSeats: (available: number) =>
    conflict('sales.not_enough_seats', `Only ${available} left in this tier right now.`, { available }),
  notEnoughTogether: (quantity: number) =>
    conflict(
      'sales.not_enough_together',
      `No ${quantity} seats side by side in one row are free in this tier; try without "together".`,
    ),
  limitExceeded: (limit: number, counted: number) =>
    conflict(
      'sales.limit_exceeded',
      `This event allows ${limit} tickets per account; you already hold or own ${counted}.`,
      { limit, counted },
    ),
  tokenRequired: () =>
    forbidden(
      'sales.purchase_token_required',
      'This on-sale runs a waiting room: hold seats with the purchase token you get when admitted.',
    ),
  tokenInvalid: (detail = 'This purchase token is unknown, expired, already used or not yours.') =>
    forbidden('sales.purchase_token_invalid', detail),
  holdNotFound: () => notFound('sales.hold_not_found', 'No hold with this id.'),
  holdExpired: () => conflict('sales.hold_expired', 'This hold has expired and its seats went back on sale.'),
  holdNotActive: (status: string) =>
    conflict('sales.hold_not_active', `This hold is ${status}, not active.`, { status }),
  keyReused: () =>
    new AppError(422, 'sales.idempotency_key_reused', 'This Idempotency-Key already made a different hold.', {
      errors: [
        { in: 'header', field: 'Idempotency-Key', code: 'key_reused', message: 'already used for another hold' },
      ],
    }),
};

/** Refusals after which the fan can simply try again with other seats or fewer tickets: their purchase token goes back to them. */
const FAN_FIXABLE = new Set([
  'sales.seat_unavailable',
  'sales.sold_out',
  'sales.not_enough_seats',
  'sales.not_enough_together',
  'sales.limit_exceeded',
  'sales.unknown_seat',
  'sales.wrong_tier_kind',
]);

export function isFanFixable(err: unknown): boolean {
  return err instanceof AppError && FAN_FIXABLE.has(err.code);
}

/** The tier had nothing left for the hold: its fan was told so and may leave (the token stops reserving seats). */
export function isNothingLeft(err: unknown): boolean {
  return err instanceof AppError && err.code === 'sales.sold_out';
}
