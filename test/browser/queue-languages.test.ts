import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locale } from '../../src/i18n/locales.js';
import { eventTime } from '../../src/shared/zoned-time.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn, signedInVerified } from '../support/fixtures.js';
import { queueSale } from '../support/waitingroom.js';
import { launch, screenshots, seriousViolations } from './browser.js';
import { asUser, textOf, watchErrors } from './session.js';

/**
 * Issue #21's browser test per language on the queue page: a real queued event, opened by an
 * English, a German and a Spanish browser (Accept-Language from the context's locale). Each
 * sees the page in its language — <html lang>, the heading, the ladder, the countdown and the
 * event's time written that language's way — joins and reads its place in it, and no serious
 * axe violation. The switcher keeps `?event=…` and its choice holds for the next page load.
 */
let env: TestEnv;
let browser: Browser;
beforeAll(async () => {
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '10000', QUEUE_JOIN_LIMIT_PER_IP: '10000' });
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await env?.close();
});

interface Expected {
  browserLocale: string;
  heading: string;
  ladderTitle: string;
  /** The draw's step of the ladder. */
  drawStep: string;
  join: string;
  /** The countdown to the draw, "in 59 min 58 s" as the language writes it. */
  countdown: RegExp;
  eventLabel: string;
  /** The status line once joined, before the draw. */
  joined: string;
  /** English a page in this language must not show (none for English). */
  notEnglish: string[];
}

const LANGUAGES: Record<Locale, Expected> = {
  en: {
    browserLocale: 'en-US',
    heading: 'Waiting room:',
    ladderTitle: 'What happens next',
    drawStep: 'The draw — at the start, a lottery anyone can check',
    join: 'Join the waiting room',
    countdown: /The draw starts in \d+ min \d{2} s\./,
    eventLabel: 'Event:',
    joined: 'You are in. When the sale starts, the draw gives you a number.',
    notEnglish: [],
  },
  de: {
    browserLocale: 'de-DE',
    heading: 'Warteraum:',
    ladderTitle: 'Wie es weitergeht',
    drawStep: 'Die Verlosung — zum Start bringt eine Verlosung',
    join: 'Warteraum betreten',
    countdown: /Die Verlosung beginnt in \d+ Min\. \d{2} Sek\./,
    eventLabel: 'Veranstaltung:',
    joined: 'Sie sind dabei. Zum Verkaufsstart teilt Ihnen die Verlosung eine Nummer zu.',
    notEnglish: ['What happens next', 'Join the waiting room', 'The draw', 'Your number', 'Where you stand'],
  },
  es: {
    browserLocale: 'es-ES',
    heading: 'Sala de espera:',
    ladderTitle: 'Qué pasa a continuación',
    drawStep: 'El sorteo — al inicio, un sorteo que cualquiera puede comprobar',
    join: 'Entrar en la sala de espera',
    countdown: /El sorteo empieza en \d+ min \d{2} s\./,
    eventLabel: 'Evento:',
    joined: 'Ya estás dentro. Cuando empiece la venta, el sorteo te dará un número.',
    notEnglish: ['What happens next', 'Join the waiting room', 'The draw', 'Your number', 'Where you stand'],
  },
};

async function signedInPage(locale: string): Promise<{ context: BrowserContext; page: Page }> {
  const fan = await signedInVerified(env);
  const context = await browser.newContext({ locale });
  const page = await context.newPage();
  await asUser(page, fan.token);
  return { context, page };
}

describe('the queue page in each language', () => {
  it.each(Object.keys(LANGUAGES) as Locale[])(
    '%s: the page, the ladder, a time and the fan’s place in the language; the switcher keeps the event',
    async (locale) => {
      const expected = LANGUAGES[locale];
      const organizer = await signedIn(env, ['organizer']);
      // The waiting room is open; the draw is an hour away, so the fan waits in the pre-queue.
      const sale = await queueSale(env, organizer.userId, { startsInMs: 60 * 60_000 });
      const event = (await env.api.get(`/v1/events/${sale.eventId}`)).body as {
        startsAt: { utc: string; timeZone: string };
      };
      const { context, page } = await signedInPage(expected.browserLocale);
      const errors = watchErrors(page);
      try {
        await page.goto(`${env.api.baseUrl}/queue.html?event=${sale.eventId}`);
        await page.waitForSelector('#join:not([hidden])');
        expect(await page.getAttribute('html', 'lang')).toBe(locale);
        expect(await textOf(page, 'h1')).toContain(expected.heading);
        expect(await textOf(page, '#ladder-title')).toBe(expected.ladderTitle);
        expect(await textOf(page, '#step-draw')).toContain(expected.drawStep);
        expect(await textOf(page, '#join-button')).toBe(expected.join);

        // The countdown and the event's time, as this language writes them.
        await page.waitForFunction(() => (document.querySelector('#when')?.textContent ?? '').length > 0);
        const when = await textOf(page, '#when');
        expect(when).toMatch(expected.countdown);
        const time = eventTime(event.startsAt.utc, event.startsAt.timeZone, { locale });
        expect(when).toContain(`${expected.eventLabel} ${time}`);
        if (locale !== 'en')
          expect(time).not.toBe(eventTime(event.startsAt.utc, event.startsAt.timeZone, { locale: 'en' }));

        // Joined: the place in words of the language.
        await page.click('#join-button');
        await page.waitForFunction((words) => document.querySelector('#where')?.textContent === words, expected.joined);
        const main = await textOf(page, 'main');
        for (const english of expected.notEnglish)
          expect(main, `"${english}" on the ${locale} page`).not.toContain(english);
        await screenshots(page, `queue-${locale}`);
        expect(await seriousViolations(page)).toEqual([]);

        // The switcher: a link per other language to this very room, and its choice sticks.
        const other: Locale = locale === 'es' ? 'de' : 'es';
        const link = page.locator(`nav.languages a[hreflang="${other}"]`);
        const href = (await link.getAttribute('href'))!;
        expect(new URL(href, env.api.baseUrl).searchParams.get('event')).toBe(sale.eventId);
        expect(new URL(href, env.api.baseUrl).searchParams.get('lang')).toBe(other);
        await link.click();
        await page.waitForFunction((lang) => document.documentElement.lang === lang, other);
        await page.waitForSelector('#where:not(:empty)');
        expect(await textOf(page, '#where')).toBe(LANGUAGES[other].joined);
        expect((await context.cookies()).find((c) => c.name === 'fd_lang')?.value).toBe(other);
        // The next page load, without `lang`, stays in the chosen language.
        await page.goto(`${env.api.baseUrl}/queue.html?event=${sale.eventId}`);
        expect(await page.getAttribute('html', 'lang')).toBe(other);
        expect(await textOf(page, '#ladder-title')).toBe(LANGUAGES[other].ladderTitle);
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    },
  );
});
