import { eq } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../../src/auth/auth.table.js';
import { formatZoned } from '../../src/shared/zoned-time.js';
import { createSale, holdDirect, type SaleFixture } from '../support/commerce.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { buySeats } from '../support/tickets-fixtures.js';
import { launch, seriousViolations } from './browser.js';
import { asUser, textOf, watchErrors } from './session.js';

/**
 * The fan's own pages in German and Spanish, as a browser that asks for them (Accept-Language)
 * gets them: the account, My tickets with a bought ticket, and the checkout. Each says
 * `<html lang>`, its headings and buttons in the language, a price and a date the language's
 * way, no English left in the parts that were translated, and passes axe. The account's
 * "Language" setting saves users.locale and reloads the page in the chosen language.
 */
let env: TestEnv;
let browser: Browser;
let sale: SaleFixture;
beforeAll(async () => {
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '100000' });
  // 12.50 EUR and no fee: "12,50 €" in both languages.
  sale = await createSale(env, { seats: 20, priceCents: 1250, feeCents: 0 });
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await env?.close();
});

const startsAt = async () =>
  (await env.api.get(`/v1/events/${sale.eventId}`)).body.startsAt as { utc: string; timeZone: string };

interface Language {
  locale: 'de' | 'es';
  browserLocale: string;
  words: {
    account: string;
    signIn: string;
    tickets: string;
    valid: string;
    checkout: string;
    pay: string;
    summary: string;
  };
  /** A short weekday as the language writes it at the start of a date: "Mi., 6. Jan." / "mié, 6 ene". */
  weekday: RegExp;
}

const LANGUAGES: Language[] = [
  {
    locale: 'de',
    browserLocale: 'de-DE',
    words: {
      account: 'Ihr Konto',
      signIn: 'Anmelden',
      tickets: 'Meine Tickets',
      valid: 'Gültig',
      checkout: 'Kasse',
      pay: '12,50 € bezahlen',
      summary: 'Was Sie kaufen',
    },
    weekday: /^(Mo|Di|Mi|Do|Fr|Sa|So)\., \d{1,2}\. /,
  },
  {
    locale: 'es',
    browserLocale: 'es-ES',
    words: {
      account: 'Tu cuenta',
      signIn: 'Iniciar sesión',
      tickets: 'Mis entradas',
      valid: 'Válida',
      checkout: 'Pago',
      pay: 'Pagar 12,50 €',
      summary: 'Lo que compras',
    },
    weekday: /^(lun|mar|mié|jue|vie|sáb|dom), \d{1,2} /,
  },
];

/** English a translated page must no longer show (each from a part of the page that was converted). */
const ENGLISH = {
  account: ['Your account', 'Create an account', 'Forgot your password?'],
  tickets: ['My tickets', 'Transfers and gifts', 'Show this code at the door', 'Paid: your seats are guaranteed'],
  checkout: ['What you are buying', 'Who the tickets are for', 'Use my details', 'Price breakdown'],
};

async function expectNoEnglish(page: Page, phrases: string[]): Promise<void> {
  const text = await textOf(page, 'main');
  for (const phrase of phrases) expect(text, `"${phrase}" left in English`).not.toContain(phrase);
}

const htmlLang = (page: Page) => page.getAttribute('html', 'lang');

