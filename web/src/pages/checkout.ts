import { readHolders, renderHolders } from '../checkout/holders.js';
import { holdEnded, renderConfirmation, renderSummary } from '../checkout/summary.js';
import type { EventInfo, Hold, Order, Receipt } from '../checkout/types.js';
import { api, ApiError } from '../lib/api.js';
import { $, h, setStatus } from '../lib/dom.js';
import { locale, t } from '../lib/i18n.js';
import { currentUser, money, renderHeader } from '../lib/layout.js';
import { loadStripe, type StripeCardElement, type StripeJs } from '../lib/stripe.js';

/**
 * The checkout: what the fan is buying and for how much (checkout/summary.ts), who each ticket
 * is for (checkout/holders.ts), then the card (sandbox fields or Stripe Elements), a gift card,
 * and Pay, which carries the amount. A declined card leaves the hold in place for another try.
 */

interface PaymentOptions {
  provider: 'stripe' | 'sandbox' | null;
  publishableKey?: string;
}

/** A refusal from Stripe.js itself (a mistyped number, a failed 3-D Secure), said as Stripe words it. */
class CardError extends Error {}

const holdId = new URLSearchParams(location.search).get('hold') ?? '';
const status = $('#pay-status');
const payButton = $<HTMLButtonElement>('#pay-button');
// One key per checkout attempt, kept across reloads: paying twice by reloading is impossible.
const keyName = `fairdrop.checkout.${holdId}`;
let idempotencyKey = sessionStorage.getItem(keyName) ?? crypto.randomUUID();
sessionStorage.setItem(keyName, idempotencyKey);

let hold: Hold | null = null;
let event: EventInfo | null = null;

/** The hold can no longer be paid for: say why and where to go, and put the form away. */
function showHoldEnded(ended: Hold): void {
  const { text, link } = holdEnded(ended);
  const line = $('#hold-ended');
  line.replaceChildren(`${text} `, h('a', { href: link.href }, link.text));
  line.hidden = false;
  $('#checkout').hidden = true;
  $('.hold-timer').hidden = true;
}

function countdown(until: Date): void {
  const el = $('#countdown');
  const tick = () => {
    const left = Math.max(0, until.getTime() - Date.now());
    const m = Math.floor(left / 60_000);
    const s = Math.floor((left % 60_000) / 1000);
    el.textContent = left > 0 ? `${m}:${String(s).padStart(2, '0')}` : t('checkout:expired');
    if ($('.hold-timer').hidden) return;
    if (left <= 0) {
      if (hold) showHoldEnded({ ...hold, status: 'expired' });
      return;
    }
    setTimeout(tick, 1000 - (Date.now() % 1000));
  };
  tick();
}

async function showConfirmation(order: Order): Promise<void> {
  $('#checkout').hidden = true;
  $('#order-summary').hidden = true;
  $('.hold-timer').hidden = true; // the seats are the fan's now: no countdown
  const done = $('#confirmation');
  // The receipts are the proof, not the purchase: without them the confirmation still stands.
  const receipts = await api<{ receipts: Receipt[] }>('GET', `/v1/orders/${order.id}/timeline`)
    .then((r) => r.receipts)
    .catch(() => []);
  renderConfirmation(done, order, hold!, event, receipts);
  done.hidden = false;
  // Where the fan's attention goes next: the news, read first by a screen reader too.
  const heading = done.querySelector('h2');
  heading?.setAttribute('tabindex', '-1');
  heading?.focus();
  document.title = t('common:titlePattern', {
    title: order.guaranteed ? t('checkout:confirmation.titleGuaranteed') : t('checkout:confirmation.titleReceived'),
  });
}

let stripe: { js: StripeJs; card: StripeCardElement } | null = null;

/** Shows the way this server takes cards: Stripe's Card Element, the sandbox's test numbers, or none. */
async function setUpPayment(): Promise<void> {
  const options = await api<PaymentOptions>('GET', '/v1/payments/config');
  if (options.provider === 'sandbox') return; // the page's default
  // Stripe or none: the sandbox fields go away (disabled, so the form does not ask for them).
  $('#sandbox-card').hidden = true;
  for (const input of document.querySelectorAll<HTMLInputElement>('#sandbox-card input')) input.disabled = true;
  if (options.provider !== 'stripe' || !options.publishableKey) {
    $('#no-card').hidden = false;
    return;
  }
  const js = await loadStripe(options.publishableKey, locale);
  const card = js.elements().create('card', { style: { base: { fontSize: '16px' } } });
  card.mount('#stripe-card-element');
  $('#stripe-card').hidden = false;
  stripe = { js, card };
}

async function cardTender(): Promise<Record<string, unknown> | undefined> {
  if (stripe) {
    setStatus(status, 'busy', t('checkout:pay.toStripe'));
    const { paymentMethod, error } = await stripe.js.createPaymentMethod({ type: 'card', card: stripe.card });
    if (!paymentMethod) throw new CardError(error?.message ?? t('checkout:pay.unreadable'));
    return { stripePaymentMethodId: paymentMethod.id };
  }
  if ($('#sandbox-card').hidden) return undefined;
  const [expMonth, expYear] = $<HTMLInputElement>('#exp')
    .value.split('/')
    .map((v) => Number(v.trim()));
  return {
    number: $<HTMLInputElement>('#card').value,
    expMonth,
    expYear: (expYear ?? 0) < 100 ? 2000 + (expYear ?? 0) : expYear,
    cvc: $<HTMLInputElement>('#cvc').value,
  };
}

