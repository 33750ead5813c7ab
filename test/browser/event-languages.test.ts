import { eq } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { events } from '../../src/catalog/catalog.table.js';
import { eventTime } from '../../src/shared/zoned-time.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { createSale, type SaleSetup } from '../support/sales.js';
import { launch, screenshots, seriousViolations } from './browser.js';
import { textOf, watchErrors } from './session.js';

/**
 * The event page and discovery in German and Spanish (issue #21): a German and a Spanish
 * browser read an event on sale in their language — the sale's badge, the tickets' prices and
 * the event's time written that language's way, the seat map's key, the organizer's
 * description in their language (English where there is none) — and find it on the discover
 * page with its count, card and filters in their words. No serious axe violation.
 */
let env: TestEnv;
let browser: Browser;
let sale: SaleSetup;
let startsAt: { utc: string; timeZone: string };
beforeAll(async () => {
  env = await createTestEnv();
  browser = await launch();
  const organizer = await signedIn(env, ['organizer']);
  sale = await createSale(env, organizer.userId);
  // The organizer's own words in German only: a Spanish reader gets the English ones.
  await env.infra.database.db
    .update(events)
    .set({ description: 'A night of tests.', descriptions: { de: 'Ein Abend voller Tests.' } })
    .where(eq(events.id, sale.eventId));
  startsAt = ((await env.api.get(`/v1/events/${sale.eventId}`)).body as { startsAt: typeof startsAt }).startsAt;
});
afterAll(async () => {
  await browser?.close();
  await env?.close();
});

/** Spaces as a reader sees them (Intl writes "54,50 €" with a no-break space). */
const plain = (text: string) => text.replace(/\s+/g, ' ').trim();
const euros = (locale: string, cents: number) =>
  plain(new Intl.NumberFormat(locale, { style: 'currency', currency: 'EUR' }).format(cents / 100));

const LANGUAGES = {
  de: {
    browserLocale: 'de-DE',
    badge: 'Im Verkauf',
    tickets: 'Tickets',
    about: 'Über die Veranstaltung',
    hold: 'Diese Tickets reservieren',
    allIn: 'inkl. aller Gebühren',
    legend: 'barrierefreier Platz (gestrichelter Rand)',
    description: 'Ein Abend voller Tests.',
    descriptionLang: 'de',
    heading: 'Finden Sie Ihren nächsten Abend',
    count: '1 Veranstaltung.',
    search: 'Suchen',
    english: ['Hold these tickets', 'Getting there', 'all-in', 'Policies', 'tickets left'],
  },
  es: {
    browserLocale: 'es-ES',
    badge: 'A la venta',
    tickets: 'Entradas',
    about: 'Acerca del evento',
    hold: 'Reservar estas entradas',
    allIn: 'todo incluido',
    legend: 'asiento accesible (borde discontinuo)',
    description: 'A night of tests.',
    descriptionLang: 'en',
    heading: 'Encuentra tu próxima noche',
    count: '1 evento.',
    search: 'Buscar',
    english: ['Hold these tickets', 'Getting there', 'all-in', 'Policies', 'tickets left'],
  },
} as const;

describe('the event page and discovery in German and Spanish', () => {
  it.each(Object.keys(LANGUAGES) as (keyof typeof LANGUAGES)[])('%s', async (locale) => {
    const expected = LANGUAGES[locale];
    const context = await browser.newContext({ locale: expected.browserLocale });
    const page = await context.newPage();
    const errors = watchErrors(page);
    try {
      await page.goto(`${env.api.baseUrl}/event.html?id=${sale.eventId}`);
      await page.waitForSelector('#buy:not([hidden]) #tier option', { state: 'attached' });
      expect(await page.getAttribute('html', 'lang')).toBe(locale);
      expect(await textOf(page, '#state .badge')).toBe(expected.badge);
      expect(await textOf(page, '#tickets-title')).toBe(expected.tickets);
      expect(await textOf(page, '#about-title')).toBe(expected.about);
      expect(await textOf(page, '#buy button[type=submit]')).toBe(expected.hold);
      // The time and the prices as the language writes them: "Sa., 12. Dez., 20:00 MEZ", "54,50 €".
      expect(await textOf(page, '#when')).toBe(plain(eventTime(startsAt.utc, startsAt.timeZone, { locale })));
      const tiers = plain((await page.locator('#tier option').allTextContents()).join(' | '));
      expect(tiers).toContain(`${euros(locale, 5450)} ${expected.allIn}`);
      expect(tiers).toContain(euros(locale, 3300));
      // The organizer's description in the reader's language, else English, marked with its language.
      expect(await textOf(page, '#description')).toBe(expected.description);
      expect(await page.getAttribute('#description', 'lang')).toBe(expected.descriptionLang);
      // The seat map's key (the reserved tier is the first).
      await page.waitForSelector('.seatmap .legend');
      expect(await textOf(page, '.seatmap .legend')).toContain(expected.legend);
      const main = await textOf(page, 'main');
      for (const english of expected.english) expect(main, `"${english}" on the ${locale} page`).not.toContain(english);
      await screenshots(page, `event-${locale}`);
      expect(await seriousViolations(page)).toEqual([]);

      await page.goto(`${env.api.baseUrl}/?q=${encodeURIComponent('Test Night')}`);
      await page.waitForFunction(
        (count) => document.querySelector('#search-status')?.textContent === count,
        expected.count,
      );
      expect(await page.getAttribute('html', 'lang')).toBe(locale);
      expect(await textOf(page, 'h1')).toBe(expected.heading);
      expect(await textOf(page, '#filters button[type=submit]')).toBe(expected.search);
      const card = await textOf(page, '#results li');
      expect(card).toContain(expected.badge);
      expect(card).toContain(expected.allIn);
      expect(card).toContain(plain(eventTime(startsAt.utc, startsAt.timeZone, { locale })));
      for (const english of expected.english) expect(card, `"${english}" on the ${locale} card`).not.toContain(english);
      await screenshots(page, `discover-${locale}`);
      expect(await seriousViolations(page)).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
