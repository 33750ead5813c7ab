import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asc, eq } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkins } from '../../src/checkin/checkin.table.js';
import { createSale } from '../support/commerce.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { buySeats, codeOf, doorStaff } from '../support/tickets-fixtures.js';
import { launch, screenshots, seriousViolations } from './browser.js';
import { writeQrVideo } from './fake-camera.js';
import { asUser, openScannerStation, textOf, watchErrors } from './session.js';

let env: TestEnv;
let dir: string;
let browser: Browser | undefined;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fairdrop-camera-'));
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '100000' });
});
afterAll(async () => {
  await browser?.close();
  await env?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('door scanner with the camera', () => {
  it("reads a ticket's rotating QR code from the camera with jsQR, admits it once, then says already used", async () => {
    const sale = await createSale(env, { seats: 4 });
    const fan = await signedIn(env);
    const { ticketIds } = await buySeats(env, sale, fan, 1);
    const ticketId = ticketIds[0]!;
    const staff = await doorStaff(env, sale);

    // The code rotates every 30 s (one step of lag accepted): made right before the camera starts showing it.
    const code = await codeOf(env, fan.token, ticketId);
    const video = join(dir, 'ticket.y4m');
    await writeQrVideo(video, code);
    browser = await launch([
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${video}`,
    ]);

    const page = await browser.newPage();
    const errors = watchErrors(page);
    await asUser(page, staff.token);
    await openScannerStation(page, env.api.baseUrl, sale.eventId, 'East');
    // Headless Chromium on Linux has no BarcodeDetector: this run decodes with the bundled jsQR.
    expect(await page.evaluate(() => 'BarcodeDetector' in globalThis)).toBe(false);

    await page.click('#camera-toggle');
    await page.waitForSelector('#result.result-ok', { timeout: 20_000 });
    expect(await page.getAttribute('#camera', 'data-decoder')).toBe('jsqr');
    expect(await textOf(page, '#result')).toMatch(/Admitted.*A · Row 1 · Seat 1/);
    expect(await textOf(page, '#result')).not.toMatch(/offline/);
    await screenshots(page, 'scanner-camera');
    expect(await seriousViolations(page)).toEqual([]);

    // The code stays in front of the camera: after the same-code pause it is read again and refused.
    await page.waitForSelector('#result[data-result="already_used"]', { timeout: 20_000 });
    expect(await textOf(page, '#result')).toMatch(/Already used at .* by gate East/);
    expect(await page.getAttribute('#result', 'class')).toContain('result-bad');
    await page.click('#camera-toggle');
    expect(await textOf(page, '#camera-toggle')).toBe('Use the camera');

    const rows = await env.infra.database.db
      .select()
      .from(checkins)
      .where(eq(checkins.ticketId, ticketId))
      .orderBy(asc(checkins.id));
    expect(rows[0]).toMatchObject({
      result: 'admitted',
      gate: 'East',
      offline: false,
      staffId: staff.userId,
      eventId: sale.eventId,
    });
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(rows.slice(1).every((r) => r.result === 'already_used' && r.gate === 'East')).toBe(true);
    expect(errors).toEqual([]);
  });
});