/**
 * The bank asked for 3-D Secure: Stripe.js runs it, then the server reads the outcome from Stripe
 * and finishes (or ends) the order. A failed authentication is reported to the server too, so the
 * authorization is released at once rather than by the reconciler.
 */
async function authenticate(problem: { orderId?: unknown; clientSecret?: unknown }): Promise<Order> {
  if (!stripe || typeof problem.orderId !== 'string' || typeof problem.clientSecret !== 'string')
    throw new CardError(t('checkout:pay.cannotConfirm'));
  setStatus(status, 'busy', t('checkout:pay.bankConfirms'));
  const { error } = await stripe.js.handleNextAction({ clientSecret: problem.clientSecret });
  setStatus(status, 'busy', t('checkout:pay.confirmingSeats'));
  try {
    return await api<Order>('POST', `/v1/orders/${problem.orderId}/complete`);
  } catch (err) {
    if (error?.message) throw new CardError(error.message);
    throw err;
  }
}

/** The bank's refusals (402), in the page's words: the API's detail is written for developers. */
const DECLINES: Record<string, () => string> = {
  'payments.card_declined': () => t('checkout:refusal.declined'),
  'payments.insufficient_funds': () => t('checkout:refusal.insufficientFunds'),
  'payments.authentication_required': () => t('checkout:refusal.authentication'),
};

/** A card refusal leaves the hold as it was: say so, so the fan tries again rather than starting over. */
function refusalWords(err: unknown): string {
  if (err instanceof CardError) return t('checkout:refusal.stripe', { message: err.message });
  if (!(err instanceof ApiError)) return t('checkout:refusal.network');
  if (err.problem.code.startsWith('payments.') && err.problem.status === 402)
    return (DECLINES[err.problem.code] ?? DECLINES['payments.card_declined']!)();
  return err.describe();
}

$<HTMLFormElement>('#checkout').addEventListener('submit', async (e) => {
  e.preventDefault();
  if (!hold || payButton.disabled) return;
  const giftCode = $<HTMLInputElement>('#gift-code').value.trim();
  payButton.disabled = true;
  try {
    const card = await cardTender();
    setStatus(status, 'busy', t('checkout:pay.authorising'));
    const body = {
      holdId,
      payment: { ...(card ? { card } : {}), giftCards: giftCode ? [{ code: giftCode }] : [] },
      attendees: readHolders(hold.quantity),
    };
    let order: Order;
    try {
      order = await api<Order>('POST', '/v1/orders', body, { idempotencyKey });
    } catch (err) {
      if (!(err instanceof ApiError && err.problem.code === 'payments.requires_action')) throw err;
      order = await authenticate({ orderId: err.problem.orderId, clientSecret: err.problem.clientSecret });
    }
    setStatus(status, '', '');
    await showConfirmation(order);
  } catch (err) {
    setStatus(status, 'bad', refusalWords(err));
    // A refusal is final for this key; a new attempt needs a new one.
    if (err instanceof ApiError || err instanceof CardError) {
      idempotencyKey = crypto.randomUUID();
      sessionStorage.setItem(keyName, idempotencyKey);
    }
  } finally {
    payButton.disabled = false;
  }
});

$('#release').addEventListener('click', async () => {
  await api('DELETE', `/v1/holds/${holdId}`).catch(() => undefined);
  location.href = hold ? `/event.html?id=${hold.eventId}` : '/';
});

void renderHeader();
const me = await currentUser();
if (!me) {
  location.href = `/account.html?next=${encodeURIComponent(location.pathname + location.search)}`;
} else {
  try {
    hold = await api<Hold>('GET', `/v1/holds/${encodeURIComponent(holdId)}`);
    // The event names what is bought; the purchase does not depend on it.
    event = await api<EventInfo>('GET', `/v1/events/${hold.eventId}`).catch(() => null);
    renderSummary($('#summary'), hold, event);
    payButton.textContent = t('checkout:pay.amount', { amount: money(hold.totalCents, hold.currency) });
    if (event) document.title = t('common:titlePattern', { title: t('checkout:titleEvent', { event: event.title }) });
    if (hold.status !== 'active') {
      showHoldEnded(hold);
    } else {
      renderHolders($('#attendees'), hold, me);
      await setUpPayment();
      countdown(new Date(hold.expiresAt));
    }
  } catch (err) {
    $('#summary').replaceChildren();
    $('#order-summary').hidden = true;
    $('#checkout').hidden = true;
    $('.hold-timer').hidden = true;
    const line = $('#hold-ended');
    line.hidden = false;
    line.replaceChildren(
      err instanceof ApiError && err.problem.code === 'sales.hold_not_found'
        ? t('checkout:ended.notFound')
        : err instanceof ApiError
          ? err.describe()
          : t('checkout:ended.network'),
      ' ',
      h('a', { href: '/' }, t('checkout:ended.findEvent')),
    );
  }
}
