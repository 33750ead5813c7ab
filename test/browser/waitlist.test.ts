import { sql } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSale, holdDirect, idem } from '../support/commerce.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { launch, screenshots, seriousViolations } from './browser.js';
import { asUser, textOf, watchErrors } from './session.js';

/** The waitlist in Chromium: the event page after sell-out (join, place in line, the offer), then the console. */
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

describe('event page waitlist', () => {
  it('a fan joins the waitlist of a sold-out event, sees their number, then the ticket offered to them', async () => {
    const sale = await createSale(env, { seats: 1, gaCapacity: 0 });
    const [fan, buyer] = [await signedIn(env), await signedIn(env)];
    const holdId = await holdDirect(env, sale, buyer.userId, { seatIds: sale.seatIds });

    const page = await browser.newPage();
    const errors = watchErrors(page);
    await asUser(page, fan.token);
    await page.goto(`${env.api.baseUrl}/event.html?id=${sale.eventId}`);
    await page.waitForSelector('#waitlist-join', SLOW);
    expect(await textOf(page, '#waitlist')).toContain('Sold out, but tickets may come back');
    expect(await seriousViolations(page)).toEqual([]);

    await page.click('#waitlist-join');
    await page.waitForSelector('#waitlist-leave', SLOW);
    expect(await textOf(page, '#waitlist')).toContain('You are number 1 on the waitlist (1 waiting)');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshots(page, 'waitlist-joined');
    const rows = await env.infra.database.db.execute<{ user_id: string; state: string }>(
      sql`select user_id, state from waitlist_entries where event_id = ${sale.eventId}`,
    );
    expect([...rows]).toEqual([{ user_id: fan.userId, state: 'waiting' }]);

    // The buyer lets the seat go: it is offered to the fan, whose page then links to the checkout.
    const released = await env.api.delete(`/v1/holds/${holdId}`, {
      token: buyer.token,
      headers: { 'idempotency-key': idem() },
    });
    expect(released.status).toBe(200);
    await page.reload();
    await page.waitForSelector('#waitlist a.button', SLOW);
    expect(await textOf(page, '#waitlist')).toMatch(/A ticket came back and is held for you until/);
    const offer = await env.api.get(`/v1/events/${sale.eventId}/waitlist/me`, { token: fan.token });
    expect(await page.getAttribute('#waitlist a.button', 'href')).toBe(`/checkout.html?hold=${offer.body.holdId}`);
    expect(await seriousViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();

    // The organizer's console shows the line: counts and the entry with its state.
    const console = await browser.newPage();
    const consoleErrors = watchErrors(console);
    await asUser(console, sale.organizer.token);
    await console.goto(`${env.api.baseUrl}/organizer.html?event=${sale.eventId}`);
    await console.waitForSelector('#waitlist-counts', SLOW);
    expect(await textOf(console, '#waitlist-counts')).toContain('0 waiting · 1 with a ticket offered');
    expect(await textOf(console, '#waitlist-panel tbody')).toContain('Ticket offered');
    expect(await seriousViolations(console)).toEqual([]);
    await screenshots(console, 'waitlist-console');
    expect(consoleErrors).toEqual([]);
    await console.close();
  }, 120_000);
});
