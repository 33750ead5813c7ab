import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatZoned } from '../../src/shared/zoned-time.js';
import { admissionModule } from '../../src/waitingroom/scheduler.jobs.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { queueSale } from '../support/waitingroom.js';
import { launch, screenshots, seriousViolations } from './browser.js';
import { asUser, textOf, watchErrors } from './session.js';

/**
 * The organizer console in German and Spanish, as a browser asking for them gets it: the
 * negotiated language on <html>, the tabs, the forms and the live drop in its words, dates,
 * prices and figures written its way, no English left, and the switcher keeping the event shown.
 */
let env: TestEnv;
let browser: Browser;
let scheduler: { close(): Promise<void> } | undefined;
beforeAll(async () => {
  env = await createTestEnv();
  // The waiting room opens (and its figures exist) only once the scheduler has opened it.
  scheduler = await admissionModule().start(env.infra);
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await scheduler?.close();
  await env?.close();
});

interface Language {
  browserLocale: string;
  lang: 'de' | 'es';
  heading: string;
  tabs: [string, string, string];
  tierPriceLabel: string;
  /** Capacity 12,050 (50 seats and 12,000 standing) in the list's stock line. */
  stock: string;
  /** The seated tier: 50.00 + 4.50 fee, all-in. */
  allIn: string;
  dropTitle: string;
  /** The "Remaining" tile and its figure, 12,050. */
  remaining: RegExp;
  weekday: RegExp;
  /** The other language the switcher is tried with, and its heading. */
  other: { lang: 'de' | 'es'; heading: string };
}

const LANGUAGES: Language[] = [
  {
    browserLocale: 'de-DE',
    lang: 'de',
    heading: 'Veranstalterbereich',
    tabs: ['Ihre Veranstaltungen', 'Neue Veranstaltung', 'Veranstaltungsorte'],
    tierPriceLabel: 'Preis',
    stock: '0 von 12.050 verkauft',
    allIn: '54,50 € inklusive aller Gebühren',
    dropTitle: 'Live-Verkauf',
    remaining: /Verfügbar\s*12\.050/,
    weekday: /^(Mo|Di|Mi|Do|Fr|Sa|So)\., \d{1,2}\. /,
    other: { lang: 'es', heading: 'Panel del organizador' },
  },
  {
    browserLocale: 'es-ES',
    lang: 'es',
    heading: 'Panel del organizador',
    tabs: ['Tus eventos', 'Nuevo evento', 'Recintos'],
    tierPriceLabel: 'Precio',
    stock: '0 de 12.050 vendidas',
    allIn: '54,50 € con todo incluido',
    dropTitle: 'Venta en directo',
    remaining: /Disponibles\s*12\.050/,
    weekday: /^(lun|mar|mié|jue|vie|sáb|dom), \d{1,2} /,
    other: { lang: 'de', heading: 'Veranstalterbereich' },
  },
];

/** Words only the English console writes: none may be left on a German or Spanish page. */
const ENGLISH = [
  'Your events',
  'Add a price tier',
  'Live drop',
  'Waiting room with a lottery draw',
  'all-in',
  'Admitted',
];

async function consoleText(page: Page): Promise<string> {
  return textOf(page, 'main');
}

describe('the organizer console in German and Spanish', () => {
  it.each(LANGUAGES)('speaks $lang to a $browserLocale browser', async (l) => {
    const organizer = await signedIn(env, ['organizer']);
    const sale = await queueSale(env, organizer.userId, { gaCapacity: 12_000 });
    const context = await browser.newContext({ locale: l.browserLocale });
    try {
      const page = await context.newPage();
      const errors = watchErrors(page);
      await asUser(page, organizer.token);

      // The list of events.
      await page.goto(`${env.api.baseUrl}/organizer.html`);
      await page.waitForSelector('#events .event-row');
      expect(await page.getAttribute('html', 'lang')).toBe(l.lang);
      expect(await textOf(page, 'h1')).toBe(l.heading);
      expect([
        await textOf(page, '#tab-events'),
        await textOf(page, '#tab-event'),
        await textOf(page, '#tab-venues'),
      ]).toEqual(l.tabs);
      const row = `#events .event-row[data-event-id="${sale.eventId}"]`;
      const when = await textOf(page, `${row} time`);
      const startsAt = (await page.getAttribute(`${row} time`, 'datetime'))!;
      expect(when).toBe(formatZoned(startsAt, 'Europe/Paris', { locale: l.lang }));
      expect(when).toMatch(l.weekday);
      expect(await textOf(page, row)).toContain(l.stock);
      expect(await seriousViolations(page)).toEqual([]);

      // The event's workspace and its live drop.
      await page.click(`${row} a[data-manage]`);
      await page.waitForSelector('#drop-dashboard .tiles');
      expect(await textOf(page, 'label[for="tier-price"]')).toBe(l.tierPriceLabel);
      expect(await textOf(page, '#tier-list')).toContain(l.allIn);
      expect(await textOf(page, '#drop-dashboard h3')).toBe(l.dropTitle);
      expect(await textOf(page, '#drop-dashboard .tiles')).toMatch(l.remaining);
      const text = await consoleText(page);
      for (const english of ENGLISH) expect(text, `"${english}" on the ${l.lang} console`).not.toContain(english);
      await screenshots(page, `organizer-${l.lang}`);
      expect(await seriousViolations(page)).toEqual([]);

      // The switcher keeps the event shown.
      await page.click(`nav.languages a[hreflang="${l.other.lang}"]`);
      await page.waitForSelector('#drop-dashboard .tiles');
      expect(new URL(page.url()).searchParams.get('event')).toBe(sale.eventId);
      expect(await page.getAttribute('html', 'lang')).toBe(l.other.lang);
      expect(await textOf(page, 'h1')).toBe(l.other.heading);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
