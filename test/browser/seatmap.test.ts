import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seats } from '../../src/sales/inventory.table.js';
import { createSale, holdDirect, type SaleFixture } from '../support/commerce.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { launch, screenshots, seriousViolations } from './browser.js';
import { asUser, watchErrors } from './session.js';

/**
 * The seat map on a phone and from the keyboard: seats are 24×24 px targets or more at 390×844,
 * a wide section scrolls in its own box and the map zooms; each section is a grid with one tab
 * stop whose arrow keys move between the seats one can choose; the legend explains accessible seats.
 */
let env: TestEnv;
let browser: Browser;
let sale: SaleFixture;
/** Section B: one row of 30 seats, wider than a phone. */
let wide: string[];
beforeAll(async () => {
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '100000' });
  sale = await createSale(env, { seats: 30 }); // section A: rows 1–3 of 10
  const rows = await env.infra.database.db
    .insert(seats)
    .values(
      Array.from({ length: 30 }, (_, i) => ({
        eventId: sale.eventId,
        tierId: sale.seatedTierId,
        section: 'B',
        row: '1',
        rowIndex: 1,
        number: i + 1,
        accessible: i < 2,
      })),
    )
    .returning({ id: seats.id, number: seats.number });
  wide = rows.sort((a, b) => a.number - b.number).map((r) => r.id);
  // Row 2 of section A: seat 3 sold (held, then sold as an order does); seat 1 of row 1 accessible.
  const sql = env.infra.database.sql;
  const buyer = await signedIn(env);
  await holdDirect(env, sale, buyer.userId, { seatIds: [sale.seatIds[12]!] });
  await sql`update seats set status = 'sold' where id = ${sale.seatIds[12]!}`;
  await sql`update seats set accessible = true where id = ${sale.seatIds[0]!}`;
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await env?.close();
});

async function openMap(page: Page): Promise<void> {
  const fan = await signedIn(env);
  await asUser(page, fan.token);
  await page.goto(`${env.api.baseUrl}/event.html?id=${sale.eventId}`);
  await page.waitForSelector('#buy:not([hidden])');
  await page.selectOption('#tier', sale.seatedTierId);
  await page.waitForSelector('rect.seat-available');
}

const focusedSeat = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('data-seat') ?? null);

