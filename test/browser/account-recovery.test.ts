import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { uniqueEmail } from '../support/fixtures.js';
import { mailText } from '../support/mail.js';
import { launch, screenshots, seriousViolations } from './browser.js';
import { asUser, textOf, watchErrors } from './session.js';

/**
 * Getting back into an account, as a fan does it in Chromium: "Forgot your password?" on the
 * sign-in form, the mailed link, a new password, signing in with it; and moving the account
 * to a new address from the account page, confirmed from the link mailed there.
 */

const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'my brand new passphrase';
/** Refusals the pages show in words; Chromium logs each failed load as a console error. */
const SHOWN = /status of (400|401|403|404|409|422)/;

let env: TestEnv;
let browser: Browser;
beforeAll(async () => {
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '100000' });
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await env?.close();
});

const sql = () => env.infra.database.sql;

/** The mailed link, opened on the test's server: its path and fragment, as the fan's click would. */
async function mailedLink(kind: string, to: string): Promise<string> {
  const link = /https?:\/\/\S+#token=[\w-]+/.exec(await mailText(env, kind, to))?.[0];
  if (!link) throw new Error(`no link in the ${kind} mail to ${to}`);
  const url = new URL(link);
  return `${env.api.baseUrl}${url.pathname}${url.hash}`;
}

const waitForStatus = (page: Page, selector: string, kind: 'ok' | 'bad') =>
  page.waitForSelector(`${selector}.status.${kind}`, { timeout: 30_000 });

