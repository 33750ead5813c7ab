import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { events } from '../../src/catalog/catalog.table.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';

/**
 * An event's description per language: the organizer writes English (the fallback), German and
 * Spanish; GET /v1/events/:id answers the reader's language (`?lang=`, the fd_lang cookie,
 * Accept-Language) on the lean path as on Express, and says which language it answered.
 */

let env: TestEnv;
let organizer: { token: string; userId: string };

beforeAll(async () => {
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '10000' });
  organizer = await signedIn(env, ['organizer']);
});
afterAll(() => env?.close());

const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();
const as = () => ({ token: organizer.token });

const ENGLISH = 'An evening of chamber music.';
const GERMAN = 'Ein Abend mit Kammermusik.';
const SPANISH = 'Una velada de música de cámara.';

async function newEvent(descriptions?: Record<string, string>) {
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
    as(),
  );
  expect(venue.status).toBe(201);
  const event = await env.api.post(
    '/v1/events',
    {
      venueId: venue.body.id,
      title: 'Kammerabend',
      description: ENGLISH,
      ...(descriptions ? { descriptions } : {}),
      startsAt: inDays(30),
      status: 'scheduled',
    },
    as(),
  );
  expect(event.status).toBe(201);
  return event.body as { id: string; descriptions: { de: string | null; es: string | null } };
}

/** A fan's read (no session), with the headers a browser would send. */
const read = (id: string, headers: Record<string, string> = {}, query = '') =>
  env.api.get(`/v1/events/${id}${query}`, { headers });

const stored = async (id: string) =>
  (await env.infra.database.db.select({ d: events.descriptions }).from(events).where(eq(events.id, id)))[0]!.d;

describe('event descriptions per language', () => {
  it('answers each reader in their language, English where the organizer wrote none', async () => {
    const event = await newEvent({ de: GERMAN, es: SPANISH });
    expect(event.descriptions).toEqual({ de: GERMAN, es: SPANISH });
    expect(await stored(event.id)).toEqual({ de: GERMAN, es: SPANISH });

    const german = await read(event.id, { 'accept-language': 'de-DE,de;q=0.9,en;q=0.5' });
    expect(german.status).toBe(200);
    expect(german.body).toMatchObject({ description: GERMAN, descriptionLanguage: 'de', descriptions: null });
    expect(german.headers.get('vary')).toMatch(/Accept-Language/);

    const byQuery = await read(event.id, { 'accept-language': 'de-DE' }, '?lang=es');
    expect(byQuery.body).toMatchObject({ description: SPANISH, descriptionLanguage: 'es' });
    const byCookie = await read(event.id, { cookie: 'theme=dark; fd_lang=es', 'accept-language': 'de' });
    expect(byCookie.body).toMatchObject({ description: SPANISH, descriptionLanguage: 'es' });

    const english = await read(event.id, { 'accept-language': 'en-US,en;q=0.9' });
    expect(english.body).toMatchObject({ description: ENGLISH, descriptionLanguage: 'en' });
    // A language Fairdrop does not speak, and a `lang` it does not know, fall back to English.
    const french = await read(event.id, { 'accept-language': 'fr-FR' }, '?lang=fr');
    expect(french.status).toBe(200);
    expect(french.body).toMatchObject({ description: ENGLISH, descriptionLanguage: 'en' });
    // Each language has its own representation, so its own ETag.
    expect(german.headers.get('etag')).not.toBe(english.headers.get('etag'));

    // The organizer's read carries every language, whatever their browser speaks.
    const own = await env.api.get(`/v1/events/${event.id}?include=seats`, {
      token: organizer.token,
      headers: { 'accept-language': 'de' },
    });
    expect(own.body.description).toBe(GERMAN);
    expect(own.body.descriptions).toEqual({ en: ENGLISH, de: GERMAN, es: SPANISH });
  });

  it('falls back to English when no German exists', async () => {
    const event = await newEvent({ es: SPANISH });
    expect(event.descriptions).toEqual({ de: null, es: SPANISH });
    const german = await read(event.id, { 'accept-language': 'de' });
    expect(german.body).toMatchObject({ description: ENGLISH, descriptionLanguage: 'en' });
    const plain = await newEvent();
    expect(await stored(plain.id)).toEqual({});
    expect((await read(plain.id, { cookie: 'fd_lang=es' })).body).toMatchObject({
      description: ENGLISH,
      descriptionLanguage: 'en',
    });
  });

  it('changes one language at a time; an empty text removes it', async () => {
    const event = await newEvent({ de: GERMAN, es: SPANISH });
    const changed = await env.api.patch(`/v1/events/${event.id}`, { descriptions: { de: '  Neu.  ' } }, as());
    expect(changed.status).toBe(200);
    expect(changed.body.descriptions).toEqual({ de: 'Neu.', es: SPANISH });
    const removed = await env.api.patch(`/v1/events/${event.id}`, { descriptions: { es: '' } }, as());
    expect(removed.body.descriptions).toEqual({ de: 'Neu.', es: null });
    expect(await stored(event.id)).toEqual({ de: 'Neu.' });
    expect((await read(event.id, {}, '?lang=es')).body).toMatchObject({
      description: ENGLISH,
      descriptionLanguage: 'en',
    });
  });

  it('refuses a text too long or a language it does not know, naming the field', async () => {
    const event = await newEvent({ de: GERMAN });
    const cases = [
      { body: { descriptions: { de: 'x'.repeat(10_001) } }, field: 'descriptions.de' },
      { body: { descriptions: { es: 42 } }, field: 'descriptions.es' },
      { body: { descriptions: { fr: 'Une soirée.' } }, field: 'descriptions.fr' },
      { body: { descriptions: 'Ein Abend.' }, field: 'descriptions' },
    ];
    for (const c of cases) {
      const res = await env.api.patch(`/v1/events/${event.id}`, c.body, as());
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 400, code: 'request.invalid' });
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(c.field);
    }
    const created = await env.api.post(
      '/v1/events',
      { venueId: event.id, title: 'x', startsAt: inDays(3), descriptions: { en: 'English goes in description' } },
      as(),
    );
    expect(created.status).toBe(400);
    expect(created.body.errors.map((e: { field: string }) => e.field)).toContain('descriptions.en');
    expect(await stored(event.id)).toEqual({ de: GERMAN });
  });
});
