import { eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { holds } from '../../src/sales/holds.table.js';
import { orders } from '../../src/orders/orders.table.js';
import { seats } from '../../src/sales/inventory.table.js';
import { tickets } from '../../src/tickets/tickets.table.js';
import { createSale, holdDirect, type SaleFixture } from '../support/commerce.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { startFakeStripe, type FakeStripe } from '../support/fake-stripe.js';
import { signedIn } from '../support/fixtures.js';
import { launch, screenshots, seriousViolations } from './browser.js';
import { serveFakeStripe } from './fake-stripe-js.js';
import { asUser, textOf, watchErrors } from './session.js';

let env: TestEnv;
let fake: FakeStripe;
let browser: Browser;
let sale: SaleFixture;
beforeAll(async () => {
  fake = await startFakeStripe();
  env = await createTestEnv({
    STRIPE_SECRET_KEY: 'sk_test_fairdrop',
    STRIPE_PUBLISHABLE_KEY: 'pk_test_fairdrop',
    STRIPE_API_BASE: fake.url,
    AUTH_LIMIT_PER_IP: '100000',
  });
  sale = await createSale(env, { seats: 12 });
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await env?.close();
  await fake?.close();
});

let nextSeat = 0;
const freshSeats = (n: number) => sale.seatIds.slice(nextSeat, (nextSeat += n));

/** A fan with a hold on fresh seats, on the checkout page with Stripe's card element mounted. */
async function atCheckout(
  n: number,
): Promise<{ page: Page; holdId: string; seatIds: string[]; errors: string[]; csp: string }> {
  const fan = await signedIn(env);
  const seatIds = freshSeats(n);
  const holdId = await holdDirect(env, sale, fan.userId, { seatIds });
  const page = await browser.newPage();
  // The pages log refused calls they handle and show (here the card's 402s) as failed loads.
  const errors = watchErrors(page, /status of (402|409)/);
  await serveFakeStripe(page, fake);
  await asUser(page, fan.token);
  const response = await page.goto(`${env.api.baseUrl}/checkout.html?hold=${holdId}`);
  await page.waitForSelector('#stripe-card-element [data-fake-stripe="card"]');
  return { page, holdId, seatIds, errors, csp: response!.headers()['content-security-policy'] ?? '' };
}

async function fillCard(page: Page, number: string): Promise<void> {
  await page.fill('#stripe-card-element [name=cardnumber]', number);
  await page.fill('#stripe-card-element [name=exp-date]', '12 / 34');
  await page.fill('#stripe-card-element [name=cvc]', '123');
}

async function orderOfHold(holdId: string) {
  const [order] = await env.infra.database.db.select().from(orders).where(eq(orders.holdId, holdId));
  return order!;
}

describe('checkout with Stripe Elements (fake Stripe.js and API at the boundary)', () => {
  it('mounts the card element instead of the sandbox, pays with a PaymentMethod made in the browser, and says guaranteed once committed', async () => {
    const { page, holdId, seatIds, errors, csp } = await atCheckout(2);
    expect(csp).toContain("script-src 'self' https://js.stripe.com");
    expect(csp).toContain("connect-src 'self' ws: wss: https://api.stripe.com");
    expect(csp).toContain('frame-src https://js.stripe.com https://hooks.stripe.com');
    expect(await page.isHidden('#sandbox-card')).toBe(true);
    expect(await page.innerText('main')).not.toMatch(/sandbox/i); // visible text only
    await page.fill('#att-name-0', 'Ada');
    await page.fill('#att-email-0', 'ada@example.test');
    await page.fill('#att-name-1', 'Grace');
    await page.fill('#att-email-1', 'grace@example.test');
    await fillCard(page, '4242 4242 4242 4242');
    await screenshots(page, 'checkout-stripe');
    expect(await seriousViolations(page)).toEqual([]);

    await page.click('#pay-button');
    await page.waitForSelector('#confirmation:not([hidden]) h2');
    const confirmation = await textOf(page, '#confirmation');
    expect(confirmation).toContain('Your tickets are guaranteed');
    expect(confirmation).not.toMatch(/sandbox/i);
    const orderId = await page.textContent('#confirmation code');
    await screenshots(page, 'confirmation-stripe');

    // The card number went to "Stripe" only; our API got a payment method id.
    const pm = fake.calls.find(
      (c) => c.path === '/v1/payment_methods' && c.body['card[number]'] === '4242 4242 4242 4242',
    );
    expect(pm?.body.key).toBe('pk_test_fairdrop');
    const order = await orderOfHold(holdId);
    expect(order).toMatchObject({ id: orderId, status: 'captured', provider: 'stripe', cardLast4: '4242' });
    expect(order.paymentMethodId).toMatch(/^pm_/);
    const intent = fake.intents.get(order.intentId!)!;
    expect(intent).toMatchObject({
      status: 'succeeded',
      capture_method: 'manual',
      amount_received: 2 * sale.unitCents,
    });
    const issued = await env.infra.database.db.select().from(tickets).where(eq(tickets.orderId, order.id));
    expect(issued.map((t) => t.attendeeName).sort()).toEqual(['Ada', 'Grace']);
    for (const id of seatIds)
      expect((await env.infra.database.db.select().from(seats).where(eq(seats.id, id)))[0]!.status).toBe('sold');
    expect(errors).toEqual([]);
  });

  it('runs 3-D Secure with handleNextAction, then the server reads the intent and commits', async () => {
    const { page, holdId, errors } = await atCheckout(1);
    await fillCard(page, '4000 0027 6000 3184');
    await page.click('#pay-button');
    await page.waitForSelector('#fake-3ds');
    // While the fan answers their bank: pending, the hold still theirs, nothing promised.
    expect(await textOf(page, '#pay-status')).toMatch(/bank asks you to confirm/);
    expect(await page.isHidden('#confirmation')).toBe(true);
    const waiting = await orderOfHold(holdId);
    expect(waiting.status).toBe('pending');
    expect(fake.intents.get(waiting.intentId!)!.status).toBe('requires_action');
    await screenshots(page, 'checkout-stripe-3ds');

    await page.click('#fake-3ds button[data-outcome=complete]');
    await page.waitForSelector('#confirmation:not([hidden]) h2');
    expect(await textOf(page, '#confirmation')).toContain('Your tickets are guaranteed');
    const order = await orderOfHold(holdId);
    expect(order).toMatchObject({ id: waiting.id, status: 'captured', provider: 'stripe' });
    expect(fake.intents.get(order.intentId!)!.status).toBe('succeeded');
    expect(await env.infra.database.db.select().from(tickets).where(eq(tickets.orderId, order.id))).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  it('shows a declined card and a failed 3-D Secure plainly: nothing sold, the hold kept, no authorization left', async () => {
    const { page, holdId, seatIds, errors } = await atCheckout(1);
    await fillCard(page, '4000 0000 0000 0002');
    await page.click('#pay-button');
    await page.waitForSelector('#pay-status.bad');
    expect(await textOf(page, '#pay-status')).toMatch(/declined/i);
    expect(await page.isHidden('#confirmation')).toBe(true);
    const declined = await orderOfHold(holdId);
    expect(declined).toMatchObject({ status: 'failed', failureCode: 'generic_decline' });

    // The same fan tries a card whose bank authentication fails.
    await fillCard(page, '4000 0027 6000 3184');
    await page.click('#pay-button');
    await page.click('#fake-3ds button[data-outcome=fail]');
    await page.waitForFunction(() =>
      /unable to authenticate/.test(document.querySelector('#pay-status')?.textContent ?? ''),
    );
    expect(await page.getAttribute('#pay-status', 'class')).toContain('bad');
    expect(await page.isHidden('#confirmation')).toBe(true);
    await screenshots(page, 'checkout-stripe-declined');
    const rows = await env.infra.database.db.select().from(orders).where(eq(orders.holdId, holdId));
    expect(rows.map((r) => r.status).sort()).toEqual(['failed', 'failed']);
    const failed = rows.find((r) => r.intentId && r.id !== declined.id)!;
    expect(fake.intents.get(failed.intentId!)!.status).toBe('canceled');
    expect(await env.infra.database.db.select().from(tickets).where(eq(tickets.orderId, failed.id))).toHaveLength(0);
    expect((await env.infra.database.db.select().from(seats).where(eq(seats.id, seatIds[0]!)))[0]!.status).toBe('held');
    expect((await env.infra.database.db.select().from(holds).where(eq(holds.id, holdId)))[0]!.status).toBe('active');
    expect(errors).toEqual([]);
  });
});
