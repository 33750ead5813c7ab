/**
 * The numbers of resale at face value. The fee is Fairdrop's, the same for every event, so it
 * is stated before listing and never depends on who buys; the price cap is the organizer's
 * (event_ticket_settings.resale_cap_percent), never above what was paid.
 */

/** Fairdrop keeps this share of a resale price: covers the card processing of both sides. */
export const RESALE_FEE_PERCENT = 5;

/**
 * How long a waitlisted fan has to take a listing offered to them before it passes on: as long
 * as a waitlist offer of a returned place (src/waitlist/waitlist.repository.ts OFFER_TTL_SECONDS).
 */
export const RESALE_OFFER_SECONDS = 10 * 60;

/** The fee kept from a price, in minor units. */
export const resaleFee = (priceCents: number): number => Math.round((priceCents * RESALE_FEE_PERCENT) / 100);

/** The highest price allowed: what was paid, lowered by the organizer's cap. */
export const priceCap = (faceValueCents: number, capPercent: number): number =>
  Math.floor((faceValueCents * capPercent) / 100);

/** The lowest price that leaves the seller something after the fee. */
export function lowestPrice(): number {
  let p = 1;
  while (p - resaleFee(p) <= 0) p++;
  return p;
}
