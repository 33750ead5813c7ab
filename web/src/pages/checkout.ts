import { api, ApiError } from '../lib/api.js';
import { $, h, setStatus } from '../lib/dom.js';
import { currentUser, money, renderHeader } from '../lib/layout.js';
import { loadStripe, type StripeCardElement, type StripeJs } from '../lib/stripe.js';

interface Hold {
  id: string;
  eventId: string;
  status: string;
  quantity: number;
  seats: { section: string; row: string; number: number }[];
  totalCents: number;
  currency: string;
  expiresAt: string;
}
interface Order {
  id: string;
  status: string;
  guaranteed: boolean;
  totalCents: number;
  giftCardCents: number;
  cardCents: number;
  currency: string;
  sandbox: boolean;
  failureCode: string | null;
  tickets: { id: string; attendeeName: string | null }[];
}
interface Receipt {
  seq: number;
  kind: string;
  occurredAt: string;
  hash: string;
  signature: string;
}

interface PaymentOptions {
  provider: 'stripe' | 'sandbox' | null;
  publishableKey?: string;
}

/** A refusal from Stripe.js itself (a mistyped number, a failed 3-D Secure), said as Stripe words it. */
class CardError extends Error {}

const holdId = new URLSearchParams(location.search).get('hold') ?? '';
const status = $('#pay-status');
// One key per checkout attempt, kept across reloads: paying twice by reloading is impossible.
const keyName = `fairdrop.checkout.${holdId}`;
let idempotencyKey = sessionStorage.getItem(keyName) ?? crypto.randomUUID();
sessionStorage.setItem(keyName, idempotencyKey);

function countdown(until: Date): void {
  const el = $('#countdown');
  const tick = () => {
    const left = Math.max(0, until.getTime() - Date.now());
    const m = Math.floor(left / 60_000);
    const s = Math.floor((left % 60_000) / 1000);
    el.textContent = left > 0 ? `${m}:${String(s).padStart(2, '0')}` : 'expired';
    if ($('.hold-timer').hidden) return;
    if (left <= 0) {
      setStatus(status, 'bad', 'Your hold has expired and the seats went back on sale.');
      $<HTMLButtonElement>('#pay-button').disabled = true;
      return;
    }
    setTimeout(tick, 1000 - (Date.now() % 1000));
  };
  tick();
}

function showHold(hold: Hold): void {
  $('#summary').replaceChildren(
    h(
      'p',
      {},
      `${hold.quantity} ticket${hold.quantity === 1 ? '' : 's'} · ${money(hold.totalCents, hold.currency)} all-in`,
    ),
    hold.seats.length
      ? h('ul', {}, ...hold.seats.map((s) => h('li', {}, `${s.section}, row ${s.row}, seat ${s.number}`)))
      : h('p', {}, 'General admission'),
  );
  const attendees = $('#attendees');
  attendees.replaceChildren();
  if (hold.quantity > 1) {
    for (let i = 0; i < hold.quantity; i++) {
      attendees.append(
        h(
          'div',
          { class: 'row' },
          h(
            'div',
            { class: 'field' },
            h('label', { for: `att-name-${i}` }, `Ticket ${i + 1}: name`),
            h('input', { id: `att-name-${i}`, required: true, autocomplete: 'off' }),
          ),
          h(
            'div',
            { class: 'field' },
            h('label', { for: `att-email-${i}` }, 'email'),
            h('input', { id: `att-email-${i}`, type: 'email', required: true, autocomplete: 'off' }),
          ),
        ),
      );
    }
  }
}

