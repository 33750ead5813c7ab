import { AppError, conflict, notFound } from '../shared/errors.js';

const field = (name: string, code: string, message: string) => [{ in: 'body' as const, field: name, code, message }];

/** Refusals of resale listings and purchases, each with its stable code. */
export const resaleErrors = {
  ticketNotFound: () => notFound('tickets.not_found', 'No ticket with this id.'),
  listingNotFound: () => notFound('resale.not_found', 'No resale listing with this id.'),
  notAllowed: () => conflict('resale.not_allowed', "This event's organizer does not allow resale."),
  ticketNotValid: (status: string) =>
    conflict('resale.ticket_not_valid', `This ticket is ${status}; it cannot be resold.`, { status }),
  ticketUsed: () => conflict('resale.ticket_used', 'This ticket has been checked in; it cannot be resold.'),
  transferPending: () =>
    conflict('resale.transfer_pending', 'This ticket is on offer to someone; cancel that transfer before listing it.'),
  alreadyListed: () => conflict('resale.already_listed', 'This ticket is already listed for resale.'),
  eventClosed: (status: string) =>
    conflict('resale.event_closed', `The event is ${status}; its tickets can no longer be resold.`, { status }),
  aboveCap: (capCents: number) =>
    new AppError(
      422,
      'resale.price_above_cap',
      `The price may not exceed ${capCents} (face value and the organizer's cap).`,
      {
        errors: field('priceCents', 'above_cap', `at most ${capCents}`),
        data: { maxPriceCents: capCents },
      },
    ),
  belowFee: (minCents: number) =>
    new AppError(422, 'resale.price_too_low', `The price must be more than the resale fee (at least ${minCents}).`, {
      errors: field('priceCents', 'below_fee', `at least ${minCents}`),
      data: { minPriceCents: minCents },
    }),
  notListed: (status: string) =>
    conflict('resale.not_listed', `This listing is ${status}; it can no longer change.`, { status }),
  unavailable: () =>
    conflict(
      'resale.unavailable',
      'This ticket is no longer for sale: someone else bought it, or its seller withdrew it.',
    ),
  offeredToWaitlist: (until: string) =>
    conflict(
      'resale.offered_to_waitlist',
      'This ticket is offered to the next fan on the waitlist first; it opens to everyone if they do not take it.',
      { until },
    ),
  ownListing: () => new AppError(422, 'resale.own_listing', 'This is your own listing; withdraw it instead.'),
  noOffer: () => conflict('resale.no_offer', 'You have no open offer of this ticket.'),
  giftCardScoped: () =>
    new AppError(
      422,
      'resale.gift_card_not_accepted',
      'A gift card issued by an organizer cannot pay for a resale: the price goes to another fan. Use a card or a Fairdrop gift card.',
      { errors: field('payment.giftCard.code', 'not_accepted', 'organizer-issued gift card') },
    ),
  giftCardCurrency: (currency: string) =>
    new AppError(422, 'resale.gift_card_currency', `The gift card is not in ${currency}, the listing's currency.`, {
      errors: field('payment.giftCard.code', 'currency', `not in ${currency}`),
    }),
};
