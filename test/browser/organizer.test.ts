import { eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../../src/auth/auth.table.js';
import { events, priceTiers, venues } from '../../src/catalog/catalog.table.js';
import { gaInventory, seats } from '../../src/sales/inventory.table.js';
import { onsaleSettings } from '../../src/sales/onsale.table.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { uniqueEmail } from '../support/fixtures.js';
import { launch, screenshots, seriousViolations } from './browser.js';

let env: TestEnv;
let browser: Browser;
beforeAll(async () => {
  env = await createTestEnv();
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await env?.close();
});

const PASSWORD = 'correct horse battery';

/** An account made through the API (roles set as an admin would), signed in through the account page. */
async function signIn(page: Page, roles: ('fan' | 'organizer')[]): Promise<string> {
  const email = uniqueEmail(roles.at(-1));
  const { userId } = await env.api.register(
    email,
    PASSWORD,
    roles.includes('organizer') ? 'Olga Organizer' : 'Fran Fan',
  );
  await env.infra.database.db.update(users).set({ roles }).where(eq(users.id, userId));
  await page.goto(`${env.api.baseUrl}/account.html`);
  await page.fill('#signin-email', email);
  await page.fill('#signin-password', PASSWORD);
  await page.click('#signin button[type=submit]');
  await page.waitForSelector('#signed-in:not([hidden])');
  return userId;
}

/** "YYYY-MM-DDTHH:mm" as a wall clock in Paris, `minutesFromNow` from now (for datetime-local inputs). */
function parisWallClock(minutesFromNow: number): string {
  const at = new Date(Math.floor(Date.now() / 60_000) * 60_000 + minutesFromNow * 60_000);
  return new Intl.DateTimeFormat('sv-SE', {
    timeZone: 'Europe/Paris',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  })
    .format(at)
    .replace(' ', 'T');
}

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // Refusals the page handles (400s on purpose, the fan's 403) are logged by Chromium as failed loads.
  page.on('console', (m) => m.type() === 'error' && !/status of (400|403|404)/.test(m.text()) && errors.push(m.text()));
  return errors;
}

