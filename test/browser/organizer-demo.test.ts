import { and, asc, eq, sql } from 'drizzle-orm';
import type { Browser, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../../src/auth/auth.table.js';
import { events } from '../../src/catalog/catalog.table.js';
import { eventStaff } from '../../src/checkin/checkin.table.js';
import { admissionModule } from '../../src/waitingroom/scheduler.jobs.js';
import { DEMO_PASSWORD, seedAccounts } from '../../tools/seed/accounts.js';
import { seedCatalog } from '../../tools/seed/catalog.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedInVerified } from '../support/fixtures.js';
import { emailOf } from '../support/tickets-fixtures.js';
import { launch, screenshots, seriousViolations } from './browser.js';
import { asUser, openScannerStation, textOf, watchErrors } from './session.js';

/**
 * The demo data as `npm start` loads it, used as a new organizer and their door staff would:
 * the staff account scans a seeded event out of the box, the organizer's 340 events read as a
 * compact list a page at a time, and door staff are invited and removed from the console.
 */

let env: TestEnv;
let browser: Browser;
let scheduler: { close(): Promise<void> } | undefined;
let organizerToken: string;
let staffToken: string;
beforeAll(async () => {
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '100000' });
  const db = env.infra.database.db;
  await seedAccounts(db, env.config);
  await seedCatalog(db);
  const login = async (email: string) =>
    (await env.api.post('/v1/auth/login', { email, password: DEMO_PASSWORD })).body.token as string;
  organizerToken = await login('organizer@fairdrop.local');
  staffToken = await login('staff@fairdrop.local');
  // The waiting rooms of the seeded drops open and draw as under `npm start`.
  scheduler = await admissionModule().start(env.infra);
  browser = await launch();
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await scheduler?.close();
  await env?.close();
});

const db = () => env.infra.database.db;
const seededEvent = async (status: 'on_sale' | 'scheduled' | 'draft') =>
  (await db().select().from(events).where(eq(events.status, status)).orderBy(asc(events.startsAt)).limit(1))[0]!;

async function consolePage(url = '/organizer.html'): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await asUser(page, organizerToken);
  await page.goto(`${env.api.baseUrl}${url}`);
  await page.waitForSelector('#console:not([hidden])', { timeout: 90_000 });
  return { page, errors };
}

describe('the demo data out of the box', () => {
  it('lets the demo door staff start scanning a seeded event', { timeout: 180_000 }, async () => {
    const [staff] = await db().select().from(users).where(eq(users.email, 'staff@fairdrop.local'));
    const [counts] = await db()
      .select({
        events: sql<number>`(select count(*)::int from events)`,
        staffed: sql<number>`(select count(*)::int from event_staff where user_id = ${staff!.id})`,
      })
      .from(sql`(select 1) one`);
    expect(counts!.staffed).toBe(counts!.events);

    const event = await seededEvent('on_sale');
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await asUser(page, staffToken);
    await openScannerStation(page, env.api.baseUrl, event.id, 'North');
    expect(await textOf(page, '#station-title')).toContain(event.title);
    expect(await page.isVisible('#manual')).toBe(true);
    expect(errors).toEqual([]);
    await page.close();

    // Without a link to an event, the scanner offers the events they are staff of, the soonest chosen.
    const [soonest] = await db().execute<{ id: string }>(sql`
      select e.id from events e join event_staff s on s.event_id = e.id and s.user_id = ${staff!.id}
      where e.starts_at > now() - interval '1 day' and e.status not in ('cancelled', 'completed', 'draft')
      order by e.starts_at, e.id limit 1`);
    const fresh = await browser.newPage();
    await asUser(fresh, staffToken);
    await fresh.goto(`${env.api.baseUrl}/scanner.html`);
    await fresh.waitForSelector(`#event option[value="${soonest!.id}"]`, { state: 'attached' });
    expect(await fresh.locator('#event option').count()).toBeGreaterThan(10);
    expect(await fresh.inputValue('#event')).toBe(soonest!.id);
    await fresh.fill('#gate', 'South');
    await fresh.click('#setup-form button[type=submit]');
    await fresh.waitForSelector('#station:not([hidden])');
    await fresh.close();
  });
});

