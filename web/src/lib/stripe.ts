/**
 * Stripe.js, loaded from js.stripe.com only when the server takes cards through Stripe (the CSP
 * allows it only then). Just the calls the checkout makes: a Card Element, a PaymentMethod made
 * in the browser (card numbers never reach our servers), and the card's next action (3-D Secure).
 */

export interface StripeError {
  type?: string;
  code?: string;
  message?: string;
}
export interface StripeCardElement {
  mount(target: string | HTMLElement): void;
}
export interface StripeJs {
  elements(): { create(type: 'card', options?: Record<string, unknown>): StripeCardElement };
  createPaymentMethod(params: {
    type: 'card';
    card: StripeCardElement;
  }): Promise<{ paymentMethod?: { id: string }; error?: StripeError }>;
  handleNextAction(params: {
    clientSecret: string;
  }): Promise<{ paymentIntent?: { id: string; status: string }; error?: StripeError }>;
}
type StripeFactory = (publishableKey: string, options?: { locale?: string }) => StripeJs;

export const STRIPE_JS_URL = 'https://js.stripe.com/v3/';

let loading: Promise<StripeFactory> | undefined;

/** Adds Stripe's script once and resolves with its `Stripe` factory; Stripe's own words come in `locale`. */
export function loadStripe(publishableKey: string, locale?: string): Promise<StripeJs> {
  loading ??= new Promise<StripeFactory>((resolve, reject) => {
    const script = document.createElement('script');
    script.src = STRIPE_JS_URL;
    script.onload = () => {
      const factory = (globalThis as unknown as { Stripe?: StripeFactory }).Stripe;
      if (factory) resolve(factory);
      else reject(new Error('Stripe.js loaded without Stripe()'));
    };
    script.onerror = () => reject(new Error('Stripe.js could not be loaded'));
    document.head.append(script);
  });
  return loading.then((factory) => factory(publishableKey, locale ? { locale } : {}));
}
