import type { SandboxCard } from './provider.js';

/**
 * Stripe's documented test card numbers and what each does
 * (https://docs.stripe.com/testing#cards). The sandbox honours exactly these, so a demo or a
 * simulated drop behaves as it would against Stripe in test mode.
 */
export type CardOutcome = 'success' | 'card_declined' | 'insufficient_funds' | 'authentication_required';

const outcomes: Record<string, CardOutcome> = {
  '4242424242424242': 'success',
  '4000056655665556': 'success', // Visa debit
  '5555555555554444': 'success', // Mastercard
  '378282246310005': 'success', // American Express
  '4000000000000002': 'card_declined',
  '4000000000009995': 'insufficient_funds',
  '4000002760003184': 'authentication_required',
};

export function normalizeCardNumber(number: string): string {
  return number.replace(/[\s-]/g, '');
}

export function luhnValid(digits: string): boolean {
  if (!/^\d{12,19}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** null: not one of Stripe's test numbers (the sandbox refuses anything that might be a real card). */
export function testCardOutcome(card: SandboxCard): CardOutcome | null {
  return outcomes[normalizeCardNumber(card.number)] ?? null;
}

export function cardExpired(card: SandboxCard, now = new Date()): boolean {
  const year = card.expYear < 100 ? 2000 + card.expYear : card.expYear;
  // A card is valid through the last day of its expiry month.
  return year < now.getUTCFullYear() || (year === now.getUTCFullYear() && card.expMonth < now.getUTCMonth() + 1);
}