describe('the organizer’s events', () => {
  it(
    'are a compact list a page at a time, beside (not above) the venue form; a new draft dated next year is found',
    { timeout: 180_000 },
    async () => {
      const { page, errors } = await consolePage();
      await page.waitForSelector('#events .event-row');
      expect(await textOf(page, '#events-summary')).toBe('Showing 1–20 of 340 events.');
      expect(await page.locator('#events .event-row').count()).toBe(20);
      expect(await page.isHidden('#venue-form')).toBe(true);
      expect(await page.evaluate(() => document.documentElement.scrollHeight)).toBeLessThan(3000);
      await screenshots(page, 'organizer-events');
      expect(await seriousViolations(page)).toEqual([]);
      // Usable at 320 px: the tabs, filters and rows wrap instead of scrolling sideways.
      await page.setViewportSize({ width: 320, height: 800 });
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
      await page.setViewportSize({ width: 1280, height: 900 });
      // The tabs answer the arrow keys, as tabs do.
      await page.focus('#tab-events');
      await page.keyboard.press('ArrowLeft');
      await page.waitForSelector('#panel-venues:not([hidden])');
      expect(await page.getAttribute('#tab-venues', 'aria-selected')).toBe('true');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('tab-venues');
      expect(new URL(page.url()).searchParams.get('tab')).toBe('venues');
      await page.keyboard.press('Home');
      await page.waitForSelector('#panel-events:not([hidden])');

      // Page 2, in the address; Back returns to page 1.
      await page.click('#page-next');
      await page.waitForFunction(() =>
        document.querySelector('#events-summary')?.textContent?.startsWith('Showing 21–40'),
      );
      expect(new URL(page.url()).searchParams.get('page')).toBe('2');
      expect(await textOf(page, '#page-of')).toBe('Page 2 of 17');
      await page.goBack();
      await page.waitForFunction(() =>
        document.querySelector('#events-summary')?.textContent?.startsWith('Showing 1–20'),
      );

      // A draft dated next year, made in the Event tab.
      const nextYear = new Date().getUTCFullYear() + 1;
      await page.click('#new-event');
      await page.waitForSelector('#panel-event:not([hidden])');
      await page.selectOption('#event-venue', { index: 1 });
      await page.fill('#event-name', 'Midwinter Gala');
      await page.fill('#event-starts', `${nextYear}-12-30T20:00`);
      await page.click('#event-submit');
      await page.waitForSelector('#workspace:not([hidden])');
      expect(await page.textContent('#tab-event')).toBe('Midwinter Gala');

      // Found by its title, by its status, and first among the newest.
      await page.click('#tab-events');
      await page.fill('#filter-q', 'midwinter');
      await page.click('#events-filter button[type=submit]');
      await page.waitForFunction(
        () => document.querySelector('#events-summary')?.textContent === '1 event matching this search.',
      );
      expect(await textOf(page, '#events .event-row')).toContain('Midwinter Gala');
      expect(await page.isVisible('#events .event-row .badge-draft')).toBe(true);
      expect(new URL(page.url()).searchParams.get('q')).toBe('midwinter');

      await page.click('#events-filter button[type=reset]');
      await page.waitForFunction(
        () => document.querySelector('#events-summary')?.textContent === 'Showing 1–20 of 341 events.',
      );
      await page.selectOption('#filter-status', 'draft');
      await page.selectOption('#filter-sort', 'created');
      await page.click('#events-filter button[type=submit]');
      await page.waitForFunction(() =>
        /matching this search/.test(document.querySelector('#events-summary')?.textContent ?? ''),
      );
      expect(await page.locator('#events .event-row').first().textContent()).toContain('Midwinter Gala');
      const drafts = await db()
        .select({ n: sql<number>`count(*)::int` })
        .from(events)
        .where(eq(events.status, 'draft'));
      expect(await textOf(page, '#events-summary')).toContain(`${drafts[0]!.n} events matching`);

      // A search nothing matches says so, and how to get everything back.
      await page.fill('#filter-q', 'no such title anywhere');
      await page.click('#events-filter button[type=submit]');
      await page.waitForFunction(() =>
        /No event matches/.test(document.querySelector('#events-summary')?.textContent ?? ''),
      );
      await screenshots(page, 'organizer-events-none');
      expect(await seriousViolations(page)).toEqual([]);
      expect(errors).toEqual([]);
      await page.close();
    },
  );
});

