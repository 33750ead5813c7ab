/**
 * Answers a sale gives in its normal course, which a fan meets and reacts to (fan.ts): nothing
 * left, someone was faster on those seats, a declined card, a limit. The report and the live
 * line count them apart from errors, which are answers the product should not give (timeouts,
 * 5xx, a token refused for no reason of the fan's).
 */
const REFUSALS = new Set([
  'sales.sold_out',
  'sales.not_enough_seats',
  'sales.not_enough_together',
  'sales.seat_unavailable',
  'sales.wrong_tier_kind',
  'sales.limit_exceeded',
  'sales.not_on_sale',
  'payments.card_declined',
  'payments.insufficient_funds',
  'giftcards.insufficient_balance',
  'idempotency.in_progress',
]);

export function isRefusal(code: string): boolean {
  return REFUSALS.has(code);
}
