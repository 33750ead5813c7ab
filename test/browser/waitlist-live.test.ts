import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outboxDispatcher } from '../../src/notifications/dispatcher.js';
import { createSale, holdDirect, idem } from '../support/commerce.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { launch, screenshots, seriousViolations } from './browser.js';
import { asUser, textOf, watchErrors } from './session.js';

/**
 * A waitlist offer reaches the fan's open event page at once (issue #19, part 2): the page
 * listens on the realtime gateway, and when a place comes back the box shows the offer, its
 * checkout link and the time left counting down, without a reload.
 */
let env: TestEnv;
let browser: Browser;
let dataDir: string;
const running: { close(): Promise<void> }[] = [];
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'fd-waitlist-live-'));
  // The outbox dispatcher pushes the offer's notice to the page's socket, as the worker does in production.
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '10000', DATA_DIR: dataDir, OUTBOX_POLL_MS: '100' });
  running.push(await outboxDispatcher.start(env.infra));
  browser = await launch();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  for (const r of running) await r.close();
  await env?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const SLOW = { timeout: 30_000 };

describe('event page waitlist, live', () => {
  it('shows the ticket offered to the waiting fan the moment a place comes back, counting down, without a reload', async () => {
    const sale = await createSale(env, { seats: 1, gaCapacity: 0 });
    const [fan, buyer] = [await signedIn(env), await signedIn(env)];
    const holdId = await holdDirect(env, sale, buyer.userId, { seatIds: sale.seatIds });

    const page = await browser.newPage();
    const errors = watchErrors(page);
    await asUser(page, fan.token);
    await page.goto(`${env.api.baseUrl}/event.html?id=${sale.eventId}`);
    await page.waitForSelector('#waitlist-join', SLOW);
    await page.click('#waitlist-join');
    await page.waitForSelector('#waitlist-leave', SLOW);
    expect(await textOf(page, '#waitlist')).toContain('You are number 1 on the waitlist');
    // Marks this document: a reload would make a new one without the mark.
    await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));

    const released = await env.api.delete(`/v1/holds/${holdId}`, {
      token: buyer.token,
      headers: { 'idempotency-key': idem() },
    });
    expect(released.status).toBe(200);
    await page.waitForSelector('#waitlist a.button', SLOW);
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
    const offer = await env.api.get(`/v1/events/${sale.eventId}/waitlist/me`, { token: fan.token });
    expect(offer.body.state).toBe('offered');
    expect(await page.getAttribute('#waitlist a.button', 'href')).toBe(`/checkout.html?hold=${offer.body.holdId}`);
    expect(await textOf(page, '#waitlist')).toMatch(
      /A ticket came back and is held for you until .+ \(\d+:\d\d left\)/,
    );
    expect(await textOf(page, '#waitlist-status')).toBe('A ticket came back for you: it is held for you now.');

    // The countdown runs: ten minutes, less each second.
    const first = await textOf(page, '#waitlist-countdown');
    expect(first).toMatch(/^(10:00|9:[0-5]\d)$/);
    await page.waitForFunction(
      (shown) => document.querySelector('#waitlist-countdown')?.textContent !== shown,
      first,
      SLOW,
    );
    expect(await seriousViolations(page)).toEqual([]);
    await screenshots(page, 'waitlist-offer-live');
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
