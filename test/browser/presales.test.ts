import { eq, sql } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onsaleSettings } from '../../src/sales/onsale.table.js';
import { events } from '../../src/catalog/catalog.table.js';
import { admissionModule } from '../../src/waitingroom/scheduler.jobs.js';
import { createSale, idem } from '../support/commerce.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { launch, screenshots, seriousViolations } from './browser.js';
import { asUser, textOf, watchErrors } from './session.js';

/**
 * Presales in Chromium: the organizer adds a code window in the console, generates codes,
 * has a CSV with a bad line refused whole and then imports a good one, revokes a code; a fan
 * is refused the revoked code in words, enters a good one and holds a ticket in the window.
 */
let env: TestEnv;
let browser: Browser;
beforeAll(async () => {
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '10000', QUEUE_TICK_MS: '200' });
  browser = await launch();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await env?.close();
});

const SLOW = { timeout: 30_000 };
const db = () => env.infra.database.db;
/** A datetime-local value in this machine's zone (the browser's too). */
function localInput(ms: number): string {
  const d = new Date(Date.now() + ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}
const codes = async (eventId: string) => [
  ...(await db().execute<{ hint: string; revoked: boolean; max_uses: number }>(
    sql`select c.hint, c.revoked_at is not null as revoked, c.max_uses from presale_codes c
        join presale_windows w on w.id = c.window_id where w.event_id = ${eventId} order by c.hint`,
  )),
];

describe('presales in the pages', () => {
  it('the organizer makes, imports and revokes codes; a fan enters one and holds a ticket', async () => {
    const sale = await createSale(env, { seats: 0, gaCapacity: 20 });
    await db()
      .update(onsaleSettings)
      .set({ saleStartsAt: new Date(Date.now() + 3_600_000) })
      .where(eq(onsaleSettings.eventId, sale.eventId));

    const console = await browser.newPage();
    const consoleErrors = watchErrors(console);
    await asUser(console, sale.organizer.token);
    await console.goto(`${env.api.baseUrl}/organizer.html?event=${sale.eventId}`);
    await console.waitForSelector('#presale-add', SLOW);
    await console.fill('#presale-name', 'Fan club');
    await console.selectOption('#presale-gate', 'code');
    await console.fill('#presale-opens', localInput(-120_000));
    await console.fill('#presale-closes', localInput(30 * 60_000));
    await console.click('#presale-add button[type=submit]');
    await console.waitForSelector('#presale-generate', SLOW);
    expect(await textOf(console, '#presale-windows')).toContain('Fan club');
    expect(await seriousViolations(console)).toEqual([]);
    // Edited in place: the name changes, the times are checked again.
    await console.fill('#presale-edit-name', 'Fan club first');
    await console.click('#presale-edit button[type=submit]');
    await console.waitForFunction(
      () => document.querySelector('#presale-windows')?.textContent?.includes('Fan club first'),
      undefined,
      SLOW,
    );
    const named = await db().execute<{ name: string }>(
      sql`select name from presale_windows where event_id = ${sale.eventId}`,
    );
    expect([...named].map((r) => r.name)).toEqual(['Fan club first']);

    await console.fill('#presale-count', '2');
    await console.click('#presale-generate button[type=submit]');
    await console.waitForSelector('#presale-new-codes li', SLOW);
    const made = (await console.locator('#presale-new-codes li').allTextContents()).map((t) => t.trim());
    expect(made).toHaveLength(2);

    // A file with a bad line is refused whole, the line named.
    await console.fill('#presale-csv', 'CLUB-0001\nno!\n');
    await console.click('#presale-import button[type=submit]');
    await console.waitForSelector('#presale-import-lines li', SLOW);
    expect(await textOf(console, '#presale-import-lines')).toContain('Line 2');
    expect(await codes(sale.eventId)).toHaveLength(2);
    await console.fill('#presale-csv', 'CLUB-0001\nCLUB-0002,5\n');
    await console.click('#presale-import button[type=submit]');
    await console.waitForFunction(
      () => document.querySelector('#presale-import-status')?.textContent?.includes('2 codes imported'),
      undefined,
      SLOW,
    );
    expect(await codes(sale.eventId)).toHaveLength(4);

    const revokedHint = made[0]!.replace('-', '').slice(-4);
    await console.click(`button[aria-label="Revoke the code ending ${revokedHint}"]`);
    await console.waitForFunction(
      (hint) =>
        [...document.querySelectorAll('#presale-codes tr')].some(
          (tr) => tr.textContent?.includes(`…${hint}`) && tr.textContent.includes('Revoked'),
        ),
      revokedHint,
      SLOW,
    );
    expect((await codes(sale.eventId)).find((c) => c.hint === revokedHint)?.revoked).toBe(true);
    expect(await seriousViolations(console)).toEqual([]);
    await screenshots(console, 'presale-console');
    expect(consoleErrors).toEqual([]);
    await console.close();

    const fan = await signedIn(env);
    const page = await browser.newPage();
    // The revoked code is answered 410, and the page says so in words.
    const errors = watchErrors(page, /status of (400|403|404|409|410|422)/);
    await asUser(page, fan.token);
    await page.goto(`${env.api.baseUrl}/event.html?id=${sale.eventId}`);
    await page.waitForSelector('#presale-form', SLOW);
    expect(await textOf(page, '#presale')).toContain('Fan club first — for fans with a presale code, on now');
    expect(await page.isHidden('#buy')).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);

    await page.fill('#presale-code', made[0]!);
    await page.click('#presale-form button[type=submit]');
    await page.waitForFunction(
      () => document.querySelector('#presale-status')?.textContent?.includes('withdrawn'),
      undefined,
      SLOW,
    );
    await page.fill('#presale-code', made[1]!.toLowerCase());
    await page.click('#presale-form button[type=submit]');
    await page.waitForSelector('#presale-yours', SLOW);
    expect(await textOf(page, '#presale-yours')).toBe('Code accepted: you can buy in this presale now.');
    await page.waitForSelector('#buy:not([hidden])', SLOW);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshots(page, 'presale-event');

    await page.selectOption('#tier', sale.gaTierId);
    await page.fill('#quantity', '1');
    await page.click('#buy button[type=submit]');
    await page.waitForURL(/checkout\.html\?hold=/, SLOW);
    const holds = await db().execute<{ n: number }>(
      sql`select count(*)::int as n from holds where event_id = ${sale.eventId} and user_id = ${fan.userId} and status = 'active'`,
    );
    expect(holds[0]!.n).toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);

  it('a queue-mode window: a fan with a code joins its waiting room, is admitted and holds with its pass', async () => {
    const running = await admissionModule().start(env.infra);
    try {
      const sale = await createSale(env, { seats: 0, gaCapacity: 20 });
      await db()
        .update(onsaleSettings)
        .set({
          mode: 'queue',
          prequeueOpensAt: new Date(Date.now() + 40 * 60_000),
          saleStartsAt: new Date(Date.now() + 3_600_000),
          admitPerMinute: 6000,
          requireVerifiedEmail: false,
        })
        .where(eq(onsaleSettings.eventId, sale.eventId));
      await db().update(events).set({ status: 'scheduled' }).where(eq(events.id, sale.eventId));
      const organizer = { token: sale.organizer.token, headers: { 'idempotency-key': idem() } };
      const window = await env.api.post(
        `/v1/events/${sale.eventId}/presales`,
        {
          name: 'Members',
          gate: 'code',
          opensAt: new Date(Date.now() + 15_000).toISOString(),
          closesAt: new Date(Date.now() + 30 * 60_000).toISOString(),
          prequeueOpensAt: new Date(Date.now() - 60_000).toISOString(),
        },
        organizer,
      );
      expect(window.status).toBe(201);
      const windowId = window.body.id as string;
      const code = (
        await env.api.post(
          `/v1/presales/${windowId}/codes`,
          { count: 1 },
          { ...organizer, headers: { 'idempotency-key': idem() } },
        )
      ).body.codes[0] as string;
      const fan = await signedIn(env);
      const redeemed = await env.api.post(
        `/v1/presales/${windowId}/redeem`,
        { code },
        { token: fan.token, headers: { 'idempotency-key': idem() } },
      );
      expect(redeemed.status).toBe(200);

      const page = await browser.newPage();
      const errors = watchErrors(page);
      await asUser(page, fan.token);
      // The event page sends the fan to the window's own room.
      await page.goto(`${env.api.baseUrl}/event.html?id=${sale.eventId}`);
      await page.waitForSelector('#presale a.button', SLOW);
      expect(await page.getAttribute('#presale a.button', 'href')).toBe(
        `/queue.html?event=${windowId}&presale=${sale.eventId}`,
      );
      await page.click('#presale a.button');
      await page.waitForSelector('#join-button:visible', SLOW);
      expect(await textOf(page, '#title')).toContain('presale “Members”');
      expect(await seriousViolations(page)).toEqual([]);
      await page.click('#join-button');
      await page.waitForSelector('#admitted:not([hidden])', { timeout: 60_000 });
      expect(await seriousViolations(page)).toEqual([]);
      await screenshots(page, 'presale-queue-admitted');

      await page.click('#choose-seats');
      await page.waitForSelector('#buy:not([hidden])', SLOW);
      await page.selectOption('#tier', sale.gaTierId);
      await page.fill('#quantity', '1');
      await page.click('#buy button[type=submit]');
      await page.waitForURL(/checkout\.html\?hold=/, SLOW);
      const holds = await db().execute<{ n: number }>(
        sql`select count(*)::int as n from holds where event_id = ${sale.eventId} and user_id = ${fan.userId} and purchase_token_hash is not null`,
      );
      expect(holds[0]!.n).toBe(1);
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await running.close();
    }
  }, 180_000);
});
