/**
 * What the pages say when the API refuses something: people's words for every problem code
 * and for every field a form sends. A problem's `detail` and each field's `message` are for
 * developers (they name fields and rules: "Invalid query.sort: distance needs near=lat,lng");
 * a page shows these words instead, found by the same stable codes clients match on.
 *
 * `test/unit/problem-words.test.ts` checks that every code the route table declares, and every
 * code every route can answer with, has words here: a new refusal cannot reach a page as a code.
 */

/** A problem document as the pages receive it (the fields the words read). */
export interface ProblemFacts {
  status: number;
  code: string;
  errors?: FieldFacts[];
  [extension: string]: unknown;
}

/** One entry of a problem's `errors[]`, with the rule's bounds when it is one of zod's. */
export interface FieldFacts {
  in: string;
  field: string;
  code: string;
  message: string;
  origin?: string;
  minimum?: number;
  maximum?: number;
  inclusive?: boolean;
  format?: string;
  expected?: string;
  missing?: boolean;
}

type Say = string | ((problem: ProblemFacts) => string);

const str = (value: unknown): string | null => (typeof value === 'string' && value ? value : null);
const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** "Sat 12 Dec, 20:00" in the reader's zone, for the moments a refusal names (a sale's start). */
function when(iso: string | null): string | null {
  if (!iso) return null;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return null;
  // The year only when it is not this one.
  const year = date.getFullYear() !== new Date().getFullYear() ? { year: 'numeric' as const } : {};
  return new Intl.DateTimeFormat(undefined, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    ...year,
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(date);
}

const seconds = (p: ProblemFacts) => num(p.retryAfter);
const tryAgainIn = (p: ProblemFacts) => {
  const s = seconds(p);
  return s ? `Try again in ${s} second${s === 1 ? '' : 's'}.` : 'Wait a moment and try again.';
};

const BUSY = 'Fairdrop is very busy right now. Wait a moment and try again: nothing you did caused this.';
const SIGN_IN_AGAIN = 'You have been signed out. Sign in again to carry on.';

/** Words per problem code. */
export const problemWords: Record<string, Say> = {
  // Every route
  'request.invalid': 'Some answers need another look.',
  'request.malformed_json': 'Your browser sent something Fairdrop could not read. Reload the page and try again.',
  'request.too_large': 'That is more than Fairdrop can take in one go. Shorten it and try again.',
  'request.unsupported_media_type':
    'Your browser sent something Fairdrop could not read. Reload the page and try again.',
  'request.unsupported_encoding': 'Your browser sent something Fairdrop could not read. Reload the page and try again.',
  'request.not_found': 'This page asked Fairdrop for something that does not exist. Reload the page and try again.',
  'request.method_not_allowed': 'This page is out of date. Reload it and try again.',
  'request.timeout': BUSY,
  internal: (p) =>
    `Something went wrong on our side. Try again in a moment${str(p.requestId) ? `; if it keeps happening, quote reference ${String(p.requestId)}` : ''}.`,
  rate_limited: (p) => `Too many tries in a short time. ${tryAgainIn(p)}`,
  'idempotency.key_reused': 'This form changed since you first sent it. Send it again.',
  'idempotency.in_progress': 'Fairdrop is still working on your last try. Wait a moment before trying again.',
  'idempotency.invalid_key': 'This page is out of date. Reload it and try again.',
  'idempotency.key_required': 'This page is out of date. Reload it and try again.',

  // Accounts and sessions
  'auth.required': 'Sign in to do this.',
  'auth.session_invalid': SIGN_IN_AGAIN,
  'auth.session_expired': 'Your session has ended. Sign in again to carry on.',
  'auth.malformed_header': SIGN_IN_AGAIN,
  'auth.forbidden': 'Your account cannot do this. Ask an admin if you think it should.',
  'auth.already_verified': 'Your email address is already confirmed.',
  'auth.email_taken': 'An account with this email address already exists. Sign in instead, or use another address.',
  'auth.invalid_credentials': 'That email address and password do not match an account. Check both and try again.',
  'auth.session_not_found': 'That device is already signed out.',
  'auth.user_not_found': 'We could not find that account.',
  'auth.reset_link_invalid':
    'This password reset link has expired or was already used. Ask for a new one from the sign-in page.',
  'auth.email_change_invalid':
    'This link to change your email address has expired or was already used. Ask for a new one from your account page.',
  'auth.password_wrong': 'That is not your current password.',
  'auth.email_unchanged': 'This is already your email address.',
  'auth.last_admin': 'This is the last admin account: make someone else an admin first.',
  'auth.verification_invalid':
    'This confirmation link has expired or was already used. Ask for a new one from your account page.',

  // Events, venues and tickets types
  'catalog.admin_scope_only': 'Only an admin can see every organizer’s events and venues.',
  'catalog.capacity_below_taken': 'The capacity cannot go below the tickets already held or sold.',
  'catalog.change_needs_announcement':
    'This event is published: move its date, doors or venue with “Change date or venue”, which tells every ticket holder.',
  'catalog.currency_mismatch': 'Every ticket type of an event sells in the same currency.',
  'catalog.event_closed': 'This event can no longer be changed: it has been cancelled, postponed or has taken place.',
  'catalog.event_not_found': 'We could not find this event. It may have been removed, or the link may be wrong.',
  'catalog.not_organizer': 'Only this event’s organizer can change it.',
  'catalog.not_venue_owner': 'Only the organizer who added this venue can use or change it.',
  'catalog.refund_deadline_shortened':
    'Fans bought their tickets under the current refund deadline: you can extend it, not shorten or remove it.',
  'catalog.seat_exists': 'Some of these seats already exist (same section, row and number).',
  'catalog.status_change_refused': 'The event cannot go to that state from where it is now.',
  'catalog.tier_name_taken': 'This event already has a ticket type with this name. Choose another name.',
  'catalog.tier_not_found': 'That ticket type no longer exists. Reload the page to see the current ones.',
  'catalog.venue_not_found': 'We could not find this venue. It may have been removed.',
  'catalog.wrong_tier_kind': 'That needs the other kind of ticket type (reserved seats or general admission).',

  // Discovery
  'discovery.event_not_found': 'We could not find this event. It may have been unpublished, or the link may be wrong.',

  // Cancellations and changes of date
  'cancellations.event_closed': 'This event has been cancelled or has taken place: it can no longer be moved.',
  'cancellations.event_completed': 'This event has already taken place, so it cannot be cancelled.',
  'cancellations.not_found': 'This event has not been cancelled.',

  // Door staff and check-in
  'checkin.not_staff': 'You are not door staff of this event. Ask its organizer to add you.',
  'checkin.unknown_account': 'No account uses this email address. Ask them to sign up first.',
  'checkin.staff_unverified':
    'This account has not confirmed its email address yet. Ask them to open the link in their confirmation mail first.',
  'checkin.staff_not_found': 'This person is not door staff of this event.',
  'checkin.bundle_window_invalid':
    'These offline scans come from a scanner download Fairdrop does not recognise. Download the event again and rescan.',
  'checkin.scans_out_of_order': 'The offline scans arrived out of order. Sync again.',

  // Gift cards
  'giftcards.bad_cursor': 'This list changed. Reload the page to see it from the start.',
  'giftcards.insufficient_balance': 'A gift card no longer has enough balance for this order.',
  'giftcards.invalid_code': 'That gift card code is not valid. Check it and try again.',
  'giftcards.not_found': 'We could not find a gift card with that code. Check it and try again.',
  'giftcards.not_valid_for_event': 'This gift card pays only for events of the organizer who issued it.',

  // Orders
  'orders.attendees_mismatch': 'Give one name and email address per ticket.',
  'orders.currency_mismatch': 'This payment is in another currency than the tickets.',
  'orders.exchange_mismatch': 'Choose exactly one new seat for each ticket you exchange.',
  'orders.exchange_other_event': 'Seats can only be exchanged for seats at the same event.',
  'orders.exchange_price_differs': 'The new seats must cost the same as the ones you have.',
  'orders.failed': 'This order did not go through and nothing was charged. Start again from the event page.',
  'orders.hold_already_ordered': 'You have already bought these tickets. Find them under My tickets.',
  'orders.not_cancellable': 'This order can no longer be cancelled.',
  'orders.not_completable': 'This order is no longer waiting for a payment.',
  'orders.not_exchangeable': 'This order can no longer be changed.',
  'orders.not_found': 'We could not find this order.',
  'orders.nothing_to_cancel': 'This order has no tickets left to cancel.',
  'orders.payment_required': 'Choose how to pay for these tickets.',
  'orders.policy_forbids': 'The organizer’s deadline for changes or refunds to this event has passed.',
  'orders.state_changed': 'This order changed in the meantime. Reload the page to see where it stands.',
  'orders.ticket_transfer_pending': 'A ticket is on offer to someone. Withdraw the offer first.',
  'orders.ticket_transferred': 'A ticket you transferred belongs to its new holder: you can no longer change it.',
  'orders.ticket_used': 'A ticket used at the door cannot be refunded or exchanged.',
  'orders.unknown_ticket': 'Some of these tickets are not part of this order. Reload the page and try again.',

  // Payments
  'payments.authentication_required': 'Your bank wants you to confirm this payment. Try again and follow its steps.',
  'payments.card_declined': 'Your card was declined and nothing was charged. Try another card.',
  'payments.card_expired': 'This card has expired. Try another card.',
  'payments.card_invalid': 'This card number is not valid. Check it and try again.',
  'payments.insufficient_funds':
    'Your card was declined for insufficient funds and nothing was charged. Try another card.',
  'payments.invalid_payment_method': 'This card could not be used. Check its details or try another card.',
  'payments.provider_unavailable': 'Card payments are not available right now. Try again later.',
  'payments.raw_card_refused': 'Enter your card in the card field of this page.',
  'payments.requires_action': 'Your bank asks you to confirm this payment. Your seats stay held while you do.',
  'payments.sandbox_card_unknown': 'This test shop takes test cards only, such as 4242 4242 4242 4242.',

  // The waiting room
  'queue.closed': 'The waiting room for this event has closed.',
  'queue.email_unverified':
    'Confirm your email address to join this waiting room: open the link in the mail we sent you, or ask for a new one.',
  'queue.no_onsale': 'Tickets for this event are not on sale yet.',
  'queue.not_open': (p) => {
    const at = when(str(p.opensAt));
    return at ? `The waiting room opens ${at}.` : 'The waiting room for this event is not open.';
  },
  'queue.not_queue_mode': 'This event sells without a waiting room: buy on the event page once the sale opens.',
  'queue.not_drawn': 'The draw has not happened yet. Its proof is published right after it.',
  'queue.pow_invalid': 'Your browser’s check did not go through. Reload the page and join again.',
  'queue.pow_required': 'Your browser needs to finish a short check first. Reload the page and join again.',
  'queue.wrong_state': 'The sale is not in a state that allows this. Reload the page to see where it stands.',
  'queue.wrong_phase': 'The waiting room has moved on. Reload the page to see where it stands.',
  'queue.entry_id_taken': BUSY,
  'queue.draw_incomplete': 'The draw is still being written. Wait a moment and try again.',
  'queue.script_failed': 'Something went wrong on our side. Try again in a moment.',
  'queue.token_invalid': 'Your pass for this sale is not valid. Go back to the waiting room.',
  'queue.token_wrong_account': 'This pass belongs to another account. Sign in with the account that queued.',
  'queue.token_expired':
    'Your time to buy has run out. Go back to the waiting room: if tickets are left, you can try again.',
  'queue.token_used': 'You have already used your pass for this sale. Find your tickets under My tickets.',
  'queue.token_not_claimed': 'Your pass for this sale has not been used yet.',

  // Reports, attendees and door figures
  'reports.not_event_staff': 'Only this event’s organizer and its door staff can see its attendees and check-ins.',

  // Holds
  'sales.hold_expired': 'Your hold ran out and its seats went back on sale. Start again from the event page.',
  'sales.hold_not_active': 'These tickets are no longer held for you. Start again from the event page.',
  'sales.hold_not_found': 'We could not find these held tickets. Start again from the event page.',
  'sales.idempotency_key_reused': 'This form changed since you first sent it. Send it again.',
  'sales.limit_exceeded': (p) => {
    const limit = num(p.limit);
    const counted = num(p.counted);
    return limit !== null
      ? `This event allows ${limit} ticket${limit === 1 ? '' : 's'} per account${counted !== null ? `, and you already have ${counted}` : ''}. Choose fewer.`
      : 'You have reached this event’s limit of tickets per account.';
  },
  'sales.not_enough_seats': (p) => {
    const left = num(p.available);
    return left !== null
      ? `Only ${left} left of this ticket type right now. Choose fewer.`
      : 'Not enough tickets left of this type. Choose fewer.';
  },
  'sales.not_enough_together': 'Not that many seats side by side are free. Untick “Side by side” or choose fewer.',
  'sales.not_on_sale': (p) => {
    const opens = when(str(p.opensAt));
    if (opens) return `Tickets go on sale ${opens}.`;
    if (str(p.endedAt)) return 'The sale for this event has ended.';
    if (p.state === 'paused') return 'The sale is paused for a moment. Try again shortly.';
    if (p.state === 'closed') return 'The sale for this event has closed.';
    return 'Tickets for this event are not on sale right now.';
  },
  'sales.onsale_not_found': 'Tickets for this event are not on sale yet.',
  'sales.purchase_token_invalid': 'Your pass for this sale is not valid any more. Go back to the waiting room.',
  'sales.purchase_token_required': 'This sale runs a waiting room: join it to buy.',
  'sales.seat_unavailable': 'Someone just took one of these seats. Choose others.',
  'sales.sold_out': 'This ticket type is sold out.',
  'sales.unknown_seat': 'Some of these seats are no longer on the map. Reload the page and choose again.',
  'sales.wrong_tier_kind': 'That ticket type works differently. Reload the page and choose again.',

  // Wallet passes
  'wallet.apple_unavailable': 'Apple Wallet passes are not available here yet. Show the code on this page at the door.',
  'wallet.google_unavailable':
    'Google Wallet passes are not available here yet. Show the code on this page at the door.',
  'wallet.pass_not_found': 'We could not find this wallet pass.',
  'wallet.pass_unauthorized':
    'This wallet pass could not be checked. Add the ticket to your wallet again from My tickets.',

  // Tickets and transfers
  'tickets.not_found': 'We could not find this ticket.',
  'tickets.not_valid': 'This ticket is no longer valid, so it has no code to show.',
  'transfers.account_exists': 'An account with this email address exists: sign in to accept the ticket.',
  'transfers.already_used': 'This ticket has been used at the door, so it can no longer be passed on.',
  'transfers.email_unverified':
    'Confirm your email address first: open the link in the mail we sent you, then accept the ticket.',
  'transfers.event_closed': 'This event has been cancelled or has taken place: its tickets can no longer change hands.',
  'transfers.invalid_token': 'This invitation link is not valid. Ask the sender for a new one.',
  'transfers.no_attendees': 'No ticket of this order is in someone else’s name.',
  'transfers.not_allowed': 'The organizer of this event does not allow passing tickets on.',
  'transfers.not_found': 'We could not find this transfer. It may have been withdrawn.',
  'transfers.not_pending': 'This transfer has already been accepted, declined or withdrawn.',
  'transfers.pending_exists': 'This ticket is already on offer to someone. Withdraw that offer first.',
  'transfers.stale': 'The ticket changed since it was offered. Ask the sender for a new link.',
  'transfers.to_self': 'You already hold this ticket.',
  'transfers.wrong_recipient': 'This ticket was offered to another email address.',
  'transfers.listed_for_resale': 'This ticket is listed for resale. Withdraw the listing first, then pass it on.',

  // Resale at face value
  'resale.not_found': 'We could not find this resale ticket. It may have been sold or withdrawn.',
  'resale.not_allowed': 'The organizer of this event does not allow resale.',
  'resale.ticket_not_valid': 'This ticket is no longer valid, so it cannot be resold.',
  'resale.ticket_used': 'This ticket has been used at the door, so it cannot be resold.',
  'resale.transfer_pending': 'This ticket is on offer to someone. Withdraw that offer first, then list it.',
  'resale.already_listed': 'This ticket is already listed for resale.',
  'resale.event_closed': 'This event has started, been cancelled or taken place: its tickets can no longer be resold.',
  'resale.price_above_cap': (p) => {
    const max = num(p.maxPriceCents);
    return max !== null
      ? `The price can be at most ${(max / 100).toFixed(2)}: what you paid, within the organizer's limit.`
      : 'The price can be at most what you paid for the ticket.';
  },
  'resale.price_too_low': 'The price must be more than the resale fee.',
  'resale.not_listed': 'This listing has already been sold or withdrawn.',
  'resale.unavailable': 'This ticket is no longer for sale: someone else bought it, or its seller withdrew it.',
  'resale.offered_to_waitlist': (p) => {
    const until = when(str(p.until));
    return until
      ? `This ticket is offered to the next fan on the waitlist until ${until}. If they pass, anyone can buy it.`
      : 'This ticket is offered to the next fan on the waitlist first. If they pass, anyone can buy it.';
  },
  'resale.own_listing': 'This is your own ticket. Withdraw the listing instead.',
  'resale.no_offer': 'This ticket is not on offer to you any more.',
  'resale.gift_card_not_accepted':
    'A gift card from an organizer cannot pay for a resale ticket. Use a card or a Fairdrop gift card.',
  'resale.gift_card_currency': 'This gift card is in another currency than the ticket.',

  // The waitlist of a sold-out event
  'waitlist.not_sold_out': 'Tickets are still on sale for this event: buy one instead of waiting.',
  'waitlist.sale_not_on': 'This event is not on sale, so it has no waitlist to join.',
  'waitlist.not_in_line': 'You are not on the waitlist for this event.',

  // An event's pictures and its queue page's branding
  'media.unsupported_type': 'That file is not a picture Fairdrop can use. Choose a JPEG, PNG or WebP image.',
  'media.not_an_image': 'That picture cannot be opened: the file may be damaged. Save it again and upload it.',
  'media.too_small': (p) => {
    const [w, h] = [num(p.minWidth), num(p.minHeight)];
    return w && h
      ? `That picture is too small to look sharp. Choose one at least ${w} × ${h} pixels.`
      : 'That picture is too small to look sharp. Choose a larger one.';
  },
  'media.too_many_pixels':
    'That picture is too big to work with. Make it smaller (under 40 million pixels) and try again.',
  'media.empty': 'Choose a picture to upload.',
  'media.not_found': 'That picture is no longer here.',
  'media.no_picture': 'There is no picture here to change.',
  'branding.low_contrast': (p) => {
    const ratio = num(p.ratio);
    return ratio
      ? `This colour is too light to read: its contrast is ${ratio.toFixed(2)}:1 and it needs at least 4.5:1. Choose a darker colour.`
      : 'This colour is too light to read. Choose a darker colour.';
  },

  // Presales
  'presales.window_not_found': 'We could not find this presale. It may have been removed.',
  'presales.not_eligible':
    'This presale is only for the fans it was given to. Enter your presale code first, or wait for the general sale.',
  'presales.no_onsale': 'Set the on-sale first: a presale comes before the general sale.',
  'presales.windows_overlap': 'This presale overlaps another one of this event. Choose other times.',
  'presales.after_general_sale': 'A presale must end by the time the general sale starts.',
  'presales.closes_before_opens': 'A presale must end after it starts.',
  'presales.prequeue_after_opening': 'The waiting room must open before the presale starts.',
  'presales.wrong_gate': 'This presale is not one that uses codes.',
  'presales.window_closed': 'This presale has ended, so its codes no longer work.',
  'presales.code_invalid': 'That is not a code for this presale. Check it and try again.',
  'presales.code_revoked': 'This code was withdrawn by the organizer.',
  'presales.code_used_up': 'This code has already been used as often as it may be.',
  'presales.code_not_found': 'We could not find that code.',
  'presales.codes_exist': 'Some of these codes already exist for this presale, so none were added.',
  'presales.csv_invalid': 'Some rows of the file are not valid codes, so none were added. See the lines named below.',
  'presales.allowlist_invalid': 'Some entries are neither an email address nor an account, so the list was not saved.',

  // Push notifications
  'push.unavailable': 'This site does not send notifications to your device.',
  'push.subscription_not_found': 'That device no longer gets notifications.',

  // Stripe's calls to us (never shown to fans, worded all the same)
  'webhooks.invalid_signature': 'This message did not come from the card processor.',
  'webhooks.not_configured': 'Card payments are not set up on this server.',
};

/** Words for a status when the code has none (an answer from a proxy in front of the API, say). */
function statusWords(status: number): string {
  if (status === 401) return SIGN_IN_AGAIN;
  if (status === 403) return 'Your account cannot do this.';
  if (status === 404) return 'We could not find that. It may have been removed, or the link may be wrong.';
  if (status === 409) return 'That changed in the meantime. Reload the page and try again.';
  if (status === 413) return 'That is more than Fairdrop can take in one go.';
  if (status === 429) return 'Too many tries in a short time. Wait a moment and try again.';
  if (status === 502 || status === 503 || status === 504) return BUSY;
  if (status >= 500) return 'Something went wrong on our side. Try again in a moment.';
  return 'Something in this request is not right. Check your answers and try again.';
}

/** Whether these words say the service is busy (a 5xx a retry may cure), so a page can keep trying. */
export function isBusy(problem: Pick<ProblemFacts, 'status'>): boolean {
  return problem.status >= 500 || problem.status === 0;
}

/** The people words for a problem as a whole. */
export function problemText(problem: ProblemFacts): string {
  const say = problemWords[problem.code];
  if (say === undefined) return statusWords(problem.status);
  return typeof say === 'function' ? say(problem) : say;
}

/** How each field a form sends is named in a sentence ("Enter a name"). */
export const fieldLabels: Record<string, string> = {
  '': 'your answers',
  // Accounts
  email: 'your email address',
  password: 'a password',
  displayName: 'your name',
  toEmail: 'their email address',
  currentPassword: 'your current password',
  newPassword: 'a new password',
  newEmail: 'the new email address',
  token: 'the link',
  roles: 'a role',
  interests: 'your interests',
  accessibilityNeeds: 'your accessibility needs',
  budgetCents: 'your budget',
  home: 'your home area',
  lat: 'the latitude',
  lng: 'the longitude',
  message: 'the message',
  accent: 'the accent colour',
  alt: 'the description of the picture',
  'messages.en': 'the English message',
  'messages.de': 'the German message',
  'messages.es': 'the Spanish message',
  // Discovery
  q: 'the words to search for',
  near: 'a place',
  radiusKm: 'the distance',
  from: 'the first date',
  to: 'the last date',
  minPrice: 'the lowest price',
  maxPrice: 'the highest price',
  categories: 'a category',
  accessibility: 'an accessibility need',
  available: 'whether tickets are left',
  sort: 'an order',
  cursor: 'the next page',
  limit: 'how many to show',
  // Venues
  name: 'a name',
  address: 'the street address',
  city: 'the city',
  country: 'the country code',
  timeZone: 'the time zone',
  latitude: 'the latitude',
  longitude: 'the longitude',
  transit: 'how to get there',
  'transit.stops': 'the stops nearby',
  'transit.parking': 'the parking',
  // Events
  venueId: 'a venue',
  title: 'a title',
  description: 'the description',
  performers: 'the performers',
  startsAt: 'the start',
  doorsAt: 'the time doors open',
  endsAt: 'the end',
  status: 'the state',
  newStartsAt: 'the new date',
  reason: 'a reason',
  note: 'a note',
  refundWindowDays: 'the refund window',
  'policies.refundableUntil': 'the refund deadline',
  'policies.perAccountLimit': 'the tickets per account',
  'policies.transfersAllowed': 'whether tickets can be passed on',
  // Ticket types and seats
  kind: 'a kind of ticket',
  priceCents: 'the price',
  feeCents: 'the service fee',
  currency: 'the currency',
  capacity: 'the capacity',
  sortOrder: 'the position',
  tierId: 'a ticket type',
  blocks: 'the seats',
  layout: 'the seat layout',
  accessible: 'the accessible seats',
  // On-sales
  mode: 'how the sale runs',
  prequeueOpensAt: 'the time the waiting room opens',
  saleStartsAt: 'the start of the sale',
  saleEndsAt: 'the end of the sale',
  admitPerMinute: 'the fans admitted per minute',
  batchSize: 'the batch size',
  tickSeconds: 'the seconds between batches',
  purchaseTokenTtlSeconds: 'the time to buy',
  holdTtlSeconds: 'the hold time',
  perAccountLimit: 'the tickets per account',
  powDifficulty: 'the browser check',
  requireVerifiedEmail: 'the confirmed-address rule',
  // Holds and orders
  quantity: 'how many tickets',
  together: 'side by side',
  seats: 'the seats',
  attendees: 'the ticket holders',
  payment: 'a way to pay',
  'payment.card.number': 'the card number',
  'payment.card.expYear': 'the expiry date',
  'payment.card.expMonth': 'the expiry date',
  'payment.card.cvc': 'the security code',
  code: 'the code',
  amountCents: 'the amount',
  ticketIds: 'the tickets',
  scope: 'whose events',
  // Door staff
  gate: 'the gate',
};

/** Words for one field's refusal by field and code, where the general rule below would say it worse. */
export const fieldWords: Record<string, string> = {
  'sort:needs_point': 'Choose a place near you to sort by distance.',
  'radiusKm:custom': 'Choose a city or “Near me” to search within a distance.',
  'from:custom': 'Make the first date no later than the last date.',
  'minPrice:custom': 'Make the lowest price no higher than the highest.',
  'near:custom': 'Choose a place from the list, or use “Near me”.',
  'categories:custom': 'Choose categories from the list.',
  'accessibility:custom': 'Choose accessibility needs from the list.',
  'cursor:invalid_cursor': 'The results changed. Search again.',
  'cursor:invalid': 'The list changed. Reload the page to see it from the start.',
  'quantity:custom': 'Choose seats on the map or how many tickets, not both.',
  'together:custom': '“Side by side” works only when we pick the seats.',
  'seats:custom': 'A seat is chosen twice.',
  'capacity:below_taken': 'The capacity cannot go below the tickets already held or sold.',
  'doorsAt:custom': 'Doors must open no later than the start.',
  'doorsAt:after_start': 'Doors must open no later than the start.',
  'endsAt:custom': 'The end must come after the start.',
  'status:transition': 'The event cannot go to that state from where it is now.',
  'status:not_started': 'An event can be marked as taken place only once it has started.',
  'venueId:not_venue_owner': 'Choose one of your own venues.',
  'venueId:unknown_venue': 'Choose a venue from the list.',
  'email:unknown_account': 'No account uses this email address. Ask them to sign up first.',
  'email:unverified': 'This account has not confirmed its email address yet.',
  'toEmail:to_self': 'This is your own email address.',
  'currency:currency_mismatch': 'Use the same currency as the event’s other ticket types.',
  'currency:invalid_format': 'Enter a three-letter currency code, such as EUR.',
  'country:too_small': 'Enter the two-letter country code, such as FR.',
  'country:too_big': 'Enter the two-letter country code, such as FR.',
  'country:invalid_format': 'Enter the two-letter country code, such as FR.',
  'password:too_small': 'Use 10 characters or more for your password.',
  'payment.card.number:invalid': 'This card number is not valid.',
  'payment.card.expYear:expired': 'This card has expired.',
  'policies.refundableUntil:shortened': 'The refund deadline can move later, not earlier.',
  'scope:admin_only': 'Only an admin can see every organizer’s events.',
  'challenge:required': 'Reload the page and join again.',
  'nonce:invalid': 'Reload the page and join again.',
  'token:invalid': 'This link has expired or was already used. Ask for a new one.',
  'password:wrong': 'This is not your current password.',
  'email:unchanged': 'This is already your email address.',
  'blocks:too_big': 'That is more seats than one layout can add at once. Add them in smaller blocks.',
  'window:invalid_signature': 'Download the event to the scanner again, then sync.',
  // Whatever the field: the request itself could not be read.
  '*:malformed_json': 'Your browser sent something Fairdrop could not read. Reload the page and try again.',
  '*:too_large': 'That is more than Fairdrop can take in one go. Shorten it and try again.',
  '*:malformed_encoding': 'This link is broken. Check it and try again.',
  'newPassword:too_small': 'Use 10 characters or more for your new password.',
};

const capital = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** "policies.perAccountLimit" → "per account limit": a field without a label still reads as words. */
function humanize(path: string): string {
  const last =
    path
      .split('.')
      .filter((s) => !/^\d+$/.test(s))
      .at(-1) ?? path;
  return `the ${last
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .toLowerCase()}`;
}

function labelled(path: string): string | undefined {
  const named = path
    .split('.')
    .filter((s) => !/^\d+$/.test(s))
    .join('.');
  return fieldLabels[path] ?? fieldLabels[named] ?? fieldLabels[named.split('.').at(-1) ?? ''];
}

/** Whether the catalogue names this field (else a form may name it by its own label). */
export const hasFieldLabel = (path: string): boolean => labelled(path) !== undefined;

/** The label of a field path: the whole path, then without list indexes, then its last named part. */
export function fieldLabel(path: string): string {
  return labelled(path) ?? humanize(path);
}

function byRule(e: FieldFacts, label: string): string | null {
  const Label = capital(label);
  const min = e.minimum;
  const max = e.maximum;
  switch (e.code) {
    case 'invalid_type':
      if (e.missing || e.expected === 'string') return e.expected === 'array' ? `Choose ${label}.` : `Enter ${label}.`;
      if (e.expected === 'int') return `Enter ${label} as a whole number.`;
      if (e.expected === 'number') return `Enter ${label} as a number.`;
      return `Check ${label}.`;
    case 'too_small':
      if (min === undefined) return `Check ${label}.`;
      if (e.origin === 'string') return min <= 1 ? `Enter ${label}.` : `Use at least ${min} characters for ${label}.`;
      if (e.origin === 'array' || e.origin === 'set')
        return min <= 1 ? `Choose ${label}.` : `Choose at least ${min} for ${label}.`;
      if (e.origin === 'date') return `${Label} is too early.`;
      return e.inclusive === false ? `${Label} must be more than ${min}.` : `${Label} must be ${min} or more.`;
    case 'too_big':
      if (max === undefined) return `Check ${label}.`;
      if (e.origin === 'string') return `Keep ${label} to ${max} characters or fewer.`;
      if (e.origin === 'array' || e.origin === 'set') return `Choose no more than ${max} for ${label}.`;
      if (e.origin === 'date') return `${Label} is too late.`;
      return e.inclusive === false ? `${Label} must be less than ${max}.` : `${Label} must be ${max} or less.`;
    case 'invalid_format':
      if (e.format === 'email') return `Enter ${label} like name@example.com.`;
      if (e.format === 'uuid' || e.format === 'guid') return `Choose ${label} from the list.`;
      if (e.format === 'datetime' || e.format === 'date') return `Enter ${label} as a date and time.`;
      if (e.format === 'url') return `Enter ${label} as a web address, starting https://.`;
      return `Check the format of ${label}.`;
    case 'invalid_value':
    case 'invalid_union':
    case 'invalid_key':
    case 'invalid_element':
      return `Choose ${label} from the list.`;
    case 'not_multiple_of':
      return `Check ${label}.`;
    case 'unknown_field':
      return 'This page sent something Fairdrop does not know. Reload the page and try again.';
    default:
      return null;
  }
}

/**
 * One field's refusal in people's words: the field's own words for its code, else the rule's
 * (bounds and formats zod reported), else the field's label with the API's predicate
 * ("must not be after …"). `label` overrides the catalogue's (a form passes its field's label).
 */
export function fieldText(e: FieldFacts, label?: string): string {
  const named = e.field
    .split('.')
    .filter((s) => !/^\d+$/.test(s))
    .join('.');
  const own = fieldWords[`${e.field}:${e.code}`] ?? fieldWords[`${named}:${e.code}`] ?? fieldWords[`*:${e.code}`];
  if (own) return own;
  // Headers are the page's doing, never the fan's (Idempotency-Key, Content-Type).
  if (e.in === 'header') return 'This page is out of date. Reload it and try again.';
  const name = label ?? fieldLabel(e.field);
  const rule = byRule(e, name);
  if (rule) return rule;
  // A domain rule's message is a predicate about the field ("must not be after saleStartsAt"):
  // said of the field's label, with the other fields it names in their own words.
  const predicate = e.message.replace(/\b[a-z]+[A-Z]\w*\b/g, (word) => fieldLabels[word] ?? humanize(word));
  return `${capital(name)} ${predicate.replace(/\.$/, '')}.`;
}

/**
 * The whole refusal as one status line: for a request that was invalid, what to fix in each
 * field; otherwise the problem's words.
 */
export function describeProblem(problem: ProblemFacts): string {
  const fields = problem.errors ?? [];
  if (problem.code === 'request.invalid' && fields.length > 0)
    return [...new Set(fields.map((e) => fieldText(e)))].join(' ');
  return problemText(problem);
}

/** How each event category reads ("hip_hop" → "Hip-hop"), as the organizer's event form shows it. */
export function categoryLabel(word: string): string {
  return capital(word.replace(/_/g, '-'));
}

/** A page whose one thing (an event, an order) could not be loaded: its heading and its words. */
export interface PageProblemWords {
  title: string;
  text: string;
  /** Worth trying again: the page keeps polling and recovers by itself. */
  retrying: boolean;
}

/**
 * What a page says in place of `thing` ("event") when loading it failed: null is a network
 * failure; a 404, or a 400 about the address's id (a mistyped link), is "can't find"; a
 * 5xx is "busy", which the page retries by itself.
 */
export function pageProblemWords(problem: ProblemFacts | null, thing: string): PageProblemWords {
  if (problem === null)
    return {
      title: `We could not load this ${thing}`,
      text: 'Check your connection. This page tries again by itself.',
      retrying: true,
    };
  const badAddress =
    problem.status === 404 ||
    (problem.status === 400 && (problem.errors ?? []).some((e) => e.in === 'params' || e.in === 'query'));
  if (badAddress)
    return {
      title: `We can’t find this ${thing}`,
      text: `The link may be mistyped, or the ${thing} may have been removed or not published yet.`,
      retrying: false,
    };
  if (isBusy(problem))
    return {
      title: 'Fairdrop is very busy right now',
      text: 'This page tries again by itself every few seconds: there is no need to reload it.',
      retrying: true,
    };
  return { title: `We could not load this ${thing}`, text: problemText(problem), retrying: false };
}
