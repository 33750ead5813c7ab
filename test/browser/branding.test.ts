import { sql } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSale } from '../support/commerce.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn, signedInVerified } from '../support/fixtures.js';
import { buySeats } from '../support/tickets-fixtures.js';
import { queueSale } from '../support/waitingroom.js';
import { launch, screenshots, seriousViolations } from './browser.js';
import { asUser, textOf, watchErrors } from './session.js';

/**
 * Event pictures and the waiting room's branding in Chromium (issue #21, part 1): the organizer
 * uploads through the console's panel (a text file named .jpg gets words, not a code), then the
 * discover card, the event page and the waiting room show what was stored, with axe checks.
 */
let env: TestEnv;
let browser: Browser;
beforeAll(async () => {
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '10000' });
  browser = await launch();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await env?.close();
});

const SLOW = { timeout: 30_000 };
const SCRIPT_MESSAGE = '<script>document.title="owned"</script> Doors at 7 & bring ID';

const picture = (format: 'jpeg' | 'png', width: number, height: number, background: string) =>
  sharp({ create: { width, height, channels: 3, background } })
    .toFormat(format)
    .toBuffer();

/** Whether the <img> matched by `selector` loaded (a served, decodable picture). */
const loaded = (page: Page, selector: string) =>
  page.$eval(selector, (img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0);

const statusOf = (page: Page, selector: string) =>
  page
    .waitForFunction((s) => !document.querySelector(s)?.classList.contains('busy'), selector, SLOW)
    .then(() => textOf(page, selector));

describe('event pictures and a branded waiting room', () => {
  it('the organizer uploads and brands in the console; discover, event and waiting room show it', async () => {
    const organizer = await signedIn(env, ['organizer']);
    const sale = await queueSale(env, organizer.userId);
    const db = env.infra.database.db;

    const console = await browser.newPage();
    const consoleErrors = watchErrors(console, /status of (400|403|404|409|413|415|422)/);
    await asUser(console, organizer.token);
    await console.goto(`${env.api.baseUrl}/organizer.html?event=${sale.eventId}`);
    await console.waitForSelector('#image-form', SLOW);

    // A text file named like a photo: refused by its bytes, in words, and nothing stored.
    await console.setInputFiles('#image-file', {
      name: 'photo.jpg',
      mimeType: 'image/jpeg',
      buffer: Buffer.from('this is a shopping list, not a photo'),
    });
    await console.fill('#image-alt', 'The band on stage under red lights');
    await console.click('#image-save');
    expect(await statusOf(console, '#image-status')).toBe(
      'That file is not a picture Fairdrop can use. Choose a JPEG, PNG or WebP image.',
    );
    expect(await console.getAttribute('#image-status', 'class')).toContain('bad');
    expect((await db.execute(sql`select 1 from event_media where event_id = ${sale.eventId}`)).length).toBe(0);

    await console.setInputFiles('#image-file', {
      name: 'stage.jpg',
      mimeType: 'image/jpeg',
      buffer: await picture('jpeg', 1600, 900, '#8a1c1c'),
    });
    await console.click('#image-save');
    expect(await statusOf(console, '#image-status')).toBe('Event picture saved.');
    expect(await console.getAttribute('#image-preview img', 'alt')).toBe('The band on stage under red lights');

    await console.setInputFiles('#logo-file', {
      name: 'logo.png',
      mimeType: 'image/png',
      buffer: await picture('png', 600, 200, '#1c3a8a'),
    });
    await console.fill('#logo-alt', 'Red Lights Tour');
    await console.click('#logo-save');
    expect(await statusOf(console, '#logo-status')).toBe('Waiting-room logo saved.');

    // A light accent is refused with its ratio; a dark one is saved with the messages.
    await console.check('#brand-accent-on');
    await console.fill('#brand-accent', '#7fb2e5');
    await console.fill('#brand-message-en', SCRIPT_MESSAGE);
    await console.fill('#brand-message-de', 'Einlass ab 19 Uhr, bitte Ausweis mitbringen.');
    await console.click('#brand-save');
    expect(await statusOf(console, '#brand-status')).toMatch(
      /^This colour is too light to read: its contrast is 2\.\d\d:1 and it needs at least 4\.5:1\./,
    );
    expect((await db.execute(sql`select 1 from event_branding where event_id = ${sale.eventId}`)).length).toBe(0);
    await console.fill('#brand-accent', '#6b1f7a');
    await console.click('#brand-save');
    expect(await statusOf(console, '#brand-status')).toBe('Saved. The waiting room shows it from now on.');
    expect(await textOf(console, '.brand-sample-message')).toBe(SCRIPT_MESSAGE);
    expect(await seriousViolations(console)).toEqual([]);
    await screenshots(console, 'branding-console');
    expect(consoleErrors).toEqual([]);
    await console.close();

    const [media] = await db.execute<{ n: number }>(
      sql`select count(*)::int as n from event_media where event_id = ${sale.eventId}`,
    );
    expect(media!.n).toBe(2);
    const [branding] = await db.execute<{ accent: string; messages: Record<string, string> }>(
      sql`select accent, messages from event_branding where event_id = ${sale.eventId}`,
    );
    expect(branding).toEqual({
      accent: '#6b1f7a',
      messages: { en: SCRIPT_MESSAGE, de: 'Einlass ab 19 Uhr, bitte Ausweis mitbringen.' },
    });

    // Discover and the event page show the picture with the organizer's words.
    const fan = await signedInVerified(env);
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await asUser(page, fan.token);
    await page.goto(`${env.api.baseUrl}/index.html`);
    const card = `.event-card:has(a[href="/event.html?id=${sale.eventId}"]) img.event-picture`;
    await page.waitForSelector(card, SLOW);
    expect(await page.getAttribute(card, 'alt')).toBe('The band on stage under red lights');
    await page.$eval(card, (img) => (img as HTMLImageElement).decode());
    expect(await loaded(page, card)).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshots(page, 'branding-discover');

    await page.goto(`${env.api.baseUrl}/event.html?id=${sale.eventId}`);
    await page.waitForSelector('#picture img', SLOW);
    expect(await page.getAttribute('#picture img', 'alt')).toBe('The band on stage under red lights');
    expect(await page.getAttribute('#picture img', 'srcset')).toMatch(/\/v1\/media\/[0-9a-f]{32}\.webp 1200w/);
    await page.$eval('#picture img', (img) => (img as HTMLImageElement).decode());
    expect(await loaded(page, '#picture img')).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshots(page, 'branding-event');

    // The waiting room in English: the logo, the message as text (no script ran), the accent on its button.
    await page.goto(`${env.api.baseUrl}/queue.html?event=${sale.eventId}`);
    await page.waitForSelector('#branding:not([hidden]) #brand-logo img', SLOW);
    expect(await page.getAttribute('#brand-logo img', 'alt')).toBe('Red Lights Tour');
    expect(await page.textContent('#brand-message')).toBe(SCRIPT_MESSAGE);
    expect(await page.getAttribute('#brand-message', 'lang')).toBe('en');
    expect(await page.$$eval('#branding script', (s) => s.length)).toBe(0);
    expect(await page.title()).not.toBe('owned');
    expect(await page.$eval('#join-button', (b) => getComputedStyle(b).backgroundColor)).toBe('rgb(107, 31, 122)');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshots(page, 'branding-queue');
    expect(errors).toEqual([]);
    await page.close();

    // In German the organizer's German message.
    const german = await browser.newContext({ locale: 'de-DE' });
    const dePage = await german.newPage();
    await asUser(dePage, fan.token);
    await dePage.goto(`${env.api.baseUrl}/queue.html?event=${sale.eventId}`);
    await dePage.waitForSelector('#branding:not([hidden]) #brand-message:not([hidden])', SLOW);
    expect(await dePage.textContent('#brand-message')).toBe('Einlass ab 19 Uhr, bitte Ausweis mitbringen.');
    expect(await dePage.getAttribute('#brand-message', 'lang')).toBe('de');
    expect(await seriousViolations(dePage)).toEqual([]);
    await german.close();
  }, 180_000);

  it('My tickets shows the event’s picture beside the ticket', async () => {
    const sale = await createSale(env, { seats: 2 });
    const fan = await signedIn(env);
    const { ticketIds } = await buySeats(env, sale, fan, 1);
    const upload = await fetch(
      `${env.api.baseUrl}/v1/events/${sale.eventId}/media/image?alt=${encodeURIComponent('A packed hall seen from the balcony')}`,
      {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${sale.organizer.token}`,
          'content-type': 'image/png',
          'idempotency-key': crypto.randomUUID(),
        },
        body: new Uint8Array(await picture('png', 800, 450, '#1f5a3a')),
      },
    );
    expect(upload.status).toBe(200);

    const page = await browser.newPage();
    const errors = watchErrors(page);
    await asUser(page, fan.token);
    await page.goto(`${env.api.baseUrl}/tickets.html`);
    const img = `[data-ticket="${ticketIds[0]}"] img.ticket-picture`;
    await page.waitForSelector(img, SLOW);
    expect(await page.getAttribute(img, 'alt')).toBe('A packed hall seen from the balcony');
    await page.$eval(img, (el) => (el as HTMLImageElement).decode());
    expect(await loaded(page, img)).toBe(true);
    // The door code is still the ticket's first picture, where the page draws it.
    expect(await page.$eval(`[data-ticket="${ticketIds[0]}"] .ticket-qr img`, (el) => el.getAttribute('alt'))).toMatch(
      /door code/i,
    );
    expect(await seriousViolations(page)).toEqual([]);
    await screenshots(page, 'branding-tickets');
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