describe('account recovery pages', () => {
  it('forgot password → mail link → new password → sign in; the old session ends', async () => {
    const email = uniqueEmail('forgetful');
    const { token: oldToken, userId } = await env.api.register(email, PASSWORD, 'Forgetful Fan');
    const page = await browser.newPage();
    const errors = watchErrors(page, SHOWN);

    await page.goto(`${env.api.baseUrl}/account.html`);
    await page.click('text=Forgot your password?');
    await page.waitForURL(/\/reset-password\.html$/);
    expect(await page.isVisible('#request-section')).toBe(true);
    expect(await page.isHidden('#choose-section')).toBe(true);
    await screenshots(page, 'reset-password-request');
    expect(await seriousViolations(page)).toEqual([]);

    await page.fill('#request-email', email);
    await page.click('#request button[type=submit]');
    await waitForStatus(page, '#request p', 'ok');
    expect(await textOf(page, '#request .status')).toContain(`We sent a mail to ${email}`);

    // The mail's link opens the second step; the token leaves the address bar at once.
    await page.goto(await mailedLink('auth.password_reset', email));
    await page.waitForSelector('#choose-section:not([hidden])');
    expect(new URL(page.url()).hash).toBe('');
    expect(await page.isHidden('#request-section')).toBe(true);
    await screenshots(page, 'reset-password-choose');
    expect(await seriousViolations(page)).toEqual([]);

    // The API's own rule, said beside the field (the browser's minlength is bypassed to reach it).
    await page.locator('#choose-password').evaluate((el: HTMLInputElement) => el.removeAttribute('minlength'));
    await page.fill('#choose-password', 'short');
    await page.click('#choose button[type=submit]');
    await waitForStatus(page, '#choose p', 'bad');
    expect(await textOf(page, '#choose .field-error')).toMatch(/10 characters/);
    expect(await textOf(page, '#choose .status')).not.toMatch(/request\.|body\.|password_/);

    await page.fill('#choose-password', NEW_PASSWORD);
    await page.click('#choose button[type=submit]');
    await page.waitForSelector('#done-section:not([hidden])');
    expect(await textOf(page, '#done-text')).toContain(`Sign in again as ${email}`);
    await screenshots(page, 'reset-password-done');
    expect(await seriousViolations(page)).toEqual([]);
    expect((await env.api.get('/v1/me', { token: oldToken })).status).toBe(401);

    await page.click('text=Sign in with your new password');
    await page.waitForURL(/\/account\.html$/);
    await page.fill('#signin-email', email);
    await page.fill('#signin-password', NEW_PASSWORD);
    await page.click('#signin button[type=submit]');
    await page.waitForSelector('#signed-in:not([hidden])', { timeout: 30_000 });
    expect(await textOf(page, '#who')).toContain('Forgetful Fan');
    const [row] = await sql()`select count(*)::int as n from sessions where user_id = ${userId}`;
    expect(row!.n).toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a used link says so in words and offers to send a new one', async () => {
    const email = uniqueEmail('twice');
    await env.api.register(email, PASSWORD);
    expect((await env.api.post('/v1/auth/password-reset', { email })).status).toBe(202);
    const link = await mailedLink('auth.password_reset', email);
    const token = new URL(link).hash.replace('#token=', '');
    expect((await env.api.post('/v1/auth/password-reset/confirm', { token, password: NEW_PASSWORD })).status).toBe(200);

    const page = await browser.newPage();
    const errors = watchErrors(page, SHOWN);
    await page.goto(link);
    await page.fill('#choose-password', 'another long passphrase');
    await page.click('#choose button[type=submit]');
    await waitForStatus(page, '#choose p', 'bad');
    expect(await textOf(page, '#choose .status')).toMatch(/expired or was already used\. Ask for a new one below/);
    expect(await textOf(page, '#choose .status')).not.toMatch(/token|auth\./);
    expect(await page.isVisible('#request-section')).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('changes the address from the account page; the link mailed to the new address confirms it', async () => {
    const email = uniqueEmail('mover');
    const { token, userId } = await env.api.register(email, PASSWORD, 'Moving Fan');
    const page = await browser.newPage();
    const errors = watchErrors(page, SHOWN);
    await asUser(page, token);
    await page.goto(`${env.api.baseUrl}/account.html`);
    await page.waitForSelector('#signed-in:not([hidden])');

    const next = uniqueEmail('new-home');
    await page.fill('#email-change-email', next);
    await page.fill('#email-change-password', 'not my password');
    await page.click('#email-change button[type=submit]');
    await waitForStatus(page, '#email-change p', 'bad');
    expect(await textOf(page, '#email-change .field-error')).toBe('This is not your current password.');

    await page.fill('#email-change-password', PASSWORD);
    await page.click('#email-change button[type=submit]');
    await waitForStatus(page, '#email-change p', 'ok');
    expect(await textOf(page, '#email-change .status')).toContain(`Check ${next}`);
    await screenshots(page, 'account-email-change');
    expect(await seriousViolations(page)).toEqual([]);
    expect((await sql()`select email from users where id = ${userId}`)[0]!.email).toBe(email);

    const confirm = await browser.newPage();
    const confirmErrors = watchErrors(confirm, SHOWN);
    await confirm.goto(await mailedLink('auth.email_change_confirm', next));
    await confirm.waitForSelector('#confirm');
    expect(new URL(confirm.url()).hash).toBe('');
    // Opening the link changed nothing: the reader confirms.
    expect((await sql()`select email from users where id = ${userId}`)[0]!.email).toBe(email);
    await screenshots(confirm, 'confirm-email-ask');
    expect(await seriousViolations(confirm)).toEqual([]);
    await confirm.click('#confirm');
    await waitForStatus(confirm, '#result', 'ok');
    expect(await textOf(confirm, '#result')).toBe(`Done: your account now uses ${next}. Sign in with it from now on.`);
    expect(await confirm.isHidden('#ask')).toBe(true);
    await screenshots(confirm, 'confirm-email-done');
    expect(await seriousViolations(confirm)).toEqual([]);
    const [changed] = await sql()`select email, email_verified_at from users where id = ${userId}`;
    expect(changed!.email).toBe(next);
    expect(changed!.email_verified_at).not.toBe(null);

    await page.reload();
    await page.waitForSelector('#signed-in:not([hidden])');
    expect(await textOf(page, '#who')).toContain(next);
    expect(errors).toEqual([]);
    expect(confirmErrors).toEqual([]);
    await page.close();
    await confirm.close();
  });
});
