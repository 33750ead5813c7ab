import { eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { holds } from '../../src/sales/holds.table.js';
import { createSale } from '../support/commerce.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { uniqueEmail } from '../support/fixtures.js';
import { launch, screenshots, seriousViolations } from './browser.js';
import { asUser, textOf, watchErrors } from './session.js';

/** Signing in from a page that needed it brings the fan back there, and only ever to this site. */

let env: TestEnv;
let browser: Browser;
const password = 'a long enough passphrase';
beforeAll(async () => {
  env = await createTestEnv();
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await env?.close();
});

async function account(name: string) {
  const email = uniqueEmail('return');
  const res = await env.api.post('/v1/auth/register', { email, password, displayName: name });
  expect(res.status).toBe(201);
  return { email, userId: res.body.user.id as string, token: res.body.token as string };
}

async function signIn(page: Page, email: string): Promise<void> {
  await page.fill('#signin-email', email);
  await page.fill('#signin-password', password);
  await page.click('#signin button[type=submit]');
}

describe('signing in on the way to tickets', () => {
  it('"Hold these tickets" while signed out asks to sign in, then returns to the event and holds', async () => {
    const sale = await createSale(env, { seats: 0, gaCapacity: 10 });
    const fan = await account('Returning Fan');
    const page = await browser.newPage();
    const errors = watchErrors(page);
    const eventUrl = `/event.html?id=${sale.eventId}`;
    await page.goto(`${env.api.baseUrl}${eventUrl}`);
    await page.waitForSelector('#buy:not([hidden])');
    await page.fill('#quantity', '1');
    await page.click('#buy button[type=submit]');

    await page.waitForURL(/\/account\.html\?next=/);
    expect(new URL(page.url()).searchParams.get('next')).toBe(eventUrl);
    await page.waitForSelector('#next-note:not([hidden])');
    expect(await textOf(page, '#next-note')).toContain('take you straight back');
    await screenshots(page, 'account-next');
    expect(await seriousViolations(page)).toEqual([]);

    await signIn(page, fan.email);
    await page.waitForURL((url) => url.pathname === '/event.html' && url.search === `?id=${sale.eventId}`);
    // Back on the event, signed in: the header names the fan and the hold goes through.
    await page.waitForSelector('header.site nav a:has-text("Returning Fan")');
    await page.waitForSelector('#buy:not([hidden])');
    await page.fill('#quantity', '1');
    await page.click('#buy button[type=submit]');
    await page.waitForURL(/\/checkout\.html\?hold=/);
    const holdId = new URL(page.url()).searchParams.get('hold')!;
    const [hold] = await env.infra.database.db.select().from(holds).where(eq(holds.id, holdId));
    expect(hold).toMatchObject({ userId: fan.userId, eventId: sale.eventId, status: 'active' });
    expect(errors).toEqual([]);
  });

  it('signing in on the account page swaps the forms for the account and updates the header, no reload', async () => {
    const fan = await account('Header Fan');
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await page.goto(`${env.api.baseUrl}/account.html`);
    await page.waitForSelector('header.site nav a:has-text("Sign in")');
    expect(await page.isHidden('#next-note')).toBe(true);
    // A marker on the window survives only if the page is not reloaded.
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));

    await signIn(page, fan.email);
    await page.waitForSelector('#signed-in:not([hidden])');
    await page.waitForSelector('header.site nav a:has-text("Header Fan")');
    expect(await page.isHidden('#signin-forms')).toBe(true);
    expect(await page.locator('header.site nav a', { hasText: 'Sign in' }).count()).toBe(0);
    expect(await page.locator('header.site nav a', { hasText: 'My tickets' }).count()).toBe(1);
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
    expect(await seriousViolations(page)).toEqual([]);

    await page.click('#signout');
    await page.waitForSelector('#signin-forms:not([hidden])');
    await page.waitForSelector('header.site nav a:has-text("Sign in")');
    expect(await page.isHidden('#signed-in')).toBe(true);
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);

    // A fan who registers gets the same.
    await page.fill('#register-name', 'New Fan');
    await page.fill('#register-email', uniqueEmail('new'));
    await page.fill('#register-password', password);
    await page.click('#register button[type=submit]');
    await page.waitForSelector('header.site nav a:has-text("New Fan")');
    expect(await page.isHidden('#signin-forms')).toBe(true);
    expect(errors).toEqual([]);
  });

  it('never sends the fan to another site, whatever next says', async () => {
    const fan = await account('Careful Fan');
    for (const next of [
      '//evil.example/phish',
      'https://evil.example/phish',
      '/\\evil.example/phish',
      'javascript:alert(1)',
    ]) {
      const page = await browser.newPage();
      await page.goto(`${env.api.baseUrl}/account.html?next=${encodeURIComponent(next)}`);
      expect(await page.isHidden('#next-note'), next).toBe(true);
      await signIn(page, fan.email);
      await page.waitForSelector('#signed-in:not([hidden])');
      const url = new URL(page.url());
      expect(url.origin, next).toBe(env.api.baseUrl);
      expect(url.pathname, next).toBe('/account.html');
      await page.close();
    }
    // A path that normalises to `//host` stays a path on this site, never a link to that host.
    const page = await browser.newPage();
    await page.goto(`${env.api.baseUrl}/account.html?next=${encodeURIComponent('/.//evil.example/phish')}`);
    await signIn(page, fan.email);
    await page.waitForURL((url) => url.pathname !== '/account.html');
    expect(new URL(page.url()).origin).toBe(env.api.baseUrl);
  });

  it('"Sign in" in the header of any page comes back to that page, search and all', async () => {
    const fan = await account('Header Return Fan');
    const page = await browser.newPage();
    await page.goto(`${env.api.baseUrl}/?q=show&sort=date`);
    await page.waitForSelector('#search-status:not(.busy):not(:empty)');
    await page.click('header.site nav a:has-text("Sign in")');
    await page.waitForURL(/\/account\.html\?next=/);
    await signIn(page, fan.email);
    await page.waitForURL((url) => url.pathname === '/' && url.search === '?q=show&sort=date');
    await page.waitForSelector('header.site nav a:has-text("Header Return Fan")');
    expect(await page.inputValue('#q')).toBe('show');
  });

  it('already signed in, the account page goes straight on to next', async () => {
    const fan = await account('Signed Fan');
    const page = await browser.newPage();
    await asUser(page, fan.token);
    await page.goto(`${env.api.baseUrl}/account.html?next=${encodeURIComponent('/tickets.html')}`);
    await page.waitForURL((url) => url.pathname === '/tickets.html');
  });
});
