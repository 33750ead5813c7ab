import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admissionModule } from '../../src/waitingroom/scheduler.jobs.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn, signedInVerified } from '../support/fixtures.js';
import { queueSale, waitUntil } from '../support/waitingroom.js';
import { launch, screenshots, seriousViolations } from './browser.js';
import { asUser, textOf, watchErrors } from './session.js';

/**
 * "Verify the draw" on the waiting room page: the fan's browser recomputes the published draw
 * with the check `npm run verify-lottery` runs, and says in words whether it matches; a draw
 * whose published numbers were changed afterwards is called out.
 */
let env: TestEnv;
let browser: Browser;
let scheduler: { close(): Promise<void> } | undefined;
beforeAll(async () => {
  env = await createTestEnv({ QUEUE_TICK_MS: '250', AUTH_LIMIT_PER_IP: '10000', QUEUE_JOIN_LIMIT_PER_IP: '10000' });
  scheduler = await admissionModule().start(env.infra);
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await scheduler?.close();
  await env?.close();
});

describe('verify the draw in the page', () => {
  it('before the draw there is nothing to verify; after it the page recomputes every number and says it matches, or does not', async () => {
    const organizer = await signedIn(env, ['organizer']);
    const fans = await Promise.all(Array.from({ length: 7 }, () => signedInVerified(env)));
    const sale = await queueSale(env, organizer.userId, { startsInMs: 10_000, gaCapacity: 50 });
    for (const fan of fans) {
      const res = await env.api.post(`/v1/events/${sale.eventId}/queue`, undefined, { token: fan.token });
      expect(res.status).toBeLessThan(300);
    }

    const page = await browser.newPage();
    const errors = watchErrors(page);
    await asUser(page, fans[2]!.token);
    await page.goto(`${env.api.baseUrl}/queue.html?event=${sale.eventId}`);
    await page.waitForFunction(() => /^[0-9a-f]{64}$/.test(document.querySelector('#commitment')?.textContent ?? ''));
    expect(await page.isVisible('#draw-check-wait')).toBe(true);
    expect(await page.isHidden('#verify-draw')).toBe(true);
    expect(await textOf(page, '.card:has(#commitment)')).not.toContain('npm run');

    // The draw at sale start reveals the seed; the page shows the button without a reload.
    await waitUntil(
      async () => (await env.api.get(`/v1/events/${sale.eventId}/lottery`)).body.seed !== null,
      30_000,
      'the draw',
    );
    await page.waitForSelector('#verify-draw:not([hidden])', { timeout: 30_000 });
    expect(await page.isHidden('#draw-check-wait')).toBe(true);
    await page.click('#verify-draw');
    await page.waitForSelector('#draw-check-status.ok', { timeout: 30_000 });
    expect(await textOf(page, '#draw-check-status')).toBe('The draw checks out.');
    expect(await textOf(page, '#draw-check-details')).toContain('All 7 numbers were recomputed');
    expect(await page.isHidden('#draw-check-progress')).toBe(true);
    expect(await textOf(page, '#verify-draw')).toBe('Verify the draw again');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshots(page, 'queue-verify-draw');

    // Someone changes two published numbers after the draw: the same button says so.
    const ticketOf = env.server.app.keys.queue(sale.eventId).ticketOf;
    const numbers = await env.infra.redis.hgetall(ticketOf);
    const [a, b] = Object.keys(numbers);
    await env.infra.redis.hset(ticketOf, a!, numbers[b!]!, b!, numbers[a!]!);
    await page.click('#verify-draw');
    await page.waitForSelector('#draw-check-status.bad', { timeout: 30_000 });
    expect(await textOf(page, '#draw-check-status')).toBe('The published draw does NOT match.');
    expect(await textOf(page, '#draw-check-details')).toContain(
      '2 of 7 published numbers differ from what the seed gives',
    );
    expect(await seriousViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
  });
});
