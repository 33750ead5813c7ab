import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
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

/** `npm run verify-lottery` against the test server: its exit code and the words it printed. */
async function cli(eventId: string): Promise<{ code: number; stdout: string }> {
  const args = ['tsx', 'tools/cli/verify-lottery.ts', '--event', eventId, '--url', env.server.url];
  try {
    const { stdout } = await promisify(execFile)('npx', args, { timeout: 60_000 });
    return { code: 0, stdout };
  } catch (err) {
    const failed = err as { code?: number; stdout?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '' };
  }
}

describe('verify the draw in the page', () => {
  it('before the draw there is nothing to verify; after it the page recomputes every number and says it matches, or does not', async () => {
    const organizer = await signedIn(env, ['organizer']);
    const fans = await Promise.all(Array.from({ length: 7 }, () => signedInVerified(env)));
    const sale = await queueSale(env, organizer.userId, { startsInMs: 3_600_000, gaCapacity: 50 });
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

    // The sale starts now: the draw reveals the seed; the page shows the button without a reload.
    await env.infra.database.sql`update onsale_settings set sale_starts_at = now() where event_id = ${sale.eventId}`;
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
    // The command line runs the same check and says the same.
    const agreed = await cli(sale.eventId);
    expect(agreed.code).toBe(0);
    expect(agreed.stdout).toContain('The draw checks out.');

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
    const disagreed = await cli(sale.eventId);
    expect(disagreed.code).toBe(1);
    expect(disagreed.stdout).toContain('The published draw does NOT match.');
    expect(disagreed.stdout).toContain('2 of 7 published numbers differ');
    expect(errors).toEqual([]);
  });
});
