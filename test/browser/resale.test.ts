import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSale } from '../support/commerce.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { buySeats } from '../support/tickets-fixtures.js';
import { launch, screenshots, seriousViolations } from './browser.js';
import { asUser, textOf, watchErrors } from './session.js';

/** Resale in Chromium: a holder sells from My tickets, another fan buys from the event page. */
let env: TestEnv;
let browser: Browser;
beforeAll(async () => {
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '10000' });
  browser = await launch();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await env?.close();
});

const SLOW = { timeout: 30_000 };

describe('resale pages', () => {
  it('sell from My tickets at face value, then buy it from the event page by card', async () => {
    const sale = await createSale(env, { seats: 4 });
    const [seller, buyer] = [await signedIn(env), await signedIn(env)];
    const { ticketIds } = await buySeats(env, sale, seller, 1);
    const ticketId = ticketIds[0]!;

    // The seller opens "Sell at face value", sees the cap, the fee and the payout, asks too much, then lists.
    const mine = await browser.newPage();
    const mineErrors = watchErrors(mine);
    await asUser(mine, seller.token);
    await mine.goto(`${env.api.baseUrl}/tickets.html`);
    const card = `[data-ticket="${ticketId}"]`;
    await mine.waitForSelector(`${card} details.resale summary`, SLOW);
    await mine.click(`${card} details.resale summary`);
    await mine.waitForSelector(`${card} .resale-form`, SLOW);
    const terms = await textOf(mine, `${card} .resale-terms`);
    expect(terms).toContain('you may ask up to €45.00');
    expect(terms).toContain('5 % fee (€2.25)');
    expect(terms).toContain('€42.75 back');
    expect(await seriousViolations(mine)).toEqual([]);
    await mine.fill(`${card} input[name="priceCents"]`, '50');
    await mine.click(`${card} .resale-form button[type="submit"]`);
    await mine.waitForSelector(`${card} .field-error`, SLOW);
    expect(await textOf(mine, `${card} .resale`)).toContain('at most 45.00');
    await mine.fill(`${card} input[name="priceCents"]`, '45');
    await mine.click(`${card} .resale-form button[type="submit"]`);
    await mine.waitForSelector(`${card} .resale-listed`, SLOW);
    expect(await textOf(mine, `${card} .resale-listed`)).toContain('Listed at €45.00; you get €42.75 back');
    // A listed ticket offers no transfer form.
    expect(await mine.$(`${card} details.transfer`)).toBeNull();
    expect(await seriousViolations(mine)).toEqual([]);
    await screenshots(mine, 'resale-listed');
    const [listing] = await env.infra.database
      .sql`select id, status from resale_listings where ticket_id = ${ticketId}`;
    expect(listing!.status).toBe('listed');
    expect(mineErrors).toEqual([]);

    // Another fan finds it on the event page and buys it by card.
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await asUser(page, buyer.token);
    await page.goto(`${env.api.baseUrl}/event.html?id=${sale.eventId}`);
    await page.waitForSelector('#resale:not([hidden]) a.button', SLOW);
    expect(await textOf(page, '#resale')).toContain('Stalls, A row 1 seat 1 · €45.00');
    expect(await seriousViolations(page)).toEqual([]);
    await page.click('#resale a.button');
    await page.waitForSelector('#pay:not([hidden])', SLOW);
    expect(await textOf(page, '#listing')).toContain('Price: €45.00');
    expect(await seriousViolations(page)).toEqual([]);
    await page.fill('#card', '4000 0000 0000 0002');
    await page.fill('#exp', '12/34');
    await page.fill('#cvc', '123');
    await page.click('#pay-button');
    await page.waitForFunction(() => document.querySelector('#pay-status')?.textContent?.includes('declined'), SLOW);
    await page.fill('#card', '4242 4242 4242 4242');
    await page.click('#pay-button');
    await page.waitForSelector('#done:not([hidden])', SLOW);
    expect(await textOf(page, '#done')).toContain('You paid €45.00');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshots(page, 'resale-bought');
    const [ticket] = await env.infra.database.sql`select holder_id, version from tickets where id = ${ticketId}`;
    expect(ticket).toMatchObject({ holder_id: buyer.userId, version: 2 });
    const [payout] = await env.infra.database
      .sql`select amount_cents from resale_payouts where listing_id = ${listing!.id}`;
    expect(payout!.amount_cents).toBe(4275);
    expect(errors.filter((e) => !/402/.test(e))).toEqual([]);

    // The seller's page no longer shows the ticket as theirs to sell.
    await mine.reload();
    await mine.waitForSelector('#page-status:empty, #tickets', SLOW);
    await mine.waitForFunction(() => !document.querySelector('#page-status')?.classList.contains('busy'), SLOW);
    expect(await mine.$(`${card} details.resale`)).toBeNull();
    await mine.close();
    await page.close();
  }, 180_000);

  it('a waitlisted fan opens the offer from its link and lets it pass; then anyone may buy', async () => {
    const sale = await createSale(env, { seats: 1, gaCapacity: 0 });
    const [seller, fan] = [await signedIn(env), await signedIn(env)];
    const { ticketIds } = await buySeats(env, sale, seller, 1);
    const joined = await env.api.post(`/v1/events/${sale.eventId}/waitlist`, undefined, {
      token: fan.token,
      headers: { 'idempotency-key': `join-${fan.userId}` },
    });
    expect(joined.status).toBe(201);
    const listed = await env.api.post(
      `/v1/tickets/${ticketIds[0]!}/resale`,
      { priceCents: 4500 },
      { token: seller.token, headers: { 'idempotency-key': `list-${seller.userId}` } },
    );
    expect(listed.body.openToAll).toBe(false);

    const page = await browser.newPage();
    const errors = watchErrors(page);
    await asUser(page, fan.token);
    // The offer's mail links here, with the listing in the fragment.
    await page.goto(`${env.api.baseUrl}/resale.html#listing=${listed.body.id}`);
    await page.waitForSelector('#pay:not([hidden])', SLOW);
    expect(await textOf(page, '#listing')).toContain('You are next on the waitlist');
    expect(await page.isVisible('#pass')).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshots(page, 'resale-offered');
    await page.click('#pass');
    await page.waitForFunction(() => document.querySelector('#page-status')?.textContent?.includes('next fan'), SLOW);
    const [offer] = await env.infra.database.sql`select status from resale_offers where listing_id = ${listed.body.id}`;
    expect(offer!.status).toBe('passed');
    const [open] = await env.infra.database.sql`select open_at from resale_listings where id = ${listed.body.id}`;
    expect(open!.open_at).not.toBeNull();
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
