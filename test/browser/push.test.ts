import type { Browser } from 'playwright-core';
import { eq } from 'drizzle-orm';
import webpush from 'web-push';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notificationPreferences } from '../../src/notifications/push.table.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { launch, screenshots, seriousViolations } from './browser.js';
import { asUser, textOf, watchErrors } from './session.js';

/**
 * The account page's "When it's your turn" section in Chromium: the service worker registers,
 * the page asks for a push subscription with the server's VAPID key, the channel choices are
 * saved; and web/sw.js, given a push message, shows it as a notification.
 */

const vapid = webpush.generateVAPIDKeys();
let env: TestEnv;
let browser: Browser;
beforeAll(async () => {
  env = await createTestEnv({ VAPID_PUBLIC_KEY: vapid.publicKey, VAPID_PRIVATE_KEY: vapid.privateKey });
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await env?.close();
});

describe('notifications on the account page', () => {
  it('turns this device on (as far as headless Chromium has a push service), saves the channels, shows a push', async () => {
    const fan = await env.api.register(`push.${Date.now()}@example.test`, 'correct horse battery', 'Push Fan');
    const context = await browser.newContext();
    await context.grantPermissions(['notifications'], { origin: env.api.baseUrl });
    const page = await context.newPage();
    // Chromium logs why it refused the subscription (a context without a profile has no Push API).
    const errors = watchErrors(page, /status of (400|403|404|409|422)|does not support the Push API in incognito/);
    await asUser(page, fan.token);
    await page.goto(`${env.api.baseUrl}/account.html`);
    await page.waitForSelector('#turn-device-on:not([hidden])', { timeout: 30_000 });
    expect(await textOf(page, '#turn-device-note')).toBe('This device does not show notifications yet.');
    expect(await page.isChecked('#turn-push')).toBe(true);
    expect(await page.isChecked('#turn-email')).toBe(true);
    await screenshots(page, 'account-turn-alerts');
    expect(await seriousViolations(page)).toEqual([]);

    await page.click('#turn-device-on');
    await page.waitForSelector('#turn-status.status.ok, #turn-status.status.bad', { timeout: 30_000 });
    const outcome = await textOf(page, '#turn-status');
    // Headless Chromium has no push service to subscribe with: the page then says so in words and
    // saves nothing. Where one exists, the subscription is saved for this account.
    const saved = await env.api.get('/v1/me/push-subscriptions', { token: fan.token });
    if (outcome.startsWith('Done')) expect(saved.body.subscriptions).toHaveLength(1);
    else {
      expect(outcome).toBe("We couldn't turn on notifications on this device. Try again in a moment.");
      expect(saved.body.subscriptions).toHaveLength(0);
    }
    const registered = await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.getRegistration('/');
      return reg?.active?.scriptURL ?? reg?.installing?.scriptURL ?? reg?.waiting?.scriptURL ?? null;
    });
    expect(registered).toBe(`${env.api.baseUrl}/sw.js`);

    await page.uncheck('#turn-email');
    await page.waitForSelector('#turn-status.status.ok', { timeout: 30_000 });
    const [prefs] = await env.infra.database.db
      .select()
      .from(notificationPreferences)
      .where(eq(notificationPreferences.userId, fan.userId));
    expect(prefs).toMatchObject({ turnPush: true, turnEmail: false });

    // A push message delivered to the service worker (DevTools protocol) becomes a notification.
    const cdp = await context.newCDPSession(page);
    const registrations: { registrationId: string; scopeURL: string }[] = [];
    cdp.on(
      'ServiceWorker.workerRegistrationUpdated',
      (e: { registrations: { registrationId: string; scopeURL: string }[] }) => registrations.push(...e.registrations),
    );
    await cdp.send('ServiceWorker.enable');
    await page.waitForFunction(() => navigator.serviceWorker.ready.then(() => true));
    const deadline = Date.now() + 10_000;
    while (registrations.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await cdp.send('ServiceWorker.deliverPushMessage', {
      origin: env.api.baseUrl,
      registrationId: registrations[0]!.registrationId,
      data: JSON.stringify({
        title: "It's your turn: Test Night",
        body: 'You can buy tickets now.',
        url: '/queue.html?event=x',
        tag: 'turn-x',
        kind: 'queue.your_turn',
      }),
    });
    let shown: { title: string; body: string; url: string } | null = null;
    const until = Date.now() + 15_000;
    while (!shown && Date.now() < until) {
      shown = await page.evaluate(async () => {
        const reg = await navigator.serviceWorker.ready;
        const [first] = await reg.getNotifications();
        return first ? { title: first.title, body: first.body, url: (first.data as { url: string }).url } : null;
      });
      if (!shown) await new Promise((r) => setTimeout(r, 100));
    }
    expect(shown).toEqual({
      title: "It's your turn: Test Night",
      body: 'You can buy tickets now.',
      url: '/queue.html?event=x',
    });
    expect(errors).toEqual([]);
    await context.close();
  });
});