describe('the seat map', () => {
  it('on a 390×844 phone: every seat is a 24×24 px target or more, a wide section scrolls in its box, the map zooms', async () => {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      deviceScaleFactor: 2,
    });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await openMap(page);

    const sizes = await page.$$eval('rect.seat', (rects) =>
      rects.map((r) => {
        const box = r.getBoundingClientRect();
        return Math.min(box.width, box.height);
      }),
    );
    expect(sizes).toHaveLength(60);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(24);
    // The page does not overflow the phone; section B scrolls inside its own box.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const box = await page.$eval('.seatmap-scroll[data-section="B"]', (el) => ({
      scroll: el.scrollWidth,
      client: el.clientWidth,
      overflow: getComputedStyle(el).overflowX,
    }));
    expect(box.overflow).toBe('auto');
    expect(box.scroll).toBeGreaterThan(box.client);

    // Bigger seats, and back.
    const seatSize = () =>
      page.$eval(`[data-seat="${sale.seatIds[0]}"]`, (r) => Math.round(r.getBoundingClientRect().width));
    const before = await seatSize();
    await page.click('.seatmap-tools [data-zoom="in"]');
    expect(await seatSize()).toBeGreaterThan(before);
    expect(await page.textContent('.zoom-level')).toMatch(/Seat size \d+%/);
    await page.click('.seatmap-tools [data-zoom="out"]');
    await page.click('.seatmap-tools [data-zoom="out"]');
    expect(await seatSize()).toBeGreaterThanOrEqual(24);
    expect(await page.isDisabled('.seatmap-tools [data-zoom="out"]')).toBe(true);

    // Tap the last seat of the wide row: it scrolls into reach, is chosen, and the box keeps its scroll.
    await page.tap(`[data-seat="${wide[29]}"]`);
    await page.waitForFunction(() => /seat 30/.test(document.querySelector('#choice')?.textContent ?? ''));
    expect(await page.getAttribute(`[data-seat="${wide[29]}"]`, 'aria-selected')).toBe('true');
    expect(await page.$eval('.seatmap-scroll[data-section="B"]', (el) => el.scrollLeft)).toBeGreaterThan(0);

    // The legend says what an accessible seat is.
    const legend = (await page.textContent('.seatmap .legend')) ?? '';
    expect(legend).toContain('accessible seat (dashed outline)');
    expect(legend).toMatch(/set aside for fans who need them: wheelchair users/);
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: 'test-artifacts/screenshots/seatmap-phone-390.png', fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('from the keyboard: one tab stop per section, arrows move between choosable seats, Enter chooses, focus survives the redraw', async () => {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await openMap(page);

    // Grid semantics, as the browser's accessibility tree computes them.
    const grids = page.getByRole('grid');
    expect(await grids.count()).toBe(2);
    expect(await page.getByRole('grid', { name: 'A' }).getByRole('row').count()).toBe(3);
    const cell = page.getByRole('gridcell', { name: 'A, row 1, seat 1 (accessible)' });
    expect(await cell.getAttribute('data-seat')).toBe(sale.seatIds[0]);
    expect(await page.getByRole('gridcell', { name: 'A, row 2, seat 3: sold' }).getAttribute('aria-disabled')).toBe(
      'true',
    );

    // One tab stop per section: the first seat of each.
    const stops = await page.$$eval('.seatmap [tabindex="0"]', (els) => els.map((e) => e.getAttribute('data-seat')));
    expect(stops).toEqual([sale.seatIds[0], wide[0]]);
    await page.focus('#tier');
    for (let i = 0; i < 10 && (await focusedSeat(page)) === null; i++) await page.keyboard.press('Tab');
    expect(await focusedSeat(page)).toBe(sale.seatIds[0]);

    const press = async (key: string) => {
      await page.keyboard.press(key);
      return focusedSeat(page);
    };
    expect(await press('ArrowRight')).toBe(sale.seatIds[1]);
    expect(await press('ArrowDown')).toBe(sale.seatIds[11]); // row 2, seat 2
    expect(await press('ArrowRight')).toBe(sale.seatIds[13]); // seat 3 is sold: skipped
    expect(await press('ArrowUp')).toBe(sale.seatIds[3]); // row 1, seat 4
    expect(await press('End')).toBe(sale.seatIds[9]);
    expect(await press('ArrowRight')).toBe(sale.seatIds[9]); // the row's end: stays
    expect(await press('Home')).toBe(sale.seatIds[0]);
    expect(await press('Control+End')).toBe(sale.seatIds[29]);
    expect(await press('ArrowLeft')).toBe(sale.seatIds[28]);
    // Roving: the seat with focus is the section's one tab stop.
    expect(await page.$$eval('svg[data-section="A"] [tabindex="0"]', (els) => els.length)).toBe(1);
    expect(await page.getAttribute(`[data-seat="${sale.seatIds[28]}"]`, 'tabindex')).toBe('0');

    // Enter chooses; the map is drawn again and focus stays on the seat.
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => /row 3, seat 9/.test(document.querySelector('#choice')?.textContent ?? ''));
    expect(await focusedSeat(page)).toBe(sale.seatIds[28]);
    expect(await page.getAttribute(`[data-seat="${sale.seatIds[28]}"]`, 'aria-selected')).toBe('true');
    await page.keyboard.press(' ');
    await page.waitForFunction(() => !/row 3, seat 9/.test(document.querySelector('#choice')?.textContent ?? ''));
    expect(await focusedSeat(page)).toBe(sale.seatIds[28]);

    // Tab leaves the section for the next one's tab stop.
    await page.keyboard.press('Tab');
    expect(await focusedSeat(page)).toBe(wide[0]);
    expect(await press('ArrowRight')).toBe(wide[1]);
    // Back into section A: its tab stop is where the fan left it.
    await page.keyboard.press('Shift+Tab');
    expect(await focusedSeat(page)).toBe(sale.seatIds[28]);

    // A change of seats from the server redraws the map: the fan's focus and place survive it.
    await holdDirect(env, sale, (await signedIn(env)).userId, { seatIds: [sale.seatIds[27]!] });
    await page.waitForFunction(
      (id) => document.querySelector(`[data-seat="${id}"]`)?.classList.contains('seat-held'),
      sale.seatIds[27],
      { timeout: 20_000 },
    );
    expect(await focusedSeat(page)).toBe(sale.seatIds[28]);
    expect(await press('ArrowLeft')).toBe(sale.seatIds[26]); // seat 8 is being bought now: skipped
    expect(await seriousViolations(page)).toEqual([]);
    await screenshots(page, 'seatmap');
    expect(errors).toEqual([]);
  });
});
