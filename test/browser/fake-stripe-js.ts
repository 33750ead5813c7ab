import type { Page } from 'playwright-core';
import type { FakeStripe } from '../support/fake-stripe.js';

/**
 * A stand-in for Stripe.js (https://js.stripe.com/v3/), just what the checkout calls:
 * `Stripe(key).elements().create('card'|'payment').mount()`, `createPaymentMethod` and
 * `handleNextAction`. Like Stripe.js it posts form bodies with the publishable key to
 * https://api.stripe.com, which the test routes to the local fake Stripe server. Its card
 * "element" is three plain inputs in a `[data-fake-stripe]` box (Stripe's own is an iframe), and
 * the bank's 3-D Secure page is a dialog with "Complete" and "Fail", as on Stripe's test page.
 */
export const FAKE_STRIPE_JS = String.raw`
(() => {
  const API = 'https://api.stripe.com';
  async function post(path, fields) {
    const res = await fetch(API + path, { method: 'POST', body: new URLSearchParams(fields) });
    const body = await res.json();
    return res.ok ? { ok: body } : { error: body.error };
  }
  function field(label, name, autocomplete) {
    const input = document.createElement('input');
    input.name = name;
    input.autocomplete = autocomplete;
    input.setAttribute('aria-label', label);
    input.placeholder = label;
    return input;
  }
  window.Stripe = function Stripe(key) {
    if (!/^pk_(test|live)_/.test(key)) throw new Error('Invalid publishable key: ' + key);
    return {
      elements() {
        return {
          create(type) {
            if (type !== 'card' && type !== 'payment') throw new Error('fake Stripe.js has no ' + type + ' element');
            const inputs = { number: field('Card number', 'cardnumber', 'cc-number'), exp: field('MM / YY', 'exp-date', 'cc-exp'), cvc: field('CVC', 'cvc', 'cc-csc') };
            return {
              inputs,
              mount(target) {
                const host = typeof target === 'string' ? document.querySelector(target) : target;
                const box = document.createElement('div');
                box.dataset.fakeStripe = type;
                box.style.display = 'grid';
                box.style.gridTemplateColumns = '2fr 1fr 1fr';
                box.style.gap = '0.5rem';
                box.append(inputs.number, inputs.exp, inputs.cvc);
                host.replaceChildren(box);
              },
            };
          },
        };
      },
      async createPaymentMethod(params) {
        const element = params.card || params.element;
        const [month, year] = element.inputs.exp.value.split('/').map((v) => v.trim());
        const answer = await post('/v1/payment_methods', { key, type: 'card', 'card[number]': element.inputs.number.value, 'card[exp_month]': month || '', 'card[exp_year]': year || '', 'card[cvc]': element.inputs.cvc.value });
        return answer.error ? { error: answer.error } : { paymentMethod: answer.ok };
      },
      handleNextAction({ clientSecret }) {
        const intentId = clientSecret.split('_secret_')[0];
        return new Promise((resolve) => {
          const dialog = document.createElement('div');
          dialog.id = 'fake-3ds';
          dialog.setAttribute('role', 'dialog');
          dialog.setAttribute('aria-label', '3D Secure test page');
          dialog.style.cssText = 'position:fixed;inset:20% 10%;background:#fff;border:2px solid #333;padding:1rem;z-index:10';
          const text = document.createElement('p');
          text.textContent = '3D Secure test payment: complete or fail the authentication.';
          dialog.append(text);
          for (const outcome of ['complete', 'fail']) {
            const button = document.createElement('button');
            button.type = 'button';
            button.dataset.outcome = outcome;
            button.textContent = outcome === 'complete' ? 'Complete' : 'Fail';
            button.onclick = async () => {
              dialog.remove();
              const answer = await post('/v1/payment_intents/' + intentId + '/authenticate', { key, client_secret: clientSecret, outcome });
              if (answer.error) return resolve({ error: answer.error });
              if (answer.ok.status !== 'requires_capture' && answer.ok.status !== 'succeeded') {
                return resolve({ error: { type: 'invalid_request_error', code: 'payment_intent_authentication_failure', message: 'We are unable to authenticate your payment method. Please choose a different payment method and try again.' } });
              }
              resolve({ paymentIntent: answer.ok });
            };
            dialog.append(button);
          }
          document.body.append(dialog);
        });
      },
    };
  };
})();
`;

/** Serves the fake Stripe.js for js.stripe.com and sends the page's api.stripe.com calls to the fake server. */
export async function serveFakeStripe(page: Page, fake: FakeStripe): Promise<void> {
  await page.route('https://js.stripe.com/v3/**', (route) =>
    route.fulfill({ status: 200, contentType: 'text/javascript', body: FAKE_STRIPE_JS }),
  );
  await page.route('https://api.stripe.com/**', async (route) => {
    const url = new URL(route.request().url());
    await route.fulfill({ response: await route.fetch({ url: `${fake.url}${url.pathname}${url.search}` }) });
  });
}