async function showConfirmation(order: Order): Promise<void> {
  $('#checkout').hidden = true;
  $('.hold-timer').hidden = true; // the seats are the fan's now: no countdown
  const done = $('#confirmation');
  done.hidden = false;
  const { receipts } = await api<{ receipts: Receipt[] }>('GET', `/v1/orders/${order.id}/timeline`);
  done.replaceChildren(
    h('h2', {}, order.guaranteed ? 'Your tickets are guaranteed' : 'Payment received; confirming your seats…'),
    h('p', {}, 'Purchase id: ', h('code', {}, order.id)),
    h(
      'p',
      {},
      `${money(order.totalCents, order.currency)} paid${order.giftCardCents ? ` (${money(order.giftCardCents, order.currency)} by gift card)` : ''}${order.sandbox ? ' — sandbox payment, no money moved' : ''}.`,
    ),
    h('h3', {}, 'Signed receipts'),
    h(
      'ol',
      { class: 'receipts' },
      ...receipts.map((r) =>
        h(
          'li',
          {},
          `${r.kind} — ${new Date(r.occurredAt).toLocaleString()} — `,
          h('code', { title: r.signature }, r.hash.slice(0, 16)),
        ),
      ),
    ),
    h('p', {}, h('a', { href: '/tickets.html', class: 'button' }, 'See my tickets')),
  );
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
  const js = await loadStripe(options.publishableKey);
  const card = js.elements().create('card', { style: { base: { fontSize: '16px' } } });
  card.mount('#stripe-card-element');
  $('#stripe-card').hidden = false;
  stripe = { js, card };
}

async function cardTender(): Promise<Record<string, unknown> | undefined> {
  if (stripe) {
    setStatus(status, 'busy', 'Sending your card to Stripe…');
    const { paymentMethod, error } = await stripe.js.createPaymentMethod({ type: 'card', card: stripe.card });
    if (!paymentMethod) throw new CardError(error?.message ?? 'Stripe could not read the card.');
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
    throw new CardError('This payment needs a confirmation this page cannot run.');
  setStatus(status, 'busy', 'Your bank asks you to confirm the payment…');
  const { error } = await stripe.js.handleNextAction({ clientSecret: problem.clientSecret });
  setStatus(status, 'busy', 'Confirming your seats…');
  try {
    return await api<Order>('POST', `/v1/orders/${problem.orderId}/complete`);
  } catch (err) {
    if (error?.message) throw new CardError(error.message);
    throw err;
  }
}

$<HTMLFormElement>('#checkout').addEventListener('submit', async (e) => {
  e.preventDefault();
  const giftCode = $<HTMLInputElement>('#gift-code').value.trim();
  const attendees = [...document.querySelectorAll<HTMLInputElement>('[id^="att-name-"]')].map((input, i) => ({
    name: input.value,
    email: $<HTMLInputElement>(`#att-email-${i}`).value,
  }));
  try {
    const card = await cardTender();
    setStatus(status, 'busy', 'Authorising your card…');
    const body = {
      holdId,
      payment: { ...(card ? { card } : {}), giftCards: giftCode ? [{ code: giftCode }] : [] },
      ...(attendees.length ? { attendees } : {}),
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
    const message =
      err instanceof CardError
        ? err.message
        : err instanceof ApiError
          ? err.describe()
          : 'Network error: your card was not charged twice; press Pay again.';
    setStatus(status, 'bad', message);
    // A refusal is final for this key; a new attempt needs a new one.
    if (err instanceof ApiError || err instanceof CardError) {
      idempotencyKey = crypto.randomUUID();
      sessionStorage.setItem(keyName, idempotencyKey);
    }
  }
});

$('#release').addEventListener('click', async () => {
  await api('DELETE', `/v1/holds/${holdId}`).catch(() => undefined);
  location.href = '/';
});

void renderHeader();
if (!(await currentUser())) location.href = '/account.html';
try {
  const hold = await api<Hold>('GET', `/v1/holds/${encodeURIComponent(holdId)}`);
  showHold(hold);
  await setUpPayment();
  if (hold.status === 'active') countdown(new Date(hold.expiresAt));
  else setStatus(status, 'bad', `This hold is ${hold.status}.`);
} catch (err) {
  setStatus(status, 'bad', err instanceof ApiError ? err.describe() : 'Network error.');
}