describe('door staff from the console', () => {
  it(
    'lists the event’s staff, refuses an address with no account beside the field, invites and removes',
    { timeout: 180_000 },
    async () => {
      const event = await seededEvent('scheduled');
      const { page, errors } = await consolePage(`/organizer.html?event=${event.id}`);
      await page.waitForSelector('#staff-list .staff-member');
      expect(await textOf(page, '#staff-list')).toContain('Demo Door Staff staff@fairdrop.local');

      await page.fill('#staff-email', 'nobody-signed-up@example.test');
      await page.click('#staff-form button[type=submit]');
      await page.waitForSelector('#staff-email[aria-invalid="true"]');
      expect(await textOf(page, '#staff-email-error')).not.toBe('');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('staff-email');

      const door = await signedInVerified(env, ['staff']);
      const email = await emailOf(env, door.userId);
      await page.fill('#staff-email', email);
      await page.click('#staff-form button[type=submit]');
      await page.waitForSelector('#staff-form .status.ok');
      expect(await textOf(page, '#staff-form .status')).toContain('is now door staff');
      expect(await page.locator('#staff-email-error').count()).toBe(0);
      expect(await textOf(page, '#staff-list')).toContain(email);
      const rows = () =>
        db()
          .select()
          .from(eventStaff)
          .where(and(eq(eventStaff.eventId, event.id), eq(eventStaff.userId, door.userId)));
      expect(await rows()).toHaveLength(1);
      await screenshots(page, 'organizer-staff');
      expect(await seriousViolations(page)).toEqual([]);

      await page.click(`#staff-list [data-remove="${door.userId}"]`);
      await page.waitForSelector('#staff-status.ok');
      expect(await textOf(page, '#staff-status')).toContain('is no longer door staff');
      expect(await textOf(page, '#staff-list')).not.toContain(email);
      expect(await rows()).toEqual([]);
      expect(errors).toEqual([]);
      await page.close();
    },
  );
});

describe('the live drop dashboard', () => {
  /** The console's requests while it sits on an event for a few seconds. */
  async function requestsWhileOpen(eventId: string, ms: number): Promise<{ urls: string[]; errors: string[] }> {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    const urls: string[] = [];
    page.on('request', (r: Request) => urls.push(new URL(r.url()).pathname));
    await asUser(page, organizerToken);
    await page.goto(`${env.api.baseUrl}/organizer.html?event=${eventId}`);
    await page.waitForSelector('#workspace:not([hidden])', { timeout: 90_000 });
    await page.waitForTimeout(ms);
    await page.close();
    return { urls, errors };
  }

  it('asks for no on-sale that does not exist and polls nothing before a drop', { timeout: 120_000 }, async () => {
    const draft = await seededEvent('draft');
    const { urls, errors } = await requestsWhileOpen(draft.id, 4_000);
    expect(urls.filter((u) => u.endsWith('/onsale'))).toEqual([]);
    expect(urls.filter((u) => u.endsWith('/queue/stats'))).toEqual([]);
    expect(errors).toEqual([]);
  });

  it(
    'polls the drop’s figures while its waiting room is open, and never the on-sale',
    { timeout: 120_000 },
    async () => {
      const [live] = await db().execute<{ id: string }>(sql`
      select e.id from events e join onsale_settings o on o.event_id = e.id
      where o.mode = 'queue' and o.sale_starts_at < now() and e.status = 'on_sale' limit 1`);
      const { urls, errors } = await requestsWhileOpen(live!.id, 4_000);
      expect(urls.filter((u) => u.endsWith('/onsale'))).toEqual([]);
      expect(urls.filter((u) => u.endsWith('/queue/stats')).length).toBeGreaterThanOrEqual(2);
      expect(errors).toEqual([]);
    },
  );
});
