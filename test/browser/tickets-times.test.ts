import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { events, venues } from '../../src/catalog/catalog.table.js';
import { outboxDispatcher } from '../../src/notifications/dispatcher.js';
import { notifications } from '../../src/notifications/notifications.table.js';
import { eventTime, formatZoned, mailTime } from '../../src/shared/zoned-time.js';
import { createSale, type SaleFixture } from '../support/commerce.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { mailText } from '../support/mail.js';
import { buySeats, emailOf, type Bought } from '../support/tickets-fixtures.js';
import { launch, screenshots, seriousViolations } from './browser.js';
import { asUser, textOf, watchErrors } from './session.js';

/**
 * My tickets on a phone in Berlin, for an event in New York: every time on the page names its
 * zone, times about the event read at the venue and the fan's own in Berlin, the same instant the
 * same way in every section; news of a postponement reads in words; the QR sits in the middle
 * of the screen with a countdown that a screen reader is not made to hear every second.
 */

const RAW_ISO = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
const VENUE_ZONE = 'America/New_York';
const FAN_ZONE = 'Europe/Berlin';

let env: TestEnv;
let browser: Browser;
let context: BrowserContext;
let sale: SaleFixture;
let fan: { token: string; userId: string };
let bought: Bought;
let newStartsAt: string;
const running: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  env = await createTestEnv({
    AUTH_LIMIT_PER_IP: '100000',
    DATA_DIR: await mkdtemp(join(tmpdir(), 'fairdrop-times-')),
    OUTBOX_POLL_MS: '100',
  });
  running.push(await outboxDispatcher.start(env.infra));
  sale = await createSale(env, { seats: 4 });
  const [event] = await env.infra.database.db.select().from(events).where(eq(events.id, sale.eventId));
  await env.infra.database.db.update(venues).set({ timeZone: VENUE_ZONE }).where(eq(venues.id, event!.venueId));
  fan = await signedIn(env);
  bought = await buySeats(env, sale, fan, 1);
  // Moved to 19:00 UTC in 60 days: the notice must say it as New York reads it.
  const day = new Date(Date.now() + 60 * 86_400_000);
  day.setUTCHours(19, 0, 0, 0);
  newStartsAt = day.toISOString();
  const moved = await env.api.post(
    `/v1/events/${sale.eventId}/postpone`,
    { newStartsAt, refundWindowDays: 14 },
    { token: sale.organizer.token },
  );
  if (moved.status !== 200) throw new Error(`postpone failed: ${moved.status} ${JSON.stringify(moved.body)}`);
  browser = await launch();
  // A phone (390 × 844) whose clock is set to Berlin.
  context = await browser.newContext({ timezoneId: FAN_ZONE, viewport: { width: 390, height: 844 } });
});
afterAll(async () => {
  await context?.close();
  await browser?.close();
  for (const r of running) await r.close();
  await env?.close();
});

interface ShownTime {
  section: string;
  datetime: string;
  zone: string;
  text: string;
}

async function shownTimes(page: Page): Promise<ShownTime[]> {
  return page.$$eval('#mine time', (els) =>
    els.map((el) => ({
      section: el.closest('section')?.getAttribute('aria-labelledby') ?? '',
      datetime: el.getAttribute('datetime') ?? '',
      zone: el.getAttribute('data-zone') ?? '',
      text: el.textContent ?? '',
    })),
  );
}

async function openTickets(): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors = watchErrors(page);
  await asUser(page, fan.token);
  await page.goto(`${env.api.baseUrl}/tickets.html`);
  await page.waitForSelector(`[data-ticket="${bought.ticketIds[0]}"] .ticket-qr img[data-step]`);
  await page.waitForSelector('#timeline li[data-seq]');
  await page.waitForSelector('#notifications [data-notification]');
  return { page, errors };
}

