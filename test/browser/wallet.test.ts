import { readFile } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSale } from '../support/commerce.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { buySeats } from '../support/tickets-fixtures.js';
import { appleKit, googleKit, unzip, verifyJwt } from '../support/wallet.js';
import { launch, screenshots, seriousViolations } from './browser.js';
import { asUser, watchErrors } from './session.js';

let env: TestEnv;
let browser: Browser;
const google = googleKit();
beforeAll(async () => {
  const apple = appleKit();
  env = await createTestEnv({
    AUTH_LIMIT_PER_IP: '100000',
    APPLE_PASS_TYPE_ID: apple.passTypeId,
    APPLE_TEAM_ID: apple.teamId,
    APPLE_PASS_CERT: apple.certPem,
    APPLE_PASS_KEY: apple.keyPem,
    APPLE_WWDR_CERT: apple.wwdrPem,
    GOOGLE_WALLET_ISSUER_ID: google.issuerId,
    GOOGLE_WALLET_SERVICE_ACCOUNT_EMAIL: google.email,
    GOOGLE_WALLET_PRIVATE_KEY: google.privateKeyPem,
  });
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await env?.close();
});

describe('wallet buttons on My tickets', () => {
  it('shows both buttons when configured; Apple downloads the holder’s .pkpass, Google opens a signed save link', async () => {
    const sale = await createSale(env, { seats: 4 });
    const fan = await signedIn(env);
    const { ticketIds } = await buySeats(env, sale, fan, 1);
    const ticketId = ticketIds[0]!;
    const page = await browser.newPage({ acceptDownloads: true });
    const errors = watchErrors(page);
    await asUser(page, fan.token);
    await page.goto(`${env.api.baseUrl}/tickets.html`);
    const card = `[data-ticket="${ticketId}"]`;
    await page.waitForSelector(`${card} .wallet-buttons`);
    expect(await page.textContent(`${card} .wallet-apple`)).toBe('Add to Apple Wallet');
    expect(await page.textContent(`${card} .wallet-google`)).toBe('Save to Google Wallet');
    await screenshots(page, 'tickets-wallet');
    expect(await seriousViolations(page)).toEqual([]);

    const [download] = await Promise.all([page.waitForEvent('download'), page.click(`${card} .wallet-apple`)]);
    expect(download.suggestedFilename()).toBe('ticket.pkpass');
    const files = await unzip(await readFile((await download.path())!));
    const pass = JSON.parse(files['pass.json']!.toString('utf8'));
    const [row] = await env.infra.database
      .sql`select id from wallet_passes where ticket_id = ${ticketId} and holder_id = ${fan.userId} and kind = 'apple'`;
    expect(pass.serialNumber).toBe(row!.id);
    await page.waitForSelector(`${card} .wallet-buttons .status.ok`);

    // Google's page is not reachable from here: the navigation is caught and answered locally.
    let opened = '';
    await page.route('https://pay.google.com/**', async (route) => {
      opened = route.request().url();
      await route.fulfill({ status: 200, contentType: 'text/html', body: '<title>Google Wallet</title>' });
    });
    await page.click(`${card} .wallet-google`);
    await page.waitForURL(/^https:\/\/pay\.google\.com\/gp\/v\/save\//);
    const { claims } = verifyJwt(opened.slice('https://pay.google.com/gp/v/save/'.length), google.publicKeyPem);
    expect(claims.payload.eventTicketObjects[0].ticketNumber).toBe(ticketId);
    expect(errors).toEqual([]);
  });

  it('shows no wallet button where the server has no wallet set up', async () => {
    const bare = await createTestEnv({ AUTH_LIMIT_PER_IP: '100000' });
    try {
      const sale = await createSale(bare, { seats: 2 });
      const fan = await signedIn(bare);
      const { ticketIds } = await buySeats(bare, sale, fan, 1);
      const page = await browser.newPage();
      await asUser(page, fan.token);
      // The page asks which wallets there are once its tickets are drawn; none here.
      const asked = page.waitForResponse((r) => r.url().endsWith('/v1/wallet'));
      await page.goto(`${bare.api.baseUrl}/tickets.html`);
      expect(await (await asked).json()).toEqual({ apple: false, google: false });
      await page.waitForSelector(`[data-ticket="${ticketIds[0]}"] .ticket-qr img[data-step]`);
      expect(await page.$$('.wallet-buttons')).toHaveLength(0);
      await page.close();
    } finally {
      await bare.close();
    }
  });
});
