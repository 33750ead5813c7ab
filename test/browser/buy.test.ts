import { eq } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orders } from '../../src/orders/orders.table.js';
import { tickets } from '../../src/tickets/tickets.table.js';
import { seats } from '../../src/sales/inventory.table.js';
import { createSale } from '../support/commerce.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { uniqueEmail } from '../support/fixtures.js';
import { launch, screenshots, seriousViolations } from './browser.js';

let env: TestEnv;
let browser: Browser;
beforeAll(async () => {
  env = await createTestEnv();
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await env?.close();
});

describe('buying in an open sale', () => {
  it('discovers the event, picks two seats on the map, pays with 4242…, sees the purchase id and receipts', async () => {
    const sale = await createSale(env, { seats: 20 });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));

    // Sign up first (the account page), then find the event.
    await page.goto(`${env.api.baseUrl}/account.html`);
    await page.fill('#register-name', 'Seat Picker');
    await page.fill('#register-email', uniqueEmail('buyer'));
    await page.fill('#register-password', 'a long enough passphrase');
    await page.click('#register button[type=submit]');
    await page.waitForSelector('#signed-in:not([hidden])');

    await page.goto(env.api.baseUrl);
    await page.waitForSelector('.event-card');
    await screenshots(page, 'discover');
    expect(await seriousViolations(page)).toEqual([]);
    await page.click('.event-card h3 a');
    await page.waitForSelector('#buy:not([hidden])');
    await page.selectOption('#tier', sale.seatedTierId);
    await page.waitForSelector('rect.seat-available');
    await page.click(`[data-seat="${sale.seatIds[3]}"]`);
    await page.focus(`[data-seat="${sale.seatIds[4]}"]`);
    await page.keyboard.press('Enter'); // the map works from the keyboard too
    expect(await page.textContent('#choice')).toContain('seat 5');
    await screenshots(page, 'event');
    expect(await seriousViolations(page)).toEqual([]);
    await page.click('#buy button[type=submit]');

    await page.waitForURL(/checkout\.html\?hold=/);
    await page.waitForSelector('#att-name-1');
    expect(await page.textContent('#countdown')).toMatch(/^\d+:\d\d$/);
    await page.fill('#att-name-0', 'Ada');
    await page.fill('#att-email-0', 'ada@example.test');
    await page.fill('#att-name-1', 'Grace');
    await page.fill('#att-email-1', 'grace@example.test');
    await page.fill('#card', '4242 4242 4242 4242');
    await page.fill('#exp', '12/34');
    await page.fill('#cvc', '123');
    await screenshots(page, 'checkout');
    expect(await seriousViolations(page)).toEqual([]);
    await page.click('#pay-button');
    await page.waitForSelector('#confirmation:not([hidden]) h2');
    const confirmation = await page.textContent('#confirmation');
    expect(confirmation).toContain('Your tickets are guaranteed');
    expect(confirmation).toContain('sandbox');
    const orderId = await page.textContent('#confirmation code');
    await screenshots(page, 'confirmation');

    const [order] = await env.infra.database.db.select().from(orders).where(eq(orders.id, orderId!));
    expect(order).toMatchObject({ status: 'captured', eventId: sale.eventId });
    const issued = await env.infra.database.db.select().from(tickets).where(eq(tickets.orderId, orderId!));
    expect(issued.map((t) => t.attendeeName).sort()).toEqual(['Ada', 'Grace']);
    const sold = await env.infra.database.db.select().from(seats).where(eq(seats.status, 'sold'));
    expect(sold.map((s) => s.id).sort()).toEqual([sale.seatIds[3], sale.seatIds[4]].sort());
    expect(errors).toEqual([]);
  });

  it('shows a declined card plainly and keeps the hold', async () => {
    const sale = await createSale(env, { seats: 0, gaCapacity: 10 });
    const page = await browser.newPage();
    await page.goto(`${env.api.baseUrl}/account.html`);
    await page.fill('#register-name', 'Declined');
    await page.fill('#register-email', uniqueEmail('declined'));
    await page.fill('#register-password', 'a long enough passphrase');
    await page.click('#register button[type=submit]');
    await page.waitForSelector('#signed-in:not([hidden])');
    await page.goto(`${env.api.baseUrl}/event.html?id=${sale.eventId}`);
    await page.waitForSelector('#buy:not([hidden])');
    await page.fill('#quantity', '1');
    await page.click('#buy button[type=submit]');
    await page.waitForURL(/checkout/);
    await page.fill('#card', '4000 0000 0000 0002');
    await page.fill('#exp', '12/34');
    await page.fill('#cvc', '123');
    await page.click('#pay-button');
    await page.waitForSelector('#pay-status.bad');
    expect(await page.textContent('#pay-status')).toMatch(/declined/i);
    expect(await page.isHidden('#confirmation')).toBe(true);
  });
});
