/**
 * What the pages say when the API refuses something: people's words for every problem code
 * and for every field a form sends. A problem's `detail` and each field's `message` are for
 * developers (they name fields and rules: "Invalid query.sort: distance needs near=lat,lng");
 * a page shows these words instead, found by the same stable codes clients match on.
 *
 * The words are the `problems` catalogue (src/i18n/locales/<language>/problems.json), in the
 * page's language: a code's words under the code itself (`problems:orders.not_found`), the
 * variants that fill in what a problem carries beside it (`problems:sales.onlyLeft`), the
 * rules of fields (`problems:rule.*`) and the names of fields (`problems:label.*`).
 *
 * test/integration/error-pages.test.ts checks that every code the route table declares, and
 * every code every route can answer with, has words here; test/unit/problem-words.test.ts that
 * each has a message in every language: a new refusal cannot reach a page as a code.
 */
import { locale, number, t } from './i18n.js';

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

/** "Sat 12 Dec, 20:00" in the reader's zone and language, for the moments a refusal names. */
function when(iso: string | null): string | null {
  if (!iso) return null;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return null;
  // The year only when it is not this one.
  const year = date.getFullYear() !== new Date().getFullYear() ? { year: 'numeric' as const } : {};
  return new Intl.DateTimeFormat(locale, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    ...year,
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(date);
}

/** The codes whose words are one message, under the code itself in the catalogue. */
const CODES = [
  'request.invalid',
  'request.malformed_json',
  'request.too_large',
  'request.unsupported_media_type',
  'request.unsupported_encoding',
  'request.not_found',
  'request.method_not_allowed',
  'request.timeout',
  'idempotency.key_reused',
  'idempotency.in_progress',
  'idempotency.invalid_key',
  'idempotency.key_required',
  'auth.required',
  'auth.session_invalid',
  'auth.session_expired',
  'auth.malformed_header',
  'auth.forbidden',
  'auth.already_verified',
  'auth.email_taken',
  'auth.invalid_credentials',
  'auth.session_not_found',
  'auth.user_not_found',
  'auth.reset_link_invalid',
  'auth.email_change_invalid',
  'auth.password_wrong',
  'auth.email_unchanged',
  'auth.last_admin',
  'auth.verification_invalid',
  'catalog.admin_scope_only',
  'catalog.capacity_below_taken',
  'catalog.change_needs_announcement',
  'catalog.currency_mismatch',
  'catalog.event_closed',
  'catalog.event_not_found',
  'catalog.not_organizer',
  'catalog.not_venue_owner',
  'catalog.refund_deadline_shortened',
  'catalog.seat_exists',
  'catalog.status_change_refused',
  'catalog.tier_name_taken',
  'catalog.tier_not_found',
  'catalog.venue_not_found',
  'catalog.wrong_tier_kind',
  'discovery.event_not_found',
  'cancellations.event_closed',
  'cancellations.event_completed',
  'cancellations.not_found',
  'checkin.not_staff',
  'checkin.unknown_account',
  'checkin.staff_unverified',
  'checkin.staff_not_found',
  'checkin.bundle_window_invalid',
  'checkin.scans_out_of_order',
  'giftcards.bad_cursor',
  'giftcards.insufficient_balance',
  'giftcards.invalid_code',
  'giftcards.not_found',
  'giftcards.not_valid_for_event',
  'orders.attendees_mismatch',
  'orders.currency_mismatch',
  'orders.exchange_mismatch',
  'orders.exchange_other_event',
  'orders.exchange_price_differs',
  'orders.failed',
  'orders.hold_already_ordered',
  'orders.not_cancellable',
  'orders.not_completable',
  'orders.not_exchangeable',
  'orders.not_found',
  'orders.nothing_to_cancel',
  'orders.payment_required',
  'orders.policy_forbids',
  'orders.state_changed',
  'orders.ticket_transfer_pending',
  'orders.ticket_transferred',
  'orders.ticket_used',
  'orders.unknown_ticket',
  'payments.authentication_required',
  'payments.card_declined',
  'payments.card_expired',
  'payments.card_invalid',
  'payments.insufficient_funds',
  'payments.invalid_payment_method',
  'payments.provider_unavailable',
  'payments.raw_card_refused',
  'payments.requires_action',
  'payments.sandbox_card_unknown',
  'queue.closed',
  'queue.email_unverified',
  'queue.no_onsale',
  'queue.not_queue_mode',
  'queue.not_drawn',
  'queue.pow_invalid',
  'queue.pow_required',
  'queue.wrong_state',
  'queue.wrong_phase',
  'queue.entry_id_taken',
  'queue.draw_incomplete',
  'queue.script_failed',
  'queue.token_invalid',
  'queue.token_wrong_account',
  'queue.token_expired',
  'queue.token_used',
  'queue.token_not_claimed',
  'queue.not_open',
  'reports.not_event_staff',
  'sales.hold_expired',
  'sales.hold_not_active',
  'sales.hold_not_found',
  'sales.idempotency_key_reused',
  'sales.not_enough_together',
  'sales.onsale_not_found',
  'sales.purchase_token_invalid',
  'sales.purchase_token_required',
  'sales.seat_unavailable',
  'sales.sold_out',
  'sales.unknown_seat',
  'sales.wrong_tier_kind',
  'sales.limit_exceeded',
  'sales.not_enough_seats',
  'sales.not_on_sale',
  'wallet.apple_unavailable',
  'wallet.google_unavailable',
  'wallet.pass_not_found',
  'wallet.pass_unauthorized',
  'tickets.not_found',
  'tickets.not_valid',
  'transfers.account_exists',
  'transfers.already_used',
  'transfers.email_unverified',
  'transfers.event_closed',
  'transfers.invalid_token',
  'transfers.no_attendees',
  'transfers.not_allowed',
  'transfers.not_found',
  'transfers.not_pending',
  'transfers.pending_exists',
  'transfers.stale',
  'transfers.to_self',
  'transfers.wrong_recipient',
  'transfers.listed_for_resale',
  'resale.not_found',
  'resale.not_allowed',
  'resale.ticket_not_valid',
  'resale.ticket_used',
  'resale.transfer_pending',
  'resale.already_listed',
  'resale.event_closed',
  'resale.price_too_low',
  'resale.not_listed',
  'resale.unavailable',
  'resale.own_listing',
  'resale.no_offer',
  'resale.gift_card_not_accepted',
  'resale.gift_card_currency',
  'resale.price_above_cap',
  'resale.offered_to_waitlist',
  'waitlist.not_sold_out',
  'waitlist.sale_not_on',
  'waitlist.not_in_line',
  'media.unsupported_type',
  'media.not_an_image',
  'media.too_many_pixels',
  'media.empty',
  'media.not_found',
  'media.no_picture',
  'media.too_small',
  'presales.window_not_found',
  'presales.not_eligible',
  'presales.no_onsale',
  'presales.windows_overlap',
  'presales.after_general_sale',
  'presales.closes_before_opens',
  'presales.prequeue_after_opening',
  'presales.wrong_gate',
  'presales.window_closed',
  'presales.code_invalid',
  'presales.code_revoked',
  'presales.code_used_up',
  'presales.code_not_found',
  'presales.codes_exist',
  'presales.csv_invalid',
  'presales.allowlist_invalid',
  'push.unavailable',
  'push.subscription_not_found',
  'webhooks.invalid_signature',
  'webhooks.not_configured',
  'internal',
  'rate_limited',
  'branding.low_contrast',
] as const;

/** Codes that say what another says: their message is kept once, under `problems:shared.*`. */
const SHARED: Record<string, string> = {
  'request.malformed_json': 'unreadable',
  'request.unsupported_media_type': 'unreadable',
  'request.unsupported_encoding': 'unreadable',
  'request.too_large': 'tooLarge',
  'request.method_not_allowed': 'outOfDate',
  'idempotency.invalid_key': 'outOfDate',
  'idempotency.key_required': 'outOfDate',
  'request.timeout': 'busy',
  'queue.entry_id_taken': 'busy',
  'idempotency.key_reused': 'formChanged',
  'sales.idempotency_key_reused': 'formChanged',
  'auth.session_invalid': 'signInAgain',
  'auth.malformed_header': 'signInAgain',
  'queue.no_onsale': 'notOnSaleYet',
  'sales.onsale_not_found': 'notOnSaleYet',
  'queue.script_failed': 'ourSide',
};

const say = (code: string): string => (code in SHARED ? t(`problems:shared.${SHARED[code]}`) : t(`problems:${code}`));

/** Words per problem code. */
export const problemWords: Record<string, Say> = {
  ...Object.fromEntries(CODES.map((code) => [code, () => say(code)])),
  internal: (p) => {
    const ref = str(p.requestId);
    return ref ? t('problems:internalRef', { ref }) : t('problems:internal');
  },
  rate_limited: (p) => {
    const s = num(p.retryAfter);
    return s ? t('problems:rateLimitedIn', { count: s }) : t('problems:rate_limited');
  },
  'queue.not_open': (p) => {
    const at = when(str(p.opensAt));
    return at ? t('problems:queue.notOpenAt', { at }) : t('problems:queue.not_open');
  },
  'sales.limit_exceeded': (p) => {
    const limit = num(p.limit);
    const counted = num(p.counted);
    if (limit === null) return t('problems:sales.limit_exceeded');
    return counted === null
      ? t('problems:sales.limitOf', { count: limit })
      : t('problems:sales.limitHave', { count: limit, counted: number(counted) });
  },
  'sales.not_enough_seats': (p) => {
    const left = num(p.available);
    return left !== null ? t('problems:sales.onlyLeft', { left: number(left) }) : t('problems:sales.not_enough_seats');
  },
  'sales.not_on_sale': (p) => {
    const opens = when(str(p.opensAt));
    if (opens) return t('problems:sales.onSaleAt', { at: opens });
    if (str(p.endedAt)) return t('problems:sales.saleEnded');
    if (p.state === 'paused') return t('problems:sales.salePaused');
    if (p.state === 'closed') return t('problems:sales.saleClosed');
    return t('problems:sales.not_on_sale');
  },
  'resale.price_above_cap': (p) => {
    const max = num(p.maxPriceCents);
    return max !== null
      ? t('problems:resale.priceAtMost', {
          max: number(max / 100, { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
        })
      : t('problems:resale.price_above_cap');
  },
  'resale.offered_to_waitlist': (p) => {
    const until = when(str(p.until));
    return until ? t('problems:resale.offeredUntil', { until }) : t('problems:resale.offered_to_waitlist');
  },
  'media.too_small': (p) => {
    const [w, h] = [num(p.minWidth), num(p.minHeight)];
    return w && h
      ? t('problems:media.tooSmallFor', { width: number(w), height: number(h) })
      : t('problems:media.too_small');
  },
  'branding.low_contrast': (p) => {
    const ratio = num(p.ratio);
    const two = { minimumFractionDigits: 2, maximumFractionDigits: 2 };
    return ratio
      ? t('problems:branding.contrastIs', { ratio: number(ratio, two), needed: number(4.5) })
      : t('problems:branding.low_contrast');
  },
};

/** Words for a status when the code has none (an answer from a proxy in front of the API, say). */
function statusWords(status: number): string {
  if (status === 401) return t('problems:shared.signInAgain');
  if (status === 403) return t('problems:status.forbidden');
  if (status === 404) return t('problems:status.notFound');
  if (status === 409) return t('problems:status.conflict');
  if (status === 413) return t('problems:status.tooLarge');
  if (status === 429) return t('problems:status.tooMany');
  if (status === 502 || status === 503 || status === 504) return t('problems:shared.busy');
  if (status >= 500) return t('problems:shared.ourSide');
  return t('problems:status.other');
}

/** Whether these words say the service is busy (a 5xx a retry may cure), so a page can keep trying. */
export function isBusy(problem: Pick<ProblemFacts, 'status'>): boolean {
  return problem.status >= 500 || problem.status === 0;
}

/** The people words for a problem as a whole. */
export function problemText(problem: ProblemFacts): string {
  const words = problemWords[problem.code];
  if (words === undefined) return statusWords(problem.status);
  return typeof words === 'function' ? words(problem) : words;
}

/** The fields a form sends that the catalogue names ("Enter a name"), under `problems:label.*`. */
const LABELLED = new Set<string>([
  '',
  'email',
  'password',
  'displayName',
  'toEmail',
  'currentPassword',
  'newPassword',
  'newEmail',
  'token',
  'roles',
  'interests',
  'accessibilityNeeds',
  'budgetCents',
  'home',
  'lat',
  'lng',
  'message',
  'accent',
  'alt',
  'messages.en',
  'messages.de',
  'messages.es',
  'q',
  'near',
  'radiusKm',
  'from',
  'to',
  'minPrice',
  'maxPrice',
  'categories',
  'accessibility',
  'available',
  'sort',
  'cursor',
  'limit',
  'name',
  'address',
  'city',
  'country',
  'timeZone',
  'latitude',
  'longitude',
  'transit',
  'transit.stops',
  'transit.parking',
  'venueId',
  'title',
  'description',
  'performers',
  'startsAt',
  'doorsAt',
  'endsAt',
  'status',
  'newStartsAt',
  'reason',
  'note',
  'refundWindowDays',
  'policies.refundableUntil',
  'policies.perAccountLimit',
  'policies.transfersAllowed',
  'kind',
  'priceCents',
  'feeCents',
  'currency',
  'capacity',
  'sortOrder',
  'tierId',
  'blocks',
  'layout',
  'accessible',
  'mode',
  'prequeueOpensAt',
  'saleStartsAt',
  'saleEndsAt',
  'admitPerMinute',
  'batchSize',
  'tickSeconds',
  'purchaseTokenTtlSeconds',
  'holdTtlSeconds',
  'perAccountLimit',
  'powDifficulty',
  'requireVerifiedEmail',
  'quantity',
  'together',
  'seats',
  'attendees',
  'payment',
  'payment.card.number',
  'payment.card.expYear',
  'payment.card.expMonth',
  'payment.card.cvc',
  'code',
  'amountCents',
  'ticketIds',
  'scope',
  'gate',
]);

/** A field path's key among `problems:label.*`: "payment.card.number" → "paymentCardNumber". */
const labelKey = (path: string): string =>
  path === '' ? 'answers' : path.replace(/\.(\w)/g, (_, c: string) => c.toUpperCase());

/** Words for one field's refusal by field and code, where the general rule below would say it worse. */
const FIELD_WORDS: Record<string, string> = {
  'sort:needs_point': 'field.sortNeedsPlace',
  'radiusKm:custom': 'field.radiusNeedsPlace',
  'from:custom': 'field.fromAfterTo',
  'minPrice:custom': 'field.minAboveMax',
  'near:custom': 'field.nearFromList',
  'categories:custom': 'field.categoriesFromList',
  'accessibility:custom': 'field.accessibilityFromList',
  'cursor:invalid_cursor': 'field.resultsChanged',
  'cursor:invalid': 'field.listChanged',
  'quantity:custom': 'field.seatsOrQuantity',
  'together:custom': 'field.togetherOnlyPicked',
  'seats:custom': 'field.seatTwice',
  'capacity:below_taken': 'catalog.capacity_below_taken',
  'doorsAt:custom': 'field.doorsAfterStart',
  'doorsAt:after_start': 'field.doorsAfterStart',
  'endsAt:custom': 'field.endBeforeStart',
  'status:transition': 'catalog.status_change_refused',
  'status:not_started': 'field.notStarted',
  'venueId:not_venue_owner': 'field.ownVenue',
  'venueId:unknown_venue': 'field.venueFromList',
  'email:unknown_account': 'checkin.unknown_account',
  'email:unverified': 'field.emailUnverified',
  'toEmail:to_self': 'field.ownEmail',
  'currency:currency_mismatch': 'field.sameCurrency',
  'currency:invalid_format': 'field.currencyCode',
  'country:too_small': 'field.countryCode',
  'country:too_big': 'field.countryCode',
  'country:invalid_format': 'field.countryCode',
  'password:too_small': 'field.passwordLength',
  'payment.card.number:invalid': 'field.cardNumber',
  'payment.card.expYear:expired': 'field.cardExpired',
  'policies.refundableUntil:shortened': 'field.refundLater',
  'scope:admin_only': 'field.adminOnly',
  'challenge:required': 'field.joinAgain',
  'nonce:invalid': 'field.joinAgain',
  'token:invalid': 'field.linkUsed',
  'password:wrong': 'field.passwordWrong',
  'email:unchanged': 'auth.email_unchanged',
  'blocks:too_big': 'field.tooManySeats',
  'window:invalid_signature': 'field.downloadAgain',
  // Whatever the field: the request itself could not be read.
  '*:malformed_json': 'shared.unreadable',
  '*:too_large': 'shared.tooLarge',
  '*:malformed_encoding': 'field.brokenLink',
  'newPassword:too_small': 'field.newPasswordLength',
};

/** The message keys of FIELD_WORDS, for the test that each has words in every language. */
export const fieldWordKeys = (): string[] => [...new Set(Object.values(FIELD_WORDS))].map((k) => `problems:${k}`);

/** An object whose values are read in the page's language at the moment they are read. */
function inLanguage(keys: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, key] of Object.entries(keys))
    Object.defineProperty(out, name, { enumerable: true, get: () => t(`problems:${key}`) });
  return out;
}

/** How each field a form sends is named in a sentence ("Enter a name"), in the page's language. */
export const fieldLabels: Record<string, string> = inLanguage(
  Object.fromEntries([...LABELLED].map((path) => [path, `label.${labelKey(path)}`])),
);

/** Words for one field's refusal by `field:code`, in the page's language. */
export const fieldWords: Record<string, string> = inLanguage(FIELD_WORDS);

/** A sentence's first letter as a capital: "the capacity must…" → "The capacity must…". */
const capital = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** "policies.perAccountLimit" → "the per account limit": a field without a label still reads as words. */
function humanize(path: string): string {
  const last =
    path
      .split('.')
      .filter((s) => !/^\d+$/.test(s))
      .at(-1) ?? path;
  const name = last
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .toLowerCase();
  return t('problems:label.unnamed', { name });
}

function labelled(path: string): string | undefined {
  const named = path
    .split('.')
    .filter((s) => !/^\d+$/.test(s))
    .join('.');
  const found = [path, named, named.split('.').at(-1) ?? ''].find((p) => LABELLED.has(p));
  return found === undefined ? undefined : t(`problems:label.${labelKey(found)}`);
}

/** Whether the catalogue names this field (else a form may name it by its own label). */
export const hasFieldLabel = (path: string): boolean => labelled(path) !== undefined;

/** The label of a field path: the whole path, then without list indexes, then its last named part. */
export function fieldLabel(path: string): string {
  return labelled(path) ?? humanize(path);
}

function byRule(e: FieldFacts, label: string): string | null {
  const min = e.minimum;
  const max = e.maximum;
  const v = { label };
  switch (e.code) {
    case 'invalid_type':
      if (e.missing || e.expected === 'string')
        return e.expected === 'array' ? t('problems:rule.choose', v) : t('problems:rule.enter', v);
      if (e.expected === 'int') return t('problems:rule.wholeNumber', v);
      if (e.expected === 'number') return t('problems:rule.number', v);
      return t('problems:rule.check', v);
    case 'too_small':
      if (min === undefined) return t('problems:rule.check', v);
      if (e.origin === 'string')
        return min <= 1 ? t('problems:rule.enter', v) : t('problems:rule.minChars', { ...v, count: min });
      if (e.origin === 'array' || e.origin === 'set')
        return min <= 1 ? t('problems:rule.choose', v) : t('problems:rule.minItems', { ...v, count: min });
      if (e.origin === 'date') return t('problems:rule.tooEarly', v);
      return e.inclusive === false
        ? t('problems:rule.moreThan', { ...v, min: number(min) })
        : t('problems:rule.atLeast', { ...v, min: number(min) });
    case 'too_big':
      if (max === undefined) return t('problems:rule.check', v);
      if (e.origin === 'string') return t('problems:rule.maxChars', { ...v, count: max });
      if (e.origin === 'array' || e.origin === 'set') return t('problems:rule.maxItems', { ...v, count: max });
      if (e.origin === 'date') return t('problems:rule.tooLate', v);
      return e.inclusive === false
        ? t('problems:rule.lessThan', { ...v, max: number(max) })
        : t('problems:rule.atMost', { ...v, max: number(max) });
    case 'invalid_format':
      if (e.format === 'email') return t('problems:rule.email', v);
      if (e.format === 'uuid' || e.format === 'guid') return t('problems:rule.fromList', v);
      if (e.format === 'datetime' || e.format === 'date') return t('problems:rule.dateTime', v);
      if (e.format === 'url') return t('problems:rule.url', v);
      return t('problems:rule.format', v);
    case 'invalid_value':
    case 'invalid_union':
    case 'invalid_key':
    case 'invalid_element':
      return t('problems:rule.fromList', v);
    case 'not_multiple_of':
      return t('problems:rule.check', v);
    case 'unknown_field':
      return t('problems:rule.unknownField');
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
  const own = FIELD_WORDS[`${e.field}:${e.code}`] ?? FIELD_WORDS[`${named}:${e.code}`] ?? FIELD_WORDS[`*:${e.code}`];
  if (own) return t(`problems:${own}`);
  // Headers are the page's doing, never the fan's (Idempotency-Key, Content-Type).
  if (e.in === 'header') return t('problems:shared.outOfDate');
  const name = label ?? fieldLabel(e.field);
  const rule = byRule(e, name);
  if (rule) return capital(rule);
  // A domain rule's message is an English predicate about the field ("must not be after
  // saleStartsAt"): said of the field's label in English, with the other fields it names in
  // their own words; another language asks to check the field.
  if (locale !== 'en') return capital(t('problems:rule.check', { label: name }));
  const predicate = e.message
    .replace(/\b[a-z]+[A-Z]\w*\b/g, (word) => fieldLabels[word] ?? humanize(word))
    .replace(/\.$/, '');
  return capital(t('problems:rule.predicate', { label: name, predicate }));
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

/** How each event category reads ("hip_hop" → "Hip-hop"), in the page's language. */
export function categoryLabel(word: string): string {
  return t(`common:category.${word}`, { defaultValue: capital(word.replace(/_/g, '-')) });
}

/** A page whose one thing (an event, an order) could not be loaded: its heading and its words. */
export interface PageProblemWords {
  title: string;
  text: string;
  /** Worth trying again: the page keeps polling and recovers by itself. */
  retrying: boolean;
}

/** The headings for a thing a page is about; a thing not listed is called "this page". */
const THINGS: Record<string, { notLoaded: string; notFound: string; missing: string }> = {
  event: {
    notLoaded: 'problems:page.eventNotLoaded',
    notFound: 'problems:page.eventNotFound',
    missing: 'problems:page.eventMissing',
  },
};
const ANY_THING = {
  notLoaded: 'problems:page.notLoaded',
  notFound: 'problems:page.notFound',
  missing: 'problems:page.missing',
};

/**
 * What a page says in place of `thing` ("event") when loading it failed: null is a network
 * failure; a 404, or a 400 about the address's id (a mistyped link), is "can't find"; a
 * 5xx is "busy", which the page retries by itself.
 */
export function pageProblemWords(problem: ProblemFacts | null, thing: string): PageProblemWords {
  const keys = THINGS[thing] ?? ANY_THING;
  if (problem === null) return { title: t(keys.notLoaded), text: t('problems:page.offline'), retrying: true };
  const badAddress =
    problem.status === 404 ||
    (problem.status === 400 && (problem.errors ?? []).some((e) => e.in === 'params' || e.in === 'query'));
  if (badAddress) return { title: t(keys.notFound), text: t(keys.missing), retrying: false };
  if (isBusy(problem))
    return { title: t('problems:page.busyTitle'), text: t('problems:page.busyText'), retrying: true };
  return { title: t(keys.notLoaded), text: problemText(problem), retrying: false };
}