describe('times on My tickets', () => {
  it('names every zone: the event’s times at the venue, the fan’s own in the fan’s zone, alike in every section', async () => {
    const { page, errors } = await openTickets();
    const times = await shownTimes(page);
    expect(times.length).toBeGreaterThan(3);
    for (const t of times) {
      // Each is the shared formatter's words for its instant and zone, labelled with the zone.
      expect(t.text).toBe(formatZoned(t.datetime, t.zone));
      expect(t.text).toMatch(/\d\d:\d\d [A-Z]{2,5}$/);
    }
    const ticketCard = times.filter((t) => t.section === 'tickets-title');
    expect(ticketCard.map((t) => t.zone)).toEqual([VENUE_ZONE]);
    expect(ticketCard[0]!.text).toMatch(/ E[SD]T$/);
    // The fan's own doings (ordered, receipts, notices received) are Berlin time, one way everywhere.
    for (const section of ['orders-title', 'timeline-title', 'notifications-title']) {
      const own = times.filter((t) => t.section === section && t.zone === FAN_ZONE);
      expect(own.length, section).toBeGreaterThan(0);
      for (const t of own) expect(t.text).toMatch(/ CES?T$/);
    }
    // The refund deadline is the event's: New York time.
    const deadline = times.find((t) => t.section === 'orders-title' && t.zone === VENUE_ZONE);
    expect(deadline?.text).toMatch(/ E[SD]T$/);
    expect(await textOf(page, `[data-order="${bought.orderId}"]`)).toMatch(/ordered \w{3} \d{1,2} \w{3}/);

    // The postponement notice: the new date in words at the venue, the raw instant only in its data.
    const notices = await textOf(page, '#notifications');
    expect(notices).toContain(`New date: ${eventTime(newStartsAt, VENUE_ZONE)}.`);
    expect(notices).not.toMatch(RAW_ISO);
    const [row] = await env.infra.database.db
      .select({ body: notifications.body, data: notifications.data })
      .from(notifications)
      .where(eq(notifications.kind, 'event.postponed'));
    expect(row!.data).toMatchObject({ after: { startsAt: newStartsAt }, timeZone: VENUE_ZONE });
    // The mail of the same notice: the year and the place spelled out, as mails are read later and anywhere.
    const mail = await mailText(env, 'event.postponed', await emailOf(env, fan.userId));
    expect(mail).toContain(`New date: ${mailTime(newStartsAt, VENUE_ZONE)}.`);
    expect(mail).toContain('(New York time)');
    expect(mail).not.toMatch(RAW_ISO);
    expect(await textOf(page, '#mine')).not.toMatch(RAW_ISO);

    await screenshots(page, 'tickets-times');
    expect(await seriousViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('centres the QR on a phone and counts down to the next code without announcing every second', async () => {
    const { page, errors } = await openTickets();
    await page.setViewportSize({ width: 390, height: 844 });
    const card = `[data-ticket="${bought.ticketIds[0]}"]`;
    const [img, box] = await Promise.all([
      page.locator(`${card} .ticket-qr img`).boundingBox(),
      page.locator(card).boundingBox(),
    ]);
    const imgCentre = img!.x + img!.width / 2;
    expect(Math.abs(imgCentre - (box!.x + box!.width / 2))).toBeLessThanOrEqual(2);
    expect(Math.abs(imgCentre - 390 / 2)).toBeLessThanOrEqual(4);
    expect(img!.x).toBeGreaterThanOrEqual(0);
    expect(img!.x + img!.width).toBeLessThanOrEqual(390);

    const countdown = page.locator(`${card} .qr-countdown`);
    expect(await countdown.getAttribute('role')).toBe('timer');
    expect(await countdown.getAttribute('aria-live')).toBe('off');
    // Nothing around it speaks up on each change.
    expect(
      await countdown.evaluate((el) => {
        for (let n: Element | null = el.parentElement; n; n = n.parentElement) {
          const live = n.getAttribute('aria-live');
          if ((live && live !== 'off') || ['status', 'alert', 'log'].includes(n.getAttribute('role') ?? ''))
            return true;
        }
        return false;
      }),
    ).toBe(false);
    const seconds = async () => Number(/^New code in (\d+) s$/.exec((await countdown.textContent()) ?? '')?.[1]);
    const first = await seconds();
    expect(first).toBeGreaterThanOrEqual(1);
    expect(first).toBeLessThanOrEqual(31);
    // It moves by itself: a second or two later it reads less, or the code has changed and it starts again.
    const step = await page.getAttribute(`${card} .ticket-qr img`, 'data-step');
    await expect
      .poll(
        async () =>
          (await seconds()) < first || (await page.getAttribute(`${card} .ticket-qr img`, 'data-step')) !== step,
        { timeout: 5_000 },
      )
      .toBe(true);
    expect(await textOf(page, card)).not.toMatch(/Refreshes by itself/);

    await page.screenshot({ path: 'test-artifacts/screenshots/tickets-qr-phone-390.png' });
    expect(await seriousViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
