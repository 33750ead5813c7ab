import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admissionModule } from '../../src/waitingroom/scheduler.jobs.js';
import { CARDS, idem } from '../support/commerce.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn, signedInVerified } from '../support/fixtures.js';
import { bulkAccounts } from '../support/sales.js';
import { queueSale, waitUntil } from '../support/waitingroom.js';
import { launch, screenshots, seriousViolations } from './browser.js';
import { asUser, textOf, watchErrors } from './session.js';

/**
 * The organizer's report page and the attendees page in Chromium, after a small queue drop run
 * through the API: 12 fans join the pre-queue, are drawn and admitted, 8 buy a standing ticket,
 * door staff let 3 in at two gates.
 */
let env: TestEnv;
let browser: Browser;
let running: { close(): Promise<void> } | undefined;
let organizer: { token: string; userId: string };
let staff: { token: string; userId: string };
let eventId: string;
const SLOW = { timeout: 30_000 };

/** Waits for a part of the page to show; when it does not, says what the page said and threw instead. */
async function shown(page: Page, selector: string, status: string, errors: string[]) {
  await page.waitForSelector(selector, SLOW).catch(async (err: unknown) => {
    throw new Error(`${String(err)}\nstatus: ${await textOf(page, status)}\nerrors: ${errors.join('\n')}`);
  });
}

beforeAll(async () => {
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '10000', QUEUE_TICK_MS: '200', QUEUE_JOIN_LIMIT_PER_IP: '10000' });
  running = await admissionModule().start(env.infra);
  browser = await launch();
  organizer = await signedIn(env, ['organizer']);
  const fans = await bulkAccounts(env.infra.database.db, 12);
  const sale = await queueSale(env, organizer.userId, { startsInMs: 3_000, admitPerMinute: 6_000, gaCapacity: 40 });
  eventId = sale.eventId;
  for (const fan of fans)
    expect((await env.api.post(`/v1/events/${eventId}/queue`, {}, { token: fan.token })).status).toBe(201);
  const tokenOf = async (token: string) => (await env.api.get(`/v1/events/${eventId}/queue/me`, { token })).body.token;
  await waitUntil(
    async () => (await Promise.all(fans.map((f) => tokenOf(f.token)))).every(Boolean),
    30_000,
    'admission',
  );
  const ticketIds: string[] = [];
  for (const fan of fans.slice(0, 8)) {
    const hold = await env.api.post(
      '/v1/holds',
      { eventId, tierId: sale.gaTierId, quantity: 1, purchaseToken: await tokenOf(fan.token) },
      { token: fan.token, headers: { 'idempotency-key': idem() } },
    );
    expect(hold.status).toBe(201);
    const order = await env.api.post(
      '/v1/orders',
      { holdId: hold.body.id, payment: { card: CARDS.ok } },
      { token: fan.token, headers: { 'idempotency-key': idem() } },
    );
    expect(order.status).toBe(201);
    ticketIds.push(order.body.tickets[0].id);
  }
  staff = await signedInVerified(env, ['staff'], 'staff');
  const [row] = await env.infra.database.sql<{ email: string }[]>`select email from users where id = ${staff.userId}`;
  expect(
    (await env.api.post(`/v1/events/${eventId}/staff`, { email: row!.email }, { token: organizer.token })).status,
  ).toBe(200);
  for (const [i, gate] of ['North', 'North', 'East'].entries()) {
    const code = (await env.api.get(`/v1/tickets/${ticketIds[i]}/code`, { token: fans[i]!.token })).body.code;
    const scan = await env.api.post(
      '/v1/checkin',
      { code, gate, nonce: randomUUID(), eventId },
      { token: staff.token },
    );
    expect(scan.body.result).toBe('admitted');
  }
  // Receipts of the joins are written behind the queue: wait until the report has them all.
  await waitUntil(
    async () =>
      (await env.api.get(`/v1/organizer/events/${eventId}/report`, { token: organizer.token })).body.arrivals.total ===
      12,
    30_000,
    'join receipts',
  );
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await running?.close();
  await env?.close();
});