describe.each(LANGUAGES)('the fan’s pages in $locale', (language) => {
  let context: BrowserContext;
  beforeAll(async () => {
    context = await browser.newContext({ locale: language.browserLocale });
  });
  afterAll(async () => {
    await context?.close();
  });

  it('signed out, the account page asks to sign in in the language', async () => {
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${env.api.baseUrl}/account.html`);
    expect(await htmlLang(page)).toBe(language.locale);
    expect(await textOf(page, 'h1')).toBe(language.words.account);
    expect(await textOf(page, '#signin-title')).toBe(language.words.signIn);
    expect(await textOf(page, '#signin button[type=submit]')).toBe(language.words.signIn);
    await expectNoEnglish(page, ENGLISH.account);
    expect(await seriousViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('My tickets shows a bought ticket, its order’s price and the event’s date the language’s way', async () => {
    const fan = await signedIn(env);
    const { ticketIds, orderId } = await buySeats(env, sale, fan, 1);
    const page = await context.newPage();
    const errors = watchErrors(page);
    await asUser(page, fan.token);
    await page.goto(`${env.api.baseUrl}/tickets.html`);
    const card = `[data-ticket="${ticketIds[0]}"]`;
    await page.waitForSelector(`${card} .ticket-qr img[data-step]`);
    expect(await htmlLang(page)).toBe(language.locale);
    expect(await textOf(page, 'h1')).toBe(language.words.tickets);
    expect(await textOf(page, `${card} .badge`)).toBe(language.words.valid);
    expect(await textOf(page, `[data-order="${orderId}"]`)).toContain('12,50 €');

    const when = await startsAt();
    const shown = await textOf(page, `${card} .meta time`);
    expect(shown).toMatch(language.weekday);
    expect(shown).toBe(formatZoned(when.utc, when.timeZone, { locale: language.locale }));

    await expectNoEnglish(page, ENGLISH.tickets);
    expect(await seriousViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the checkout: headings, the amount on Pay, the event’s date; the switcher keeps the hold', async () => {
    const fan = await signedIn(env);
    const holdId = await holdDirect(env, sale, fan.userId, {
      seatIds: [sale.seatIds[language.locale === 'de' ? 10 : 11]!],
    });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await asUser(page, fan.token);
    await page.goto(`${env.api.baseUrl}/checkout.html?hold=${holdId}`);
    await page.waitForSelector('#event-title');
    expect(await htmlLang(page)).toBe(language.locale);
    expect(await textOf(page, 'h1')).toBe(language.words.checkout);
    expect(await textOf(page, '#summary-title')).toBe(language.words.summary);
    expect(await textOf(page, '#pay-button')).toBe(language.words.pay);
    expect(await textOf(page, '#total')).toBe('12,50 €');
    expect(await textOf(page, '#event-when')).toMatch(language.weekday);
    await expectNoEnglish(page, ENGLISH.checkout);
    expect(await seriousViolations(page)).toEqual([]);

    // The switcher goes to the same checkout in the other language.
    const other = language.locale === 'de' ? 'es' : 'de';
    await Promise.all([page.waitForURL(/lang=/), page.click(`nav.languages a[hreflang="${other}"]`)]);
    const url = new URL(page.url());
    expect(url.searchParams.get('hold')).toBe(holdId);
    expect(url.searchParams.get('lang')).toBe(other);
    await page.waitForSelector('#event-title');
    expect(await htmlLang(page)).toBe(other);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the Language setting saves the account’s language and reloads the page in it', async () => {
    const fan = await signedIn(env);
    // A browser of its own: the switcher above left its choice in the fd_lang cookie.
    const own = await browser.newContext({ locale: language.browserLocale });
    const page = await own.newPage();
    const errors = watchErrors(page);
    await asUser(page, fan.token);
    await page.goto(`${env.api.baseUrl}/account.html`);
    await page.waitForSelector('#signed-in:not([hidden])');
    expect(await textOf(page, '#language-title')).toBe(language.locale === 'de' ? 'Sprache' : 'Idioma');
    expect(await seriousViolations(page)).toEqual([]);

    const chosen = language.locale === 'de' ? 'es' : 'de';
    await Promise.all([page.waitForURL(new RegExp(`lang=${chosen}`)), page.selectOption('#language-select', chosen)]);
    await page.waitForSelector('#signed-in:not([hidden])');
    expect(await htmlLang(page)).toBe(chosen);
    expect(await page.inputValue('#language-select')).toBe(chosen);
    const [row] = await env.infra.database.db
      .select({ locale: users.locale })
      .from(users)
      .where(eq(users.id, fan.userId));
    expect(row!.locale).toBe(chosen);
    expect(errors).toEqual([]);
    await own.close();
  });
});
