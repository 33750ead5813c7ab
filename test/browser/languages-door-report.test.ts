import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locale } from '../../src/i18n/locales.js';
import { eventTime } from '../../src/shared/zoned-time.js';
import { createSale, type SaleFixture } from '../support/commerce.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { buySeats, codeOf, doorStaff } from '../support/tickets-fixtures.js';
import { launch, screenshots, seriousViolations } from './browser.js';
import { asUser, openScannerStation, textOf, watchErrors } from './session.js';

/**
 * The door scanner, the drop report and the attendees page in German and Spanish (issue #21):
 * a sale of reserved seats, three bought, one let in at the "Nord" gate through the API. Each
 * browser language (Accept-Language from the context's locale) gets <html lang>, its headings
 * and answers, the event's time, money and counts written its way, none of the English, no
 * serious axe violation; a fan who is not door staff reads the API's refusal in its words; the
 * language links keep the page's `?event=`.
 */
let env: TestEnv;
let browser: Browser;
let sale: SaleFixture;
let staff: { token: string; userId: string };
let fan: { token: string; userId: string };
let ticketIds: string[];
let startsAt: { utc: string; timeZone: string };

beforeAll(async () => {
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '100000' });
  browser = await launch();
  sale = await createSale(env, { seats: 6 });
  fan = await signedIn(env);
  ({ ticketIds } = await buySeats(env, sale, fan, 3));
  staff = await doorStaff(env, sale);
  const scan = await env.api.post(
    '/v1/checkin',
    {
      code: await codeOf(env, fan.token, ticketIds[0]!),
      gate: 'Nord',
      nonce: crypto.randomUUID(),
      eventId: sale.eventId,
    },
    { token: staff.token },
  );
  expect(scan.body.result).toBe('admitted');
  startsAt = (await env.api.get(`/v1/events/${sale.eventId}`)).body.startsAt;
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await env?.close();
});

interface Expected {
  browserLocale: string;
  scanner: {
    heading: string;
    offlineTitle: string;
    bundle: RegExp;
    admitted: string;
    alreadyUsed: RegExp;
    notStaff: string;
  };
  report: { heading: string; summaryTitle: string; sales: RegExp; revenue: string };
  attendees: { heading: string; count: string; gates: string; page: string; seatColumn: string };
  /** English these pages must not show in this language. */
  notEnglish: string[];
}

const LANGUAGES: Record<Exclude<Locale, 'en'>, Expected> = {
  de: {
    browserLocale: 'de-DE',
    scanner: {
      heading: 'Einlassscanner',
      offlineTitle: 'Offline-Modus',
      bundle: /^Offline-Paket von .* \(gültig bis .*\): 0 widerrufen, \d waren da schon drin\.$/,
      admitted: 'Eingelassen',
      alreadyUsed: /Bereits benutzt.*Bereits um .* an Eingang Nord benutzt\. Nicht noch einmal einlassen\./,
      notStaff:
        'Sie gehören nicht zum Einlasspersonal dieser Veranstaltung. Bitten Sie den Veranstalter, Sie hinzuzufügen.',
    },
    report: {
      heading: 'Verkaufsbericht:',
      summaryTitle: 'Was passiert ist',
      sales: /3 von \d+ Plätzen in 1 Bestellung verkauft\./,
      revenue: 'eingenommen',
    },
    attendees: {
      heading: 'Besucher und Einlässe',
      count: '3 Besucher.',
      gates: '3 von 3 Ticketinhabern sind drin.',
      page: 'Seite 1 von 1',
      seatColumn: 'Platz',
    },
    notEnglish: ['Door scanner', 'Offline mode', 'Ticket code', 'What happened', 'Over time', 'Attendees', 'Gate'],
  },
  es: {
    browserLocale: 'es-ES',
    scanner: {
      heading: 'Escáner de acceso',
      offlineTitle: 'Modo sin conexión',
      bundle: /^Paquete sin conexión de las .* \(válido hasta las .*\): 0 anuladas, \d ya dentro entonces\.$/,
      admitted: 'Acceso permitido',
      alreadyUsed: /Ya usada.*Ya usada a las .* en la puerta Nord\. No dejes entrar de nuevo\./,
      notStaff: 'No formas parte del personal de acceso de este evento. Pide a su organizador que te añada.',
    },
    report: {
      heading: 'Informe de la venta:',
      summaryTitle: 'Qué pasó',
      sales: /3 de \d+ plazas vendidas en 1 pedido\./,
      revenue: 'cobrados',
    },
    attendees: {
      heading: 'Asistentes y accesos',
      count: '3 asistentes.',
      gates: '3 de 3 titulares de entrada están dentro.',
      page: 'Página 1 de 1',
      seatColumn: 'Asiento',
    },
    notEnglish: ['Door scanner', 'Offline mode', 'Ticket code', 'What happened', 'Over time', 'Attendees', 'Gate'],
  },
};

async function pageAs(locale: string, token: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ locale });
  const page = await context.newPage();
  await asUser(page, token);
  return { context, page };
}

function noEnglish(text: string, expected: Expected, where: string): void {
  for (const english of expected.notEnglish) expect(text, `"${english}" on the ${where}`).not.toContain(english);
}