describe('post-drop report and attendees pages', () => {
  it('the report shows the drop in words, charts with tables of the same figures, and downloads its CSV', async () => {
    const page = await browser.newPage({ acceptDownloads: true });
    const errors = watchErrors(page);
    await asUser(page, organizer.token);
    await page.goto(`${env.api.baseUrl}/report.html?event=${eventId}`);
    await shown(page, '#report-body:not([hidden])', '#report-status', errors);
    const summary = await textOf(page, '#summary');
    expect(summary).toContain('12 fans joined the waiting room: 12 before the draw, 0 after it.');
    expect(summary).toContain('The lottery put 12 fans of the pre-queue in order');
    expect(summary).toContain('12 issued, 8 used to hold tickets');
    expect(summary).toContain('8 admitted fans bought');
    const [places] = await env.infra.database.sql<{ n: number }[]>`
      select (select count(*) from seats where event_id = ${eventId}) + 40 as n`;
    expect(summary).toContain(`8 of ${Number(places!.n)} places sold in 8 orders.`);
    // Each chart is drawn (uPlot's canvas) beside a table with the same figures.
    for (const id of ['#chart-time', '#chart-wait-admission', '#chart-wait-order'])
      expect(await page.locator(`${id} canvas`).count()).toBeGreaterThan(0);
    const arrivals = await page.$$eval('#table-time tbody tr td:nth-child(2)', (cells) =>
      cells.reduce((n, c) => n + Number(c.textContent!.replace(/\D/g, '')), 0),
    );
    expect(arrivals).toBe(12);
    const ordered = await page.$$eval('#table-wait-order tbody td', (cells) =>
      cells.reduce((n, c) => n + Number(c.textContent!.replace(/\D/g, '')), 0),
    );
    expect(ordered).toBe(8);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshots(page, 'report');

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#report-csv')]);
    const csv = await readFile((await download.path())!, 'utf8');
    expect(csv).toContain('\r\nsales,ticketsSold,8\r\n');
    expect(csv).toContain('\r\narrivals,total,12\r\n');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('door staff search the attendees, page through them, export them and see the gates', async () => {
    const page = await browser.newPage({ acceptDownloads: true });
    const errors = watchErrors(page);
    await asUser(page, staff.token);
    await page.goto(`${env.api.baseUrl}/attendees.html?event=${eventId}`);
    await shown(page, '#attendees-body:not([hidden])', '#attendees-status', errors);
    expect(await textOf(page, '#attendee-count')).toBe('8 attendees.');
    expect(await page.locator('#attendee-table tbody tr').count()).toBe(8);
    expect(await textOf(page, '#page-label')).toBe('Page 1 of 1');
    expect(await page.isDisabled('#page-next')).toBe(true);
    expect(await textOf(page, '#gates-text')).toBe('3 of 8 ticket holders are in.');
    const gates = await page.$$eval('#gate-table tbody tr', (rows) =>
      rows.map((r) => [...r.children].slice(0, 3).map((c) => c.textContent)),
    );
    expect(gates).toEqual([
      ['East', '1', '0'],
      ['North', '2', '0'],
    ]);
    expect(await page.locator('#chart-gates canvas').count()).toBeGreaterThan(0);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshots(page, 'attendees');

    await page.fill('#attendee-q', 'Buyer 3');
    await page.click('#attendee-search button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#attendee-count')?.textContent?.includes('matching'));
    expect(await textOf(page, '#attendee-count')).toBe('1 attendee matching “Buyer 3”.');
    expect(await textOf(page, '#attendee-table tbody')).toContain('Buyer 3');

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#attendee-csv')]);
    const csv = await readFile((await download.path())!, 'utf8');
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('ticket_id,order_id,name,email,tier,seat,checked_in_at,gate');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('Buyer 3');
    await page.waitForFunction(() => document.querySelector('#csv-status')?.textContent === 'Downloaded.');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('tells a fan who is neither organizer nor staff, in words, that the attendees are not theirs', async () => {
    const fan = await signedIn(env);
    const page = await browser.newPage();
    await asUser(page, fan.token);
    await page.goto(`${env.api.baseUrl}/attendees.html?event=${eventId}`);
    await page.waitForFunction(() => document.querySelector('#attendees-status')?.classList.contains('bad'));
    expect(await textOf(page, '#attendees-status')).toBe(
      'Only this event’s organizer and its door staff can see its attendees and check-ins.',
    );
    expect(await page.isHidden('#attendees-body')).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    await page.close();
  });
});
