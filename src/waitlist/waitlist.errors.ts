import { conflict, notFound } from '../shared/errors.js';

export const waitlistErrors = {
  notSoldOut: () =>
    conflict('waitlist.not_sold_out', 'Tickets are still on sale for this event: buy one instead of waiting.'),
  saleNotOn: () => conflict('waitlist.sale_not_on', 'This event is not on sale, so it has no waitlist to join.'),
  notInLine: () => notFound('waitlist.not_in_line', 'You are not on the waitlist for this event.'),
};