describe('organizer console', () => {
  it('creates a venue, an event with a seated tier from a layout and a GA tier, an open on-sale window, and publishes it', async () => {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    const organizerId = await signIn(page, ['organizer']);
    await page.goto(`${env.api.baseUrl}/organizer.html`);
    await page.waitForSelector('#console:not([hidden])');
    expect(await page.isVisible('#events-empty')).toBe(true);

    // Venues have their own tab. A bad venue: each API error lands beside its field.
    await page.click('#tab-venues');
    expect(await page.isHidden('#panel-events')).toBe(true);
    await page.fill('#venue-name', 'Salle Rameau');
    await page.fill('#venue-address', '29 Rue de la Martinière');
    await page.fill('#venue-city', 'Lyon');
    await page.fill('#venue-country', 'F');
    await page.fill('#venue-lat', '123');
    await page.fill('#venue-lng', '4.8299');
    await page.click('#venue-form button[type=submit]');
    await page.waitForSelector('#venue-form .field-error');
    expect(await page.textContent('#venue-country + .field-error')).toMatch(/two-letter country code/);
    expect(await page.getAttribute('#venue-country', 'aria-invalid')).toBe('true');
    expect(await page.getAttribute('#venue-lat', 'aria-describedby')).toContain('error');
    expect(await page.textContent('#venue-lat + .field-error')).toMatch(/90/);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('venue-country'); // the first wrong field has focus
    await screenshots(page, 'organizer-errors');

    await page.fill('#venue-country', 'fr');
    await page.fill('#venue-lat', '45.7685');
    await page.selectOption('#venue-tz', 'Europe/Paris');
    await page.check('#venue-access input[value="wheelchair"]');
    await page.check('#venue-access input[value="hearing_loop"]');
    await page.fill('#venue-stops', 'Hôtel de Ville; A, C; 5\nCordeliers; A; 8');
    await page.fill('#venue-parking', 'Parking Terreaux, 300 m');
    await page.click('#venue-form button[type=submit]');
    await page.waitForSelector('#venue-form .status.ok');
    expect(await page.locator('#venue-form .field-error').count()).toBe(0);
    expect(await page.textContent('#venue-list')).toContain('Salle Rameau');

    // The event, in the venue's time zone (the browser runs in UTC), from the venue just made.
    await page.click('#venue-next');
    await page.waitForSelector('#panel-event:not([hidden])');
    expect(await page.textContent('#tab-event')).toBe('New event');
    expect(await page.textContent('#event-tz')).toBe('Europe/Paris');
    await page.fill('#event-name', 'Night Shift');
    await page.fill('#event-description', 'Loud guitars until midnight.');
    await page.check('#event-categories input[value="rock"]');
    await page.check('#event-categories input[value="indie"]');
    await page.fill('#event-performers', 'The Nights, Dawn Choir');
    await page.fill('#event-starts', '2031-06-20T20:00');
    await page.fill('#event-doors', '2031-06-20T19:00');
    await page.fill('#event-ends', '2031-06-20T23:30');
    await page.fill('#event-refundable', '2031-06-10T12:00');
    await page.fill('#event-limit', '6');
    await page.uncheck('#event-transfers');
    await page.click('#event-submit');
    await page.waitForSelector('#workspace:not([hidden])');
    expect(await page.textContent('#workspace-title')).toBe('Night Shift');
    expect(await page.textContent('#tab-event')).toBe('Night Shift');
    expect(new URL(page.url()).searchParams.get('event')).toMatch(/^[0-9a-f-]{36}$/);

    // A reserved tier, its seats from a compact layout, then a GA tier.
    await page.fill('#tier-name', 'Stalls');
    await page.fill('#tier-price', '45.00');
    await page.fill('#tier-fee', '5');
    await page.click('#tier-form button[type=submit]');
    await page.waitForSelector('#tier-form .status.ok');
    await page.selectOption('#seats-tier', { label: 'Stalls' });
    await page.fill('#seats-layout', 'rows everywhere');
    await page.click('#seats-form button[type=submit]');
    await page.waitForSelector('#seats-layout + .field-error'); // the API's blocks.0.layout, beside the layout
    await page.fill('#seats-layout', 'section A rows 1-3 seats 1-10');
    await page.fill('#seats-accessible', '1-2');
    expect(await page.textContent('#seats-preview')).toBe('Adds 30 seats in 3 rows, 6 accessible.');
    await page.click('#seats-form button[type=submit]');
    await page.waitForSelector('#seats-form .status.ok');
    expect(await page.textContent('#section-list')).toContain('Section A — 3 rows, 30 seats');

    await page.fill('#tier-name', 'Floor');
    await page.check('#tier-form input[value="ga"]');
    await page.fill('#tier-price', '30');
    await page.fill('#tier-capacity', '200');
    await page.click('#tier-form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#tier-list')?.textContent?.includes('Floor'));

    // An open sale that started an hour ago (Paris time) and ends before the show.
    const saleStart = parisWallClock(-60);
    await page.fill('#onsale-start', saleStart);
    await page.click('#onsale-form button[type=submit]'); // a queue needs its waiting-room opening
    await page.waitForSelector('#onsale-prequeue + .field-error');
    // A waiting room takes confirmed addresses unless the organizer unticks it; an open sale has none.
    expect(await page.isChecked('#onsale-verified')).toBe(true);
    await page.check('#onsale-form input[value="open"]');
    expect(await page.isHidden('#onsale-prequeue')).toBe(true);
    expect(await page.isHidden('#onsale-verified')).toBe(true);
    await page.fill('#onsale-start', saleStart);
    await page.fill('#onsale-end', '2031-06-20T12:00');
    await page.fill('#onsale-hold', '300');
    await page.fill('#onsale-limit', '4');
    await page.click('#onsale-form button[type=submit]');
    await page.waitForSelector('#onsale-form .status.ok');
    expect(await page.locator('#onsale-form .field-error').count()).toBe(0);

    // Published, its open sale under way since an hour ago: on sale at once.
    await page.click('#publish-scheduled');
    await page.waitForSelector('#publish-form .status.ok');
    expect(await page.textContent('#publish-state')).toContain('On sale');
    await page.waitForFunction(() => document.querySelector('#events .badge-on_sale') !== null);
    const card = await page.textContent('#events .event-row');
    expect(card).toContain('Night Shift');
    expect(card).toContain('Sold 0 of 230');
    expect(await page.getAttribute('#drop-dashboard', 'data-event-id')).toMatch(/^[0-9a-f-]{36}$/);
    // An open sale has no waiting room: the live dashboard says so instead of showing empty numbers.
    await page.waitForFunction(() =>
      document.querySelector('#drop-dashboard')?.textContent?.includes('it sells openly'),
    );
    await screenshots(page, 'organizer');
    expect(await seriousViolations(page)).toEqual([]);
    // Usable at 320 px: nothing wider than the screen, so nothing needs sideways scrolling.
    await page.setViewportSize({ width: 320, height: 800 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
    await page.setViewportSize({ width: 1280, height: 900 });

    // The database holds exactly what was typed.
    const db = env.infra.database.db;
    const [venue] = await db.select().from(venues).where(eq(venues.ownerId, organizerId));
    expect(venue).toMatchObject({
      name: 'Salle Rameau',
      address: '29 Rue de la Martinière',
      city: 'Lyon',
      country: 'FR',
      latitude: 45.7685,
      longitude: 4.8299,
      timeZone: 'Europe/Paris',
      accessibility: ['wheelchair', 'hearing_loop'],
      transit: {
        stops: [
          { name: 'Hôtel de Ville', lines: ['A', 'C'], walkingMinutes: 5 },
          { name: 'Cordeliers', lines: ['A'], walkingMinutes: 8 },
        ],
        parking: 'Parking Terreaux, 300 m',
      },
    });
    const [event] = await db.select().from(events).where(eq(events.organizerId, organizerId));
    expect(event).toMatchObject({
      venueId: venue!.id,
      title: 'Night Shift',
      description: 'Loud guitars until midnight.',
      categories: ['rock', 'indie'],
      performers: ['The Nights', 'Dawn Choir'],
      // Paris is UTC+2 in June.
      startsAt: new Date('2031-06-20T18:00:00Z'),
      doorsAt: new Date('2031-06-20T17:00:00Z'),
      endsAt: new Date('2031-06-20T21:30:00Z'),
      refundableUntil: new Date('2031-06-10T10:00:00Z'),
      transfersAllowed: false,
      perAccountLimit: 6,
      status: 'scheduled',
    });
    const tiers = await db
      .select()
      .from(priceTiers)
      .where(eq(priceTiers.eventId, event!.id))
      .orderBy(priceTiers.createdAt);
    expect(tiers.map((t) => [t.name, t.kind, t.priceCents, t.feeCents, t.currency])).toEqual([
      ['Stalls', 'reserved', 4500, 500, 'EUR'],
      ['Floor', 'ga', 3000, 0, 'EUR'],
    ]);
    const seatRows = await db.select().from(seats).where(eq(seats.eventId, event!.id));
    expect(seatRows).toHaveLength(30);
    expect(new Set(seatRows.map((s) => `${s.tierId}|${s.section}|${s.status}`))).toEqual(
      new Set([`${tiers[0]!.id}|A|available`]),
    );
    expect(
      seatRows
        .filter((s) => s.accessible)
        .map((s) => `${s.row}-${s.number}`)
        .sort(),
    ).toEqual(['1-1', '1-2', '2-1', '2-2', '3-1', '3-2']);
    const [ga] = await db.select().from(gaInventory).where(eq(gaInventory.tierId, tiers[1]!.id));
    expect(ga).toMatchObject({ capacity: 200, held: 0, sold: 0 });
    const [onsale] = await db.select().from(onsaleSettings).where(eq(onsaleSettings.eventId, event!.id));
    expect(onsale).toMatchObject({
      mode: 'open',
      prequeueOpensAt: null,
      admitPerMinute: null,
      saleEndsAt: new Date('2031-06-20T10:00:00Z'),
      holdTtlSeconds: 300,
      perAccountLimit: 4,
      requireVerifiedEmail: false,
      state: 'scheduled',
    });
    expect(
      Math.abs(onsale!.saleStartsAt.getTime() - (Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000)),
    ).toBeLessThanOrEqual(60_000);

    // Reloading keeps the selected event, filled in from the API.
    await page.reload();
    await page.waitForSelector('#workspace:not([hidden])');
    expect(await page.inputValue('#event-starts')).toBe('2031-06-20T20:00');
    expect(await page.inputValue('#onsale-start')).toBe(saleStart);
    expect(errors).toEqual([]);
  });

  it('refuses a fan: the page says the console needs the organizer role', async () => {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await signIn(page, ['fan']);
    await page.goto(`${env.api.baseUrl}/organizer.html`);
    await page.waitForSelector('#gate:not([hidden])');
    expect(await page.textContent('#gate-text')).toContain('You need the organizer role');
    expect(await page.isHidden('#console')).toBe(true);
    await screenshots(page, 'organizer-refused');
    expect(await seriousViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
  });
});
