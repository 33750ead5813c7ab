import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSale } from '../support/commerce.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { uniqueEmail } from '../support/fixtures.js';
import { launch, screenshots, seriousViolations } from './browser.js';
import { textOf, watchErrors } from './session.js';

/** Pages say what went wrong in people's words: a missing event, a busy service, an address nothing answers. */

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

/** Words a page must never show a fan. */
const RAW = /request\.|discovery\.|Invalid |Too small|expected string|query\.|body\.|"code"/;

describe('an event that cannot be shown', () => {
  it('a mistyped or unknown id gets a real "can’t find" state, not an empty skeleton', async () => {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    for (const id of ['not-an-id', randomUUID(), '']) {
      await page.goto(`${env.api.baseUrl}/event.html?id=${id}`);
      await page.waitForSelector('#page-problem');
      expect(await textOf(page, 'h1'), id).toBe('We can’t find this event');
      expect(await page.title()).toBe('We can’t find this event — Fairdrop');
      expect(await textOf(page, '#page-problem'), id).toContain('The link may be mistyped');
      // No "Loading…", no lone "·" between a date and a place, no empty Tickets card.
      expect(await page.isHidden('p.meta'), id).toBe(true);
      expect(await page.isHidden('.grid'), id).toBe(true);
      expect(await page.locator('#page-problem a[href="/"]').count()).toBe(1);
      expect(await textOf(page, 'main')).not.toMatch(RAW);
    }
    await screenshots(page, 'event-not-found');
    expect(await seriousViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('a busy service says so, and the page comes back by itself when it answers again', async () => {
    const sale = await createSale(env, { seats: 0, gaCapacity: 5 });
    const page = await browser.newPage();
    // What the load balancer answers while every API node is saturated: a 503 without a body.
    await page.route(`**/v1/events/${sale.eventId}*`, (route) =>
      route.fulfill({ status: 503, body: '', headers: { 'retry-after': '1' } }),
    );
    await page.goto(`${env.api.baseUrl}/event.html?id=${sale.eventId}`);
    await page.waitForSelector('#page-problem');
    expect(await textOf(page, 'h1')).toBe('Fairdrop is very busy right now');
    expect(await textOf(page, '#page-problem')).toContain('tries again by itself');
    expect(await textOf(page, 'main')).not.toMatch(/not found|can’t find/i);
    expect(await seriousViolations(page)).toEqual([]);

    await page.unroute(`**/v1/events/${sale.eventId}*`);
    // The page polls every 5 s: the next answer brings the event back whole.
    await page.waitForSelector('#page-problem', { state: 'detached', timeout: 20_000 });
    expect(await textOf(page, 'h1')).toMatch(/^Show /);
    expect(await page.isVisible('p.meta')).toBe(true);
    expect(await page.isVisible('.grid')).toBe(true);
  });
});

describe('an address nothing answers', () => {
  it('shows the site’s 404 page with its header', async () => {
    const page = await browser.newPage();
    const res = await page.goto(`${env.api.baseUrl}/no/such/page`);
    expect(res?.status()).toBe(404);
    expect(await textOf(page, 'h1')).toBe('We can’t find that page');
    await page.waitForSelector('header.site nav a:has-text("Sign in")');
    expect(await page.locator('main a[href="/"]').count()).toBe(1);
    await screenshots(page, 'not-found');
    expect(await seriousViolations(page)).toEqual([]);
  });
});

describe('a refused form', () => {
  it('says what to fix in words beside the field, never the API’s rule text', async () => {
    const email = uniqueEmail('taken');
    expect(
      (await env.api.post('/v1/auth/register', { email, password: 'long enough pass', displayName: 'A' })).status,
    ).toBe(201);
    const page = await browser.newPage();
    await page.goto(`${env.api.baseUrl}/account.html`);
    await page.fill('#signin-email', email);
    await page.fill('#signin-password', 'not the password');
    await page.click('#signin button[type=submit]');
    await page.waitForSelector('#signin .status.bad');
    expect(await textOf(page, '#signin .status')).toBe(
      'That email address and password do not match an account. Check both and try again.',
    );

    await page.fill('#register-name', 'Second');
    await page.fill('#register-email', email);
    await page.fill('#register-password', 'another long passphrase');
    await page.click('#register button[type=submit]');
    await page.waitForSelector('#register .status.bad');
    expect(await textOf(page, '#register .status')).toBe(
      'An account with this email address already exists. Sign in instead, or use another address.',
    );
    expect(await textOf(page, 'main')).not.toMatch(RAW);
    expect(await seriousViolations(page)).toEqual([]);
  });
});
