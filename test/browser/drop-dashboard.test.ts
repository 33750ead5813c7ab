import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admissionModule } from '../../src/waitingroom/scheduler.jobs.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { bulkAccounts } from '../support/sales.js';
import { queueSale, waitUntil } from '../support/waitingroom.js';
import { launch, screenshots, seriousViolations } from './browser.js';
import { asUser, watchErrors } from './session.js';

/** The organizer watches the live drop dashboard move while fans join, get drawn and are admitted. */
let env: TestEnv;
let browser: Browser;
let scheduler: { close(): Promise<void> } | undefined;
beforeAll(async () => {
  env = await createTestEnv({ QUEUE_TICK_MS: '250', AUTH_LIMIT_PER_IP: '100000', QUEUE_JOIN_LIMIT_PER_IP: '100000' });
  scheduler = await admissionModule().start(env.infra);
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await scheduler?.close();
  await env?.close();
});

const tile = (text: string, label: string) =>
  Number(new RegExp(`${label}([\\d,]+)`).exec(text)?.[1]?.replace(/,/g, '') ?? NaN);

describe('live drop dashboard', () => {
  it('shows entrants, the draw and admissions moving during a small drop, and pauses admission', async () => {
    const organizer = await signedIn(env, ['organizer']);
    // One fan a second for 60 fans: a minute of admissions, so a slow machine still pauses with
    // fans waiting and can see "admitted" rise again after Resume.
    const sale = await queueSale(env, organizer.userId, { startsInMs: 10_000, admitPerMinute: 60, gaCapacity: 100 });
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await asUser(page, organizer.token);
    await page.goto(`${env.api.baseUrl}/organizer.html?event=${sale.eventId}`);
    await page.waitForSelector('#drop-dashboard .tiles');

    const fans = await bulkAccounts(env.infra.database.db, 60);
    await Promise.all(fans.map((f) => env.api.post(`/v1/events/${sale.eventId}/queue`, undefined, { token: f.token })));
    await page.waitForFunction(() => /Entrants60/.test(document.querySelector('#drop-dashboard')?.textContent ?? ''));

    // The draw at the start, then admissions: the numbers climb while the organizer watches.
    await waitUntil(
      async () => tile((await page.textContent('#drop-dashboard')) ?? '', 'Admitted') >= 5,
      45_000,
      'admissions on the dashboard',
    );
    const moving = (await page.textContent('#drop-dashboard'))!;
    expect(tile(moving, 'Serving number')).toBeGreaterThanOrEqual(5);

    // Pause at once, while most fans still wait; the screenshots and the audit run while paused.
    await page.click('#drop-dashboard button:has-text("Pause admission")');
    await page.waitForSelector('#drop-dashboard button:has-text("Resume admission")');
    const pausedText = (await page.textContent('#drop-dashboard'))!;
    const paused = tile(pausedText, 'Admitted');
    expect(paused).toBeLessThan(60);
    expect(await page.locator('#drop-dashboard svg.spark').count()).toBe(3);
    await screenshots(page, 'organizer-drop-dashboard');
    expect(await seriousViolations(page)).toEqual([]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(tile((await page.textContent('#drop-dashboard'))!, 'Admitted')).toBe(paused);
    await page.click('#drop-dashboard button:has-text("Resume admission")');
    await waitUntil(
      async () => tile((await page.textContent('#drop-dashboard')) ?? '', 'Admitted') > paused,
      20_000,
      'admission to resume',
    );
    expect(errors).toEqual([]);
  });
});
