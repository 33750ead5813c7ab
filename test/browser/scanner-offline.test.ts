import { eq } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkins } from '../../src/checkin/checkin.table.js';
import { createSale } from '../support/commerce.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { buySeats, codeOf, doorStaff } from '../support/tickets-fixtures.js';
import { launch, screenshots, seriousViolations } from './browser.js';
import { asUser, openScannerStation, textOf, watchErrors } from './session.js';

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

/** The same code with one signature character changed: still parses, no longer signed. */
function tamper(code: string): string {
  const i = code.indexOf('.', 4) - 6;
  return code.slice(0, i) + (code[i] === 'A' ? 'B' : 'A') + code.slice(i + 1);
}

describe('door scanner without a network', () => {
  it('decides from the downloaded bundle, queues the scans, and syncs them when the connection is back', async () => {
    const sale = await createSale(env, { seats: 10 });
    const fan = await signedIn(env);
    const { ticketIds } = await buySeats(env, sale, fan, 1);
    const ticketId = ticketIds[0]!;
    const staff = await doorStaff(env, sale);

    const page = await browser.newPage();
    // Offline, every request the page tries fails on purpose: Chromium logs those as errors.
    const errors = watchErrors(page, /status of (400|403|404)|ERR_INTERNET_DISCONNECTED/);
    await asUser(page, staff.token);
    await openScannerStation(page, env.api.baseUrl, sale.eventId, 'North');
    expect(await textOf(page, '#bundle-state')).toMatch(/Offline bundle from .*: 0 revoked, 0 already inside then/);
    const stored = await page.evaluate((id) => localStorage.getItem(`fairdrop.scanner.${id}.bundle`), sale.eventId);
    expect(JSON.parse(stored!).bundle.eventId).toBe(sale.eventId);

    const code = await codeOf(env, fan.token, ticketId);
    await page.context().setOffline(true);
    await page.waitForSelector('#connection.is-offline');

    await page.fill('#code', code);
    await page.click('#manual button[type=submit]');
    await page.waitForSelector('#result.result-ok');
    expect(await textOf(page, '#result')).toMatch(/Admitted.*A · Row 1 · Seat 1.*offline/);
    expect(await page.textContent('#pending-count')).toBe('1');

    await page.fill('#code', tamper(code));
    await page.click('#manual button[type=submit]');
    await page.waitForSelector('#result[data-result="invalid"]');
    expect(await textOf(page, '#result')).toMatch(/Invalid.*altered/);
    expect(await page.getAttribute('#result', 'class')).toContain('result-bad');

    // The device remembers whom it let in: the same ticket again is refused, offline too.
    await page.fill('#code', code);
    await page.click('#manual button[type=submit]');
    await page.waitForSelector('#result[data-result="already_used"]');
    expect(await textOf(page, '#result')).toMatch(/Already used at .* by gate North/);
    expect(await page.textContent('#pending-count')).toBe('3');
    await screenshots(page, 'scanner-offline');
    expect(await seriousViolations(page)).toEqual([]);
    expect(await env.infra.database.db.select().from(checkins).where(eq(checkins.eventId, sale.eventId))).toEqual([]);

    // Back online: the queue uploads by itself.
    await page.context().setOffline(false);
    await page.waitForFunction(() => document.querySelector('#pending-count')?.textContent === '0');
    await page.waitForSelector('#sync-status.ok');
    expect(await textOf(page, '#sync-status')).toBe('Synced 3 scans.');
    expect(await textOf(page, '#connection')).toMatch(/^Online/);
    await screenshots(page, 'scanner-synced');

    const rows = await env.infra.database.db
      .select()
      .from(checkins)
      .where(eq(checkins.eventId, sale.eventId))
      .orderBy(checkins.scannedAt);
    expect(rows.map((r) => [r.result, r.ticketId, r.gate, r.offline, r.staffId])).toEqual([
      ['admitted', ticketId, 'North', true, staff.userId],
      ['invalid', null, 'North', true, staff.userId],
      ['already_used', ticketId, 'North', true, staff.userId],
    ]);

    // Online again, the server decides: the ticket is inside.
    await page.fill('#code', await codeOf(env, fan.token, ticketId));
    await page.click('#manual button[type=submit]');
    await page.waitForFunction(
      () =>
        !/offline/.test(document.querySelector('#result')?.textContent ?? '') &&
        document.querySelector('#result')?.getAttribute('data-result') === 'already_used',
    );
    expect(errors).toEqual([]);
  });
  it('reports a conflict when another gate admitted the ticket while this one was offline', async () => {
    const sale = await createSale(env, { seats: 4 });
    const fan = await signedIn(env);
    const { ticketIds } = await buySeats(env, sale, fan, 1);
    const staff = await doorStaff(env, sale);
    const page = await browser.newPage();
    const errors = watchErrors(page, /status of (400|403|404)|ERR_INTERNET_DISCONNECTED/);
    await asUser(page, staff.token);
    await openScannerStation(page, env.api.baseUrl, sale.eventId, 'North');

    await page.context().setOffline(true);
    await page.waitForSelector('#connection.is-offline');
    await page.fill('#code', await codeOf(env, fan.token, ticketIds[0]!));
    await page.click('#manual button[type=submit]');
    await page.waitForSelector('#result.result-ok');

    // Meanwhile the South gate, online, admits the same ticket first.
    const south = await env.api.post(
      '/v1/checkin',
      {
        code: await codeOf(env, fan.token, ticketIds[0]!),
        gate: 'South',
        nonce: `south-${Date.now()}`,
        eventId: sale.eventId,
      },
      { token: staff.token },
    );
    expect(south.body.result).toBe('admitted');

    await page.context().setOffline(false);
    await page.waitForSelector('#sync-status.bad');
    expect(await textOf(page, '#sync-status')).toBe('Synced 1 scan. 1 conflict.');
    expect(await textOf(page, '#sync-report')).toMatch(
      /let in here at .* while offline, but gate South had admitted it at /,
    );
    expect(await page.textContent('#pending-count')).toBe('0');
    await screenshots(page, 'scanner-conflict');
    expect(await seriousViolations(page)).toEqual([]);
    const rows = await env.infra.database.db
      .select()
      .from(checkins)
      .where(eq(checkins.ticketId, ticketIds[0]!))
      .orderBy(checkins.id);
    expect(rows.map((r) => [r.result, r.gate, r.offline])).toEqual([
      ['admitted', 'South', false],
      ['already_used', 'North', true],
    ]);
    expect(errors).toEqual([]);
  });

  it("says in words when the server judged a scan outside the bundle's window (this device's clock was behind)", async () => {
    const sale = await createSale(env, { seats: 4 });
    const fan = await signedIn(env);
    const { ticketIds } = await buySeats(env, sale, fan, 1);
    const staff = await doorStaff(env, sale);
    const page = await browser.newPage();
    const errors = watchErrors(page, /status of (400|403|404)|ERR_INTERNET_DISCONNECTED/);
    await asUser(page, staff.token);
    await openScannerStation(page, env.api.baseUrl, sale.eventId, 'North');
    const stored = await page.evaluate((id) => localStorage.getItem(`fairdrop.scanner.${id}.bundle`), sale.eventId);
    const { window } = JSON.parse(stored!);

    await page.context().setOffline(true);
    await page.waitForSelector('#connection.is-offline');
    // The scanner's clock is five minutes behind: its scan is dated before the bundle it decides with.
    await page.clock.setSystemTime(Date.parse(window.issuedAt) - 5 * 60_000);
    await page.fill('#code', await codeOf(env, fan.token, ticketIds[0]!));
    await page.click('#manual button[type=submit]');
    await page.waitForSelector('#result.result-ok');

    await page.context().setOffline(false);
    await page.waitForSelector('#sync-status.bad');
    expect(await textOf(page, '#sync-status')).toBe(
      "Synced 1 scan. 1 outside the offline bundle's time window: check this device's clock.",
    );
    expect(await textOf(page, '#sync-report')).toMatch(
      /^A scan this device dated .*, before this offline bundle was downloaded, was judged at .* instead: admitted\.$/,
    );
    await screenshots(page, 'scanner-outside-window');
    expect(await seriousViolations(page)).toEqual([]);
    const rows = await env.infra.database.db.select().from(checkins).where(eq(checkins.ticketId, ticketIds[0]!));
    // Recorded at the bundle's issue time, with the device's claim (about five minutes earlier) kept beside it.
    expect(rows.map((r) => [r.result, r.offline, r.scannedAt.toISOString()])).toEqual([
      ['admitted', true, window.issuedAt],
    ]);
    const behind = Date.parse(window.issuedAt) - rows[0]!.claimedAt!.getTime();
    expect(behind).toBeGreaterThan(4 * 60_000);
    expect(behind).toBeLessThanOrEqual(5 * 60_000);
    expect(errors).toEqual([]);
  });
});