describe('door scanner, drop report and attendees in German and Spanish', () => {
  it.each(Object.keys(LANGUAGES) as (keyof typeof LANGUAGES)[])(
    '%s: the scanner answers and refuses in the language, with its times',
    async (locale) => {
      const expected = LANGUAGES[locale];
      const { context, page } = await pageAs(expected.browserLocale, staff.token);
      const errors = watchErrors(page);
      try {
        await openScannerStation(page, env.api.baseUrl, sale.eventId, 'Süd');
        expect(await page.getAttribute('html', 'lang')).toBe(locale);
        expect(await textOf(page, 'h1')).toBe(expected.scanner.heading);
        expect(await textOf(page, '#offline-title')).toBe(expected.scanner.offlineTitle);
        // The event's time, as this language writes it, in the event list.
        const time = eventTime(startsAt.utc, startsAt.timeZone, { locale });
        expect(time).not.toBe(eventTime(startsAt.utc, startsAt.timeZone, { locale: 'en' }));
        expect(await textOf(page, `#event option[value="${sale.eventId}"]`)).toContain(time);
        expect(await textOf(page, '#bundle-state')).toMatch(expected.scanner.bundle);

        // Each language lets in a ticket of its own: German the second, Spanish the third.
        await page.fill('#code', await codeOf(env, fan.token, ticketIds[locale === 'de' ? 1 : 2]!));
        await page.click('#manual button[type=submit]');
        await page.waitForSelector('#result.result-ok');
        expect(await textOf(page, '#result .result-word')).toContain(expected.scanner.admitted);
        await page.fill('#code', await codeOf(env, fan.token, ticketIds[0]!));
        await page.click('#manual button[type=submit]');
        await page.waitForSelector('#result[data-result="already_used"]');
        expect(await textOf(page, '#result')).toMatch(expected.scanner.alreadyUsed);
        noEnglish(await textOf(page, 'main'), expected, `${locale} scanner`);
        await screenshots(page, `scanner-${locale}`);
        expect(await seriousViolations(page)).toEqual([]);
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }

      // A fan who is not door staff: the API's refusal, in the language's words.
      const outsider = await pageAs(expected.browserLocale, fan.token);
      try {
        const refused = outsider.page;
        await refused.goto(`${env.api.baseUrl}/scanner.html?event=${sale.eventId}`);
        await refused.waitForSelector(`#event option[value="${sale.eventId}"]`, { state: 'attached' });
        await refused.fill('#gate', 'Nord');
        await refused.click('#setup-form button[type=submit]');
        await refused.waitForSelector('#setup-status.bad');
        expect(await textOf(refused, '#setup-status')).toBe(expected.scanner.notStaff);
      } finally {
        await outsider.context.close();
      }
    },
  );

  it.each(Object.keys(LANGUAGES) as (keyof typeof LANGUAGES)[])(
    '%s: the report and the attendees page in the language, money and counts its way; the switcher keeps the event',
    async (locale) => {
      const expected = LANGUAGES[locale];
      const { context, page } = await pageAs(expected.browserLocale, sale.organizer.token);
      const errors = watchErrors(page);
      try {
        await page.goto(`${env.api.baseUrl}/report.html?event=${sale.eventId}`);
        await page.waitForSelector('#report-body:not([hidden])');
        expect(await page.getAttribute('html', 'lang')).toBe(locale);
        expect(await textOf(page, 'h1')).toContain(expected.report.heading);
        expect(await textOf(page, '#summary-title')).toBe(expected.report.summaryTitle);
        const summary = await textOf(page, '#summary');
        expect(summary).toMatch(expected.report.sales);
        // Three seats at 40 € plus a 5 € fee each, as the language writes money.
        const money = new Intl.NumberFormat(locale, { style: 'currency', currency: 'EUR' }).format(135);
        expect(money).toMatch(/^135,00\s€$/);
        // Intl and the page may write the space before € differently (no-break, narrow no-break).
        const spaced = (text: string) => text.replace(/\s/g, ' ');
        expect(spaced(summary)).toContain(spaced(`${money} ${expected.report.revenue}`));
        noEnglish(await textOf(page, 'main'), expected, `${locale} report`);
        await screenshots(page, `report-${locale}`);
        expect(await seriousViolations(page)).toEqual([]);

        await page.goto(`${env.api.baseUrl}/attendees.html?event=${sale.eventId}`);
        await page.waitForSelector('#attendees-body:not([hidden])');
        expect(await page.getAttribute('html', 'lang')).toBe(locale);
        expect(await textOf(page, 'h1')).toBe(expected.attendees.heading);
        expect(await textOf(page, '#attendee-count')).toBe(expected.attendees.count);
        expect(await textOf(page, '#gates-text')).toBe(expected.attendees.gates);
        expect(await textOf(page, '#page-label')).toBe(expected.attendees.page);
        expect(await textOf(page, '#attendee-table thead')).toContain(expected.attendees.seatColumn);
        noEnglish(await textOf(page, 'main'), expected, `${locale} attendees page`);
        expect(await seriousViolations(page)).toEqual([]);

        // The language links lead to this very event's attendees.
        const other: Locale = locale === 'es' ? 'de' : 'es';
        const href = (await page.locator(`nav.languages a[hreflang="${other}"]`).getAttribute('href'))!;
        const url = new URL(href, env.api.baseUrl);
        expect([url.pathname, url.searchParams.get('event'), url.searchParams.get('lang')]).toEqual([
          '/attendees.html',
          sale.eventId,
          other,
        ]);
        await page.goto(url.toString());
        await page.waitForSelector('#attendees-body:not([hidden])');
        expect(await page.getAttribute('html', 'lang')).toBe(other);
        expect(await textOf(page, 'h1')).toBe(LANGUAGES[other].attendees.heading);
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    },
  );
});
