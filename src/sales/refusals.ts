import { catalogErrors } from '../catalog/catalog.errors.js';
import { sqlRefusal } from '../db/errors.js';
import { AppError, conflict } from '../shared/errors.js';
import { giftCardErrors } from '../giftcards/giftcards.errors.js';
import { salesErrors } from './sales.errors.js';

type Details = Record<string, unknown>;

/**
 * The refusals the purchase path's SQL functions raise (drizzle/: `fd_refuse(code, details)`),
 * turned into the domain errors the rest of the API throws, so a refusal from SQL answers with
 * the same problem code as one decided in TypeScript. One table, so a code the SQL raises and
 * nobody maps is found by `refusalFrom` in a test, not by a fan.
 */
const refusals: Record<string, (d: Details) => AppError> = {
  'catalog.event_not_found': () => catalogErrors.eventNotFound(),
  'catalog.tier_not_found': () => catalogErrors.tierNotFound(),
  'sales.wrong_tier_kind': () => salesErrors.wrongTierKind('ga'),
  'sales.not_on_sale': (d) => salesErrors.notOnSale(String(d.detail), d.data as Details | undefined),
  'sales.unknown_seat': (d) => salesErrors.unknownSeats(d.indexes as number[]),
  'sales.seat_unavailable': (d) => salesErrors.seatUnavailable(d.seatIds as string[]),
  'sales.sold_out': () => salesErrors.soldOut(),
  'sales.not_enough_seats': (d) => salesErrors.notEnoughSeats(Number(d.available)),
  'sales.not_enough_together': (d) => salesErrors.notEnoughTogether(Number(d.quantity)),
  'sales.limit_exceeded': (d) => salesErrors.limitExceeded(Number(d.limit), Number(d.counted)),
  'sales.purchase_token_required': () => salesErrors.tokenRequired(),
  'sales.idempotency_key_reused': () => salesErrors.keyReused(),
  'sales.hold_not_found': () => salesErrors.holdNotFound(),
  'sales.hold_expired': () => salesErrors.holdExpired(),
  'sales.hold_not_active': (d) => salesErrors.holdNotActive(String(d.status)),
  'orders.not_found': () => new AppError(404, 'orders.not_found', 'No order with this id.'),
  'orders.state_changed': (d) =>
    conflict('orders.state_changed', `The order is ${String(d.status)} and can no longer be completed.`),
  'giftcards.insufficient_balance': (d) =>
    conflict(
      'giftcards.insufficient_balance',
      typeof d.detail === 'string' ? d.detail : 'A gift card no longer has enough balance for this order.',
      { giftCardId: d.giftCardId },
    ),
  'giftcards.not_valid_for_event': (d) => giftCardErrors.notValidForEvent(String(d.field)),
  'orders.hold_already_ordered': (d) =>
    conflict('orders.hold_already_ordered', 'This hold has already been bought.', { holdId: d.holdId }),
  'idempotency.key_reused': () =>
    new AppError(422, 'idempotency.key_reused', 'This Idempotency-Key was used for a different request.', {
      errors: [
        { in: 'header', field: 'Idempotency-Key', code: 'key_reused', message: 'already used for another request' },
      ],
    }),
};

/** `fd_refuse_field`: a refusal of one request field (its status, detail and field are in the details). */
const fieldRefusal = (code: string, d: Details) =>
  new AppError(Number(d.status), code, String(d.detail), {
    errors: [{ in: 'body', field: String(d.field), code: code.split('.')[1]!, message: String(d.detail) }],
  });

/** The problem a SQL refusal stands for; null when `err` is not one of ours (rethrow it as it is). */
export function refusalFrom(err: unknown): AppError | null {
  const refusal = sqlRefusal(err);
  if (!refusal) return null;
  const make =
    refusals[refusal.code] ??
    (refusal.details.field && refusal.details.status ? fieldRefusal.bind(null, refusal.code) : undefined);
  if (!make) throw new Error(`SQL refusal ${refusal.code} has no problem mapped in src/sales/refusals.ts`);
  return make(refusal.details);
}

/** Codes the SQL may raise that the caller answers itself (the waiting room's own token refusal). */
export const TOKEN_REFUSED = 'sales.purchase_token_refused';
