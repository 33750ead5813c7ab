import { eq } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { events } from '../../src/catalog/catalog.table.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { launch, screenshots, seriousViolations } from './browser.js';
import { asUser, textOf, watchErrors } from './session.js';

/**
 * The console's event form with the description in German and Spanish beside the English one,
 * used by a German-speaking organizer: the form's and the branding panel's words in German, the
 * three descriptions saved, and read back into the right fields (the English one stays English
 * though the browser asks for German).
 */
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

const SLOW = { timeout: 15_000 };
const ENGLISH = 'Loud guitars until midnight.';
const GERMAN = 'Laute Gitarren bis Mitternacht.';
const SPANISH = 'Guitarras a todo volumen hasta medianoche.';

describe('the event form’s descriptions per language', () => {
  it('a German organizer writes English, German and Spanish; each is saved and read back', async () => {
    const organizer = await signedIn(env, ['organizer']);
    const venue = await env.api.post(
      '/v1/venues',
      {
        name: 'Salle Rameau',
        address: '29 Rue de la Martinière',
        city: 'Lyon',
        country: 'FR',
        latitude: 45.7685,
        longitude: 4.8299,
        timeZone: 'Europe/Paris',
      },
      { token: organizer.token },
    );
    expect(venue.status).toBe(201);

    const context = await browser.newContext({ locale: 'de-DE' });
    try {
      const page = await context.newPage();
      const errors = watchErrors(page);
      await asUser(page, organizer.token);
      await page.goto(`${env.api.baseUrl}/organizer.html`);
      await page.click('#tab-event');
      await page.waitForSelector('#panel-event:not([hidden]) #event-description-de', SLOW);
      expect(await page.getAttribute('html', 'lang')).toBe('de');

      // The script's words, in German.
      expect(await textOf(page, '#event-title')).toBe('Neue Veranstaltung');
      expect(await textOf(page, '#event-submit')).toBe('Veranstaltung als Entwurf anlegen');
      expect(await textOf(page, 'label[for="event-description-de"]')).toBe('Beschreibung auf Deutsch (optional)');
      expect(await textOf(page, 'label[for="event-description-es"]')).toBe('Beschreibung auf Spanisch (optional)');
      expect(await page.getAttribute('#event-description-es', 'lang')).toBe('es');
      expect(await textOf(page, '#event-categories')).toContain('Klassik');
      expect(await textOf(page, '#event-venue option[value=""]')).toBe('Veranstaltungsort wählen');
      const form = await textOf(page, '#event-form');
      for (const english of ['Create draft event', 'Description in German', 'Classical', 'Choose a venue'])
        expect(form, `"${english}" on the German form`).not.toContain(english);
      expect(await seriousViolations(page)).toEqual([]);

      await page.selectOption('#event-venue', venue.body.id as string);
      await page.fill('#event-name', 'Night Shift');
      await page.fill('#event-description', ENGLISH);
      await page.fill('#event-description-de', GERMAN);
      await page.fill('#event-description-es', SPANISH);
      await page.check('#event-categories input[value="rock"]');
      await page.fill('#event-starts', '2031-06-20T20:00');
      await page.click('#event-submit');
      await page.waitForSelector('#workspace:not([hidden])', SLOW);
      const eventId = new URL(page.url()).searchParams.get('event')!;
      expect(eventId).toMatch(/^[0-9a-f-]{36}$/);

      const stored = async () =>
        (
          await env.infra.database.db
            .select({ description: events.description, descriptions: events.descriptions })
            .from(events)
            .where(eq(events.id, eventId))
        )[0];
      expect(await stored()).toEqual({ description: ENGLISH, descriptions: { de: GERMAN, es: SPANISH } });

      // Read back: each language in its own field, though the API's `description` is German here.
      await page.reload();
      await page.waitForSelector('#workspace:not([hidden])', SLOW);
      await page.click('#tab-event');
      await page.waitForFunction(() => (document.querySelector('#event-description') as HTMLTextAreaElement)?.value);
      expect(await page.inputValue('#event-description')).toBe(ENGLISH);
      expect(await page.inputValue('#event-description-de')).toBe(GERMAN);
      expect(await page.inputValue('#event-description-es')).toBe(SPANISH);
      expect(await textOf(page, '#event-title')).toBe('„Night Shift“ bearbeiten');
      expect(await textOf(page, '#event-submit')).toBe('Änderungen speichern');

      // Spanish removed, German changed: saved as such.
      await page.fill('#event-description-es', '');
      await page.fill('#event-description-de', 'Laute Gitarren.');
      await page.click('#event-submit');
      await page.waitForFunction(() => document.querySelector('#event-form .status')?.textContent === 'Gespeichert.');
      expect(await stored()).toEqual({ description: ENGLISH, descriptions: { de: 'Laute Gitarren.' } });

      // The branding panel beside it speaks German too.
      await page.waitForSelector('#branding-panel #brand-form', SLOW);
      expect(await textOf(page, '#branding-panel-title')).toBe('Bild und Branding');
      expect(await textOf(page, 'label[for="brand-message-de"]')).toBe('Nachricht auf Deutsch');
      expect(await textOf(page, '#brand-save')).toBe('Farbe und Nachricht speichern');
      const panel = await textOf(page, '#branding-panel');
      for (const english of ['Image and branding', 'Event picture', 'Message in German', 'Preview'])
        expect(panel, `"${english}" on the German panel`).not.toContain(english);
      await screenshots(page, 'event-form-de');
      expect(await seriousViolations(page)).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
