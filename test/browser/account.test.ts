import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

describe('account page', () => {
  it('registers, shows the account, signs out; accessible and responsive', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(`${env.api.baseUrl}/account.html`);
    await screenshots(page, 'account');
    expect(await seriousViolations(page)).toEqual([]);

    const email = uniqueEmail('browser');
    await page.fill('#register-name', 'Browser Fan');
    await page.fill('#register-email', email);
    await page.fill('#register-password', 'short');
    await page.click('#register button[type=submit]');
    // The browser's own validation stops a short password before the API sees it.
    expect(await page.locator('#register-password').evaluate((el: HTMLInputElement) => el.validity.valid)).toBe(false);

    await page.fill('#register-password', 'a long enough passphrase');
    await page.click('#register button[type=submit]');
    await page.waitForSelector('#signed-in:not([hidden])');
    expect(await page.textContent('#who')).toContain('Browser Fan');
    await page.reload();
    await page.waitForSelector('#signed-in:not([hidden])'); // the session survives a reload
    await page.waitForSelector('#sessions li:has-text("(this device)")');

    // Another device signs in: the page lists it, and signs it out.
    const phone = await env.api.post(
      '/v1/auth/login',
      { email, password: 'a long enough passphrase' },
      { headers: { 'user-agent': 'Mozilla/5.0 (Android 14; Mobile; rv:126.0) Gecko/126.0 Firefox/126.0' } },
    );
    expect(phone.status).toBe(200);
    await page.reload();
    await page.waitForSelector('#sessions li:has-text("Firefox on Android")');
    await screenshots(page, 'account-sessions');
    expect(await seriousViolations(page)).toEqual([]);
    await page.click('#sessions li:has-text("Firefox on Android") button');
    await page.waitForSelector('#sessions li:has-text("Firefox on Android")', { state: 'detached' });
    expect((await env.api.get('/v1/me', { token: phone.body.token })).body.code).toBe('auth.session_invalid');
    expect(await page.locator('#sessions li').count()).toBe(1);

    await page.click('#signout');
    await page.waitForSelector('#signed-in[hidden]', { state: 'attached' });
    expect(errors).toEqual([]);
  });
});
