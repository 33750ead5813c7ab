import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { uniqueEmail } from '../support/fixtures.js';
import { verificationToken } from '../support/mail.js';
import { launch, screenshots, seriousViolations } from './browser.js';

/**
 * The verification page as the mailbox's owner meets it: it says whose account the link is
 * for and confirms nothing until asked; "This wasn't me" takes the address off a stranger's
 * account.
 */

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
const accountRow = async (userId: string) =>
  (await sql()`select email, email_verified_at from users where id = ${userId}`)[0]!;

async function register(email: string, displayName: string) {
  const res = await env.api.post('/v1/auth/register', { email, password: 'a long enough passphrase', displayName });
  expect(res.status).toBe(201);
  return { token: res.body.token as string, userId: res.body.user.id as string };
}

/** Opens the mailed link in a fresh page; returns the page and the errors it logs. */
async function openLink(token: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(`${env.api.baseUrl}/verify-email.html#token=${token}`);
  return { page, errors };
}

describe('verify-email page', () => {
  it("shows whose account the link is for, confirms nothing on its own, and releases the address on “This wasn't me”", async () => {
    const address = uniqueEmail('mailbox');
    const squatter = await register(address, 'Mallory Mallet');
    const { page, errors } = await openLink(await verificationToken(env, squatter.userId));
    await page.waitForSelector('#whose:not([hidden])');
    expect(await page.textContent('#whose-name')).toBe('Mallory Mallet');
    expect(await page.textContent('#whose-email')).toBe(address);
    expect(await page.textContent('#whose-created')).not.toBe('');
    // The token left the address bar, and opening the link confirmed nothing.
    expect(new URL(page.url()).hash).toBe('');
    expect((await accountRow(squatter.userId)).email_verified_at).toBe(null);
    await screenshots(page, 'verify-email-ask');
    expect(await seriousViolations(page)).toEqual([]);

    await page.click('#decline');
    await page.waitForFunction(() =>
      /no longer that account/.test(document.querySelector('#result')?.textContent ?? ''),
    );
    expect(await page.isHidden('#whose')).toBe(true);
    await screenshots(page, 'verify-email-declined');
    expect(await seriousViolations(page)).toEqual([]);
    expect(await accountRow(squatter.userId)).toEqual({
      email: `released.${squatter.userId}@fairdrop.invalid`,
      email_verified_at: null,
    });
    expect((await env.api.get('/v1/me', { token: squatter.token })).body.code).toBe('auth.session_invalid');
    // The owner registers with their address.
    expect(
      (await env.api.post('/v1/auth/register', { email: address, password: 'my own passphrase', displayName: 'Me' }))
        .status,
    ).toBe(201);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('confirms my own account when I say it is mine', async () => {
    const me = await register(uniqueEmail('owner'), 'Browser Fan');
    const { page, errors } = await openLink(await verificationToken(env, me.userId));
    await page.waitForSelector('#whose:not([hidden])');
    expect(await page.textContent('#whose-name')).toBe('Browser Fan');
    await page.click('#confirm');
    await page.waitForFunction(() =>
      /your email is confirmed/.test(document.querySelector('#result')?.textContent ?? ''),
    );
    expect((await accountRow(me.userId)).email_verified_at).not.toBe(null);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('says so when the link is not valid, and offers no choice', async () => {
    const { page } = await openLink('fdv_this-is-not-a-live-token');
    await page.waitForFunction(() => document.querySelector('#result')?.classList.contains('bad'));
    expect(await page.textContent('#result')).toMatch(/confirmation link has expired or was already used/);
    expect(await page.isHidden('#whose')).toBe(true);
    await page.close();
  });
});
