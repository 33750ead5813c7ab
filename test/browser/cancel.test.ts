import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancellationModule } from '../../src/cancellations/cancellations.jobs.js';
import { events } from '../../src/catalog/catalog.table.js';
import { orders } from '../../src/orders/orders.table.js';
import { tickets } from '../../src/tickets/tickets.table.js';
import { createSale } from '../support/commerce.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { buySeats } from '../support/tickets-fixtures.js';
import { ARTIFACTS, launch, screenshots, seriousViolations } from './browser.js';
import { asUser, textOf, watchErrors } from './session.js';

let env: TestEnv;
let browser: Browser;
const running: { close(): Promise<void> }[] = [];
beforeAll(async () => {
  env = await createTestEnv({
    AUTH_LIMIT_PER_IP: '100000',
    DATA_DIR: await mkdtemp(join(tmpdir(), 'fairdrop-cancel-ui-')),
    CANCELLATION_SWEEP_MS: '500',
  });
  // The refund jobs run as in production's worker.
  running.push(await cancellationModule().start(env.infra));
  browser = await launch();
});
/** The console is a long page: the panel alone, at both widths, is what a person can look at. */
async function panelShots(page: Page, name: string): Promise<void> {
  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: 900 });
    await page.locator('#cancel-panel').screenshot({ path: `${ARTIFACTS}/${name}-${width}.png` });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

afterAll(async () => {
  await browser?.close();
  for (const r of running) await r.close();
  await env?.close();
});

describe('cancel and postpone from the organizer console', () => {
  it('cancels an event with orders after a confirm step and shows the refunds reach done', async () => {
    const sale = await createSale(env, { seats: 20 });
    const bought = [];
    for (const n of [1, 2, 3]) bought.push(await buySeats(env, sale, await signedIn(env), n));

    const page = await browser.newPage();
    const errors = watchErrors(page);
    await asUser(page, sale.organizer.token);
    await page.goto(`${env.api.baseUrl}/organizer.html?event=${sale.eventId}`);
    await page.waitForSelector('#cancel-form');

    // No reason: refused beside the field, nothing sent.
    await page.click('#cancel-form button[type=submit]');
    await page.waitForSelector('#cancel-reason[aria-invalid="true"]');
    expect(await page.isHidden('#cancel-confirm')).toBe(true);

    await page.fill('#cancel-reason', 'The venue was damaged by a storm');
    await page.click('#cancel-form button[type=submit]');
    await page.waitForSelector('#cancel-confirm:not([hidden])');
    expect(await page.$('#cancel-form .field-error')).toBeNull(); // the earlier complaint is gone once fixed
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('cancel-confirm-yes');
    // "Keep the event" really keeps it.
    await page.click('#cancel-confirm-no');
    const [still] = await env.infra.database.db
      .select({ status: events.status })
      .from(events)
      .where(eq(events.id, sale.eventId));
    expect(still!.status).toBe('on_sale');

    await page.click('#cancel-form button[type=submit]');
    await page.locator('#cancel-panel').scrollIntoViewIfNeeded();
    await screenshots(page, 'organizer-cancel-confirm');
    await panelShots(page, 'organizer-cancel-panel-confirm');
    expect(await seriousViolations(page)).toEqual([]);
    await page.click('#cancel-confirm-yes');
    await page.waitForSelector('.cancel-progress');
    await page.waitForSelector('.cancel-progress[data-done="true"]', { timeout: 30_000 });
    expect(await textOf(page, '#refund-counts')).toMatch(
      /^3 of 3 orders settled: 3 refunded, 0 voided before capture, 0 needed nothing; 0 to go\./,
    );
    expect(await textOf(page, '#cancel-panel')).toMatch(
      /Tickets revoked\s*6.*Refunded\s*€270\.00.*Every order is settled/,
    );
    expect(await page.getAttribute('#refund-progress', 'value')).toBe('3');
    await screenshots(page, 'organizer-cancel-done');
    await panelShots(page, 'organizer-cancel-panel-done');
    expect(await seriousViolations(page)).toEqual([]);

    for (const b of bought) {
      const [o] = await env.infra.database.db.select().from(orders).where(eq(orders.id, b.orderId));
      expect(o).toMatchObject({ status: 'cancelled', refundedCents: o!.totalCents });
      const revoked = await env.infra.database.db
        .select({ status: tickets.status })
        .from(tickets)
        .where(eq(tickets.orderId, b.orderId));
      expect(revoked.every((t) => t.status === 'revoked')).toBe(true);
    }

    // Reopened later, the panel shows the finished cancellation instead of the forms.
    await page.reload();
    await page.waitForSelector('.cancel-progress[data-done="true"]');
    expect(await page.$('#cancel-form')).toBeNull();
    expect(errors).toEqual([]);
  });

  it('postpones with a new date at the venue and a refund window', async () => {
    const sale = await createSale(env, { seats: 2 });
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await asUser(page, sale.organizer.token);
    await page.goto(`${env.api.baseUrl}/organizer.html?event=${sale.eventId}`);
    await page.waitForSelector('#postpone-form');
    const later = new Date(Date.now() + 60 * 24 * 3600_000);
    const paris = new Intl.DateTimeFormat('sv-SE', {
      timeZone: 'Europe/Paris',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    })
      .format(later)
      .replace(' ', 'T');
    await page.fill('#postpone-date', paris);
    await page.fill('#postpone-window', '10');
    await page.click('#postpone-form button[type=submit]');
    await page.waitForSelector('#postpone-form .status.ok');
    await panelShots(page, 'organizer-postpone-panel');
    expect(await textOf(page, '#postpone-form .status')).toMatch(
      /Postponed to .*Holders may cancel for a refund until/,
    );
    const [row] = await env.infra.database.db.select().from(events).where(eq(events.id, sale.eventId));
    expect(row!.status).toBe('postponed');
    expect(Math.abs(row!.startsAt.getTime() - Math.floor(later.getTime() / 60_000) * 60_000)).toBeLessThan(1000);
    expect(row!.refundableUntil!.getTime()).toBeGreaterThan(Date.now() + 9 * 24 * 3600_000);
    expect(errors).toEqual([]);
  });
});
