import { api, ApiError } from '../lib/api.js';
import { $, h, setStatus } from '../lib/dom.js';
import { showError } from '../lib/forms.js';
import { locale, t } from '../lib/i18n.js';
import { currentUser, money, renderHeader } from '../lib/layout.js';
import { loadStripe, type StripeCardElement, type StripeJs } from '../lib/stripe.js';
import type { ListingView, PurchaseView } from '../../../src/resale/resale.schemas.js';

/**
 * The resale checkout (/resale.html?listing=<id>, or #listing=<id> from an offer's mail): the
 * listing, then a card (sandbox fields or Stripe's element) or a gift card, and Pay. A waitlisted
 * fan the listing is offered to may also let it pass to the next fan.
 */

const params = new URLSearchParams(location.search || location.hash.replace(/^#/, '?'));
const listingId = params.get('listing') ?? '';
const status = $('#page-status');
const payStatus = $('#pay-status');
const form = $<HTMLFormElement>('#pay');
let stripe: { js: StripeJs; card: StripeCardElement } | null = null;

const seatWords = (l: ListingView) =>
  l.seat
    ? t('resale:seat', { tier: l.tierName, section: l.seat.section, row: l.seat.row, number: l.seat.number })
    : t('resale:seatGa', { tier: l.tierName });

async function show(listing: ListingView): Promise<void> {
  const event = await api<{ title: string }>('GET', `/v1/events/${listing.eventId}`).catch(() => null);
  const offer =
    listing.offeredToYou && listing.offerExpiresAt
      ? [
          h(
            'p',
            { class: 'status ok' },
            t('resale:offeredUntil', {
              time: new Date(listing.offerExpiresAt).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' }),
            }),
          ),
        ]
      : [];
  $('#listing-facts').replaceChildren(
    h('p', {}, h('strong', {}, event?.title ?? t('resale:event'))),
    h('p', {}, seatWords(listing)),
    h('p', { class: 'price' }, t('resale:price', { price: money(listing.priceCents, listing.currency) })),
    ...offer,
  );
  $('#listing').hidden = false;
}

async function setUpPayment(): Promise<void> {
  const options = await api<{ provider: 'stripe' | 'sandbox' | null; publishableKey: string | null }>(
    'GET',
    '/v1/payments/config',
  );
  if (options.provider === 'sandbox') return;
  $('#sandbox-card').hidden = true;
  for (const input of document.querySelectorAll<HTMLInputElement>('#sandbox-card input')) input.disabled = true;
  if (options.provider !== 'stripe' || !options.publishableKey) return;
  const js = await loadStripe(options.publishableKey, locale);
  const card = js.elements().create('card', { style: { base: { fontSize: '16px' } } });
  card.mount('#stripe-card-element');
  $('#stripe-card').hidden = false;
  stripe = { js, card };
}

async function payment(): Promise<Record<string, unknown>> {
  const method = (form.elements.namedItem('method') as RadioNodeList).value;
  if (method === 'gift') return { giftCard: { code: $<HTMLInputElement>('#gift-code').value.trim() } };
  if (stripe) {
    const { paymentMethod, error } = await stripe.js.createPaymentMethod({ type: 'card', card: stripe.card });
    if (!paymentMethod) throw new Error(error?.message ?? t('resale:pay.unreadable'));
    return { card: { stripePaymentMethodId: paymentMethod.id } };
  }
  const [expMonth, expYear] = $<HTMLInputElement>('#exp')
    .value.split('/')
    .map((v) => Number(v.trim()));
  return {
    card: {
      number: $<HTMLInputElement>('#card').value,
      expMonth,
      expYear: (expYear ?? 0) < 100 ? 2000 + (expYear ?? 0) : expYear,
      cvc: $<HTMLInputElement>('#cvc').value,
    },
  };
}

form.addEventListener('change', () => {
  const gift = (form.elements.namedItem('method') as RadioNodeList).value === 'gift';
  $('#gift').hidden = !gift;
  $('#sandbox-card').hidden = gift || stripe !== null;
  $('#stripe-card').hidden = gift || stripe === null;
});

// One key per attempt: a double click replays the first answer instead of paying twice.
let key = crypto.randomUUID();
form.addEventListener('input', () => void (key = crypto.randomUUID()));
form.addEventListener('submit', async (e) => {
  e.preventDefault();
  setStatus(payStatus, 'busy', t('resale:pay.paying'));
  try {
    const bought = await api<PurchaseView>(
      'POST',
      `/v1/resale/${listingId}/purchase`,
      { payment: await payment() },
      { idempotencyKey: key },
    );
    form.hidden = true;
    $('#done-text').textContent = t('resale:done.text', { amount: money(bought.amountCents, bought.currency) });
    $('#done').hidden = false;
    $('#done-title').focus();
  } catch (err) {
    if (err instanceof ApiError) showError(form, payStatus, err);
    else setStatus(payStatus, 'bad', err instanceof Error ? err.message : t('resale:networkError'));
  }
});

$('#pass').addEventListener('click', async () => {
  try {
    await api('POST', `/v1/resale/${listingId}/pass`);
    form.hidden = true;
    setStatus(status, 'ok', t('resale:passed'));
  } catch (err) {
    setStatus(payStatus, 'bad', err instanceof ApiError ? err.describe() : t('resale:networkError'));
  }
});

void renderHeader();
const me = await currentUser();
try {
  const listing = await api<ListingView>('GET', `/v1/resale/${listingId}`);
  await show(listing);
  setStatus(status, '', '');
  if (listing.status !== 'listed') setStatus(status, 'bad', t('resale:notForSale'));
  else if (!me) {
    $<HTMLAnchorElement>('#sign-in').href =
      `/account.html?next=${encodeURIComponent(location.pathname + location.search)}`;
    $('#gate').hidden = false;
  } else if (listing.mine) setStatus(status, '', t('resale:own'));
  else if (!listing.openToAll && !listing.offeredToYou) setStatus(status, 'bad', t('resale:waitlistFirst'));
  else {
    await setUpPayment().catch(() => undefined);
    $('#pass').hidden = !listing.offeredToYou;
    form.hidden = false;
  }
} catch (err) {
  setStatus(status, 'bad', err instanceof ApiError ? err.describe() : t('resale:unreachable'));
}
