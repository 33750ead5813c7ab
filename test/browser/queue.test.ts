import { eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orders } from '../../src/orders/orders.table.js';
import { admissionModule } from '../../src/waitingroom/scheduler.jobs.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn, uniqueEmail } from '../support/fixtures.js';
import { holdDirect, type SaleFixture } from '../support/commerce.js';
import { queueSale } from '../support/waitingroom.js';
import { launch, screenshots, seriousViolations } from './browser.js';

/**
 * The fan's waiting-room journey in a real browser: join before the start, the draw gives a
 * number, the page is told "your turn" with a pass, seats held with it, paid, guaranteed.
 */
let env: TestEnv;
let browser: Browser;
let scheduler: { close(): Promise<void> } | undefined;
beforeAll(async () => {
  env = await createTestEnv({ QUEUE_TICK_MS: '250', AUTH_LIMIT_PER_IP: '10000', QUEUE_JOIN_LIMIT_PER_IP: '10000' });
  scheduler = await admissionModule().start(env.infra);
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await scheduler?.close();
  await env?.close();
});

async function signUp(page: Page, name: string): Promise<void> {
  await page.goto(`${env.api.baseUrl}/account.html`);
  await page.fill('#register-name', name);
  await page.fill('#register-email', uniqueEmail('queue'));
  await page.fill('#register-password', 'a long enough passphrase');
  await page.click('#register button[type=submit]');
  await page.waitForSelector('#signed-in:not([hidden])');
}

describe('the waiting room page', () => {
  it('joins, shows the draw and the number, alerts when admitted, and the pass buys seats that end guaranteed', async () => {
    const organizer = await signedIn(env, ['organizer']);
    const sale = await queueSale(env, organizer.userId, { startsInMs: 6_000, admitPerMinute: 600, gaCapacity: 20 });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await signUp(page, 'Queue Fan');

    await page.goto(`${env.api.baseUrl}/queue.html?event=${sale.eventId}`);
    await page.waitForSelector('#join:not([hidden])');
    expect(await page.textContent('#step-prequeue')).toContain('Waiting room');
    expect(await page.getAttribute('#step-prequeue', 'aria-current')).toBe('step');
    expect(await page.textContent('#commitment')).toMatch(/^[0-9a-f]{64}$/);
    await screenshots(page, 'queue-before');
    expect(await seriousViolations(page)).toEqual([]);
    await page.click('#join-button');
    await page.waitForFunction(() => document.querySelector('#where')?.textContent?.includes('You are in'));

    // A reload keeps the place: the server is the memory, not the tab.
    await page.reload();
    await page.waitForFunction(() => document.querySelector('#where')?.textContent?.includes('You are in'));

    // The draw at sale start, then admission: the page is told without polling.
    await page.waitForSelector('#admitted:not([hidden])', { timeout: 30_000 });
    expect(await page.textContent('#where')).toContain("It's your turn");
    expect(await page.getAttribute('#step-admitted', 'aria-current')).toBe('step');
    expect(await page.textContent('#seed')).toMatch(/^[0-9a-f]{64}$/); // revealed after the draw
    expect(await page.textContent('#token-countdown')).toContain('Your pass expires');
    await screenshots(page, 'queue-admitted');
    expect(await seriousViolations(page)).toEqual([]);

    await page.click('#choose-seats');
    await page.waitForSelector('#buy:not([hidden])');
    expect(await page.textContent('#pass-note')).toContain('Your pass from the waiting room');
    await page.selectOption('#tier', sale.gaTierId);
    await page.fill('#quantity', '2');
    await page.click('#buy button[type=submit]');
    await page.waitForURL(/checkout/);
    await page.fill('#att-name-0', 'Ada');
    await page.fill('#att-email-0', 'ada@example.test');
    await page.fill('#att-name-1', 'Grace');
    await page.fill('#att-email-1', 'grace@example.test');
    await page.fill('#card', '4242 4242 4242 4242');
    await page.fill('#exp', '12/34');
    await page.fill('#cvc', '123');
    await page.click('#pay-button');
    await page.waitForSelector('#confirmation:not([hidden]) h2');
    expect(await page.textContent('#confirmation h2')).toBe('Your tickets are guaranteed');
    const orderId = (await page.textContent('#confirmation code'))!;
    const [order] = await env.infra.database.db.select().from(orders).where(eq(orders.id, orderId));
    expect(order).toMatchObject({ status: 'captured', eventId: sale.eventId });
    expect(errors).toEqual([]);
  });

  it('tells a waiting fan when everything is taken, instead of leaving them waiting', async () => {
    const organizer = await signedIn(env, ['organizer']);
    const sale = await queueSale(env, organizer.userId, { startsInMs: 5_000, admitPerMinute: 600, gaCapacity: 1, layout: 'section A rows 1-1 seats 1-2' });
    const page = await browser.newPage();
    await signUp(page, 'Hopeful Fan');
    await page.goto(`${env.api.baseUrl}/queue.html?event=${sale.eventId}`);
    await page.waitForSelector('#join:not([hidden])');
    await page.click('#join-button');
    await page.waitForFunction(() => document.querySelector('#where')?.textContent?.includes('You are in'));
    // Every place is taken (held by others, the way the sales core holds) before this fan's turn.
    const other = await signedIn(env);
    const fixture = { eventId: sale.eventId, seatedTierId: sale.reservedTierId, gaTierId: sale.gaTierId, priceCents: 5000, feeCents: 450, currency: 'EUR' } as SaleFixture;
    await holdDirect(env, fixture, other.userId, { seatIds: sale.seatIds });
    await holdDirect(env, fixture, other.userId, { quantity: 1 });
    await page.waitForFunction(() => document.querySelector('#where')?.textContent?.includes('Sold out'), undefined, { timeout: 30_000 });
    expect(await page.isHidden('#admitted')).toBe(true);
    await screenshots(page, 'queue-soldout');
    expect(await seriousViolations(page)).toEqual([]);
  });
});
