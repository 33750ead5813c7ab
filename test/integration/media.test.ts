import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSale, type SaleFixture } from '../support/commerce.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';

/**
 * Event images and queue-page branding (issue #21, part 1) through HTTP on real Postgres: an
 * upload is judged by its bytes, resized into WebP sizes stored in the database, and served at
 * content-hashed URLs that caches may keep for a year; refusals are problems naming the field;
 * only the event's organizer may change its pictures or branding.
 */
let env: TestEnv;
let sale: SaleFixture;

beforeAll(async () => {
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '10000' });
  sale = await createSale(env, { seats: 1, gaCapacity: 1 });
}, 60_000);
afterAll(async () => {
  await env?.close();
});

const picture = (format: 'jpeg' | 'png' | 'webp', width = 1600, height = 900) =>
  sharp({ create: { width, height, channels: 3, background: { r: 200, g: 60, b: 40 } } })
    .toFormat(format)
    .toBuffer();

function upload(
  eventId: string,
  slot: string,
  bytes: Buffer | string,
  options: { token?: string; type?: string; alt?: string | null } = {},
) {
  const alt = options.alt === undefined ? 'The band on stage under red lights' : options.alt;
  const query = alt === null ? '' : `?alt=${encodeURIComponent(alt)}`;
  return fetch(`${env.api.baseUrl}/v1/events/${eventId}/media/${slot}${query}`, {
    method: 'PUT',
    headers: {
      authorization: `Bearer ${options.token ?? sale.organizer.token}`,
      'content-type': options.type ?? 'image/jpeg',
      'idempotency-key': randomUUID(),
    },
    body: typeof bytes === 'string' ? bytes : new Uint8Array(bytes),
  });
}

async function stored(eventId: string) {
  const db = env.infra.database.db;
  const media = await db.execute<{
    slot: string;
    alt: string;
    variants: { name: string; width: number; file: string }[];
  }>(sql`select slot, alt, variants from event_media where event_id = ${eventId} order by slot`);
  const files = await db.execute<{ file: string; content_type: string; size: number; head: string }>(
    sql`select file, content_type, length(bytes)::int as size, encode(substring(bytes from 1 for 12), 'escape') as head
        from media_files where event_id = ${eventId} order by file`,
  );
  return { media: [...media], files: [...files] };
}

describe('event images', () => {
  it('stores JPEG, PNG and WebP uploads as WebP sizes in Postgres and serves them immutable, with 304s', async () => {
    for (const format of ['jpeg', 'png', 'webp'] as const) {
      const res = await upload(sale.eventId, 'image', await picture(format), { type: `image/${format}` });
      expect(res.status, format).toBe(200);
      const body = await res.json();
      expect(body.alt).toBe('The band on stage under red lights');
      expect(Object.keys(body.sizes).sort()).toEqual(['card', 'card2x', 'hero', 'hero2x']);
      expect(body.sizes.card.width).toBe(400);
      expect(body.sizes.hero.width).toBe(1200);
      // Never enlarged: the 1600 px upload is its own largest size.
      expect(body.sizes.hero2x.width).toBe(1600);

      const { media, files } = await stored(sale.eventId);
      expect(media.map((m) => m.slot)).toEqual(['image']);
      // The previous upload's files went with it: only this one's four remain.
      expect(files.map((f) => f.file).sort()).toEqual(media[0]!.variants.map((v) => v.file).sort());
      expect(files.every((f) => f.content_type === 'image/webp' && f.head.startsWith('RIFF'))).toBe(true);
    }

    const { files } = await stored(sale.eventId);
    const url = `/v1/media/${files[0]!.file}`;
    const first = await fetch(`${env.api.baseUrl}${url}`);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('image/webp');
    expect(first.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const etag = first.headers.get('etag');
    expect(etag).toBe(`"${files[0]!.file.split('.')[0]}"`);
    const bytes = Buffer.from(await first.arrayBuffer());
    expect(bytes.length).toBe(files[0]!.size);
    expect((await sharp(bytes).metadata()).format).toBe('webp');
    const again = await fetch(`${env.api.baseUrl}${url}`, {
      // fetch adds Cache-Control: no-cache to a conditional request unless one is given.
      headers: { 'if-none-match': etag!, 'cache-control': 'max-age=0' },
    });
    expect(again.status).toBe(304);
    expect((await again.arrayBuffer()).byteLength).toBe(0);

    const missing = await env.api.get(`/v1/media/${'0'.repeat(32)}.webp`);
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('media.not_found');
    const badName = await env.api.get('/v1/media/..%2Fetc%2Fpasswd');
    expect(badName.status).toBe(400);
    expect(badName.body.errors[0].field).toBe('file');

    // Discovery's result and the event page carry the image with its words.
    const detail = await env.api.get(`/v1/events/${sale.eventId}`);
    expect(detail.status).toBe(200);
    expect(detail.body.image.alt).toBe('The band on stage under red lights');
    expect(detail.body.image.sizes.card.url).toMatch(/^\/v1\/media\/[0-9a-f]{32}\.webp$/);
    const search = await env.api.get(`/v1/events?venueId=${detail.body.venue.id}`);
    expect(search.body.events[0].image.sizes.hero.url).toBe(detail.body.image.sizes.hero.url);
  });

  it('refuses what is not a JPEG, PNG or WebP by its bytes, too large, too small or without words, and keeps the old picture', async () => {
    const before = await stored(sale.eventId);
    expect(before.media).toHaveLength(1);

    const text = await upload(sale.eventId, 'image', 'not a picture at all, just words in a file named photo.jpg');
    expect(text.status).toBe(415);
    expect(text.headers.get('content-type')).toContain('application/problem+json');
    const textBody = await text.json();
    expect(textBody.code).toBe('media.unsupported_type');
    expect(textBody.errors[0]).toMatchObject({ in: 'body', field: '' });

    const gif = await sharp({ create: { width: 600, height: 400, channels: 3, background: '#123456' } })
      .gif()
      .toBuffer();
    expect((await (await upload(sale.eventId, 'image', gif, { type: 'image/jpeg' })).json()).code).toBe(
      'media.unsupported_type',
    );

    const damaged = (await picture('jpeg')).subarray(0, 600);
    const broken = await upload(sale.eventId, 'image', damaged);
    expect(broken.status).toBe(422);
    expect((await broken.json()).code).toBe('media.not_an_image');

    const small = await upload(sale.eventId, 'image', await picture('png', 300, 150), { type: 'image/png' });
    expect(small.status).toBe(422);
    expect(await small.json()).toMatchObject({ code: 'media.too_small', minWidth: 400, minHeight: 200 });

    const huge = await upload(sale.eventId, 'image', Buffer.alloc(8 * 1_048_576 + 1, 0xff));
    expect(huge.status).toBe(413);
    const hugeBody = await huge.json();
    expect(hugeBody.code).toBe('request.too_large');
    expect(hugeBody.errors[0]).toMatchObject({ in: 'body', maximum: 8 * 1_048_576 });

    const wrongHeader = await upload(sale.eventId, 'image', await picture('jpeg'), { type: 'text/plain' });
    expect(wrongHeader.status).toBe(415);
    expect((await wrongHeader.json()).errors[0]).toMatchObject({ in: 'header', field: 'Content-Type' });

    const noAlt = await upload(sale.eventId, 'image', await picture('jpeg'), { alt: null });
    expect(noAlt.status).toBe(400);
    expect((await noAlt.json()).errors[0]).toMatchObject({ in: 'query', field: 'alt' });
    const blankAlt = await upload(sale.eventId, 'image', await picture('jpeg'), { alt: '   ' });
    expect(blankAlt.status).toBe(400);

    expect(await stored(sale.eventId)).toEqual(before);
  });

  it('lets only the event’s organizer change its pictures and branding', async () => {
    const fan = await signedIn(env);
    const otherOrganizer = await signedIn(env, ['organizer']);
    const bytes = await picture('jpeg');
    expect((await upload(sale.eventId, 'image', bytes, { token: fan.token })).status).toBe(403);
    const other = await upload(sale.eventId, 'logo', bytes, { token: otherOrganizer.token });
    expect(other.status).toBe(403);
    expect((await other.json()).code).toBe('catalog.not_organizer');
    const anonymous = await fetch(`${env.api.baseUrl}/v1/events/${sale.eventId}/media/logo?alt=x`, {
      method: 'PUT',
      headers: { 'content-type': 'image/jpeg' },
      body: new Uint8Array(bytes),
    });
    expect(anonymous.status).toBe(401);
    const branding = await env.api.put(
      `/v1/events/${sale.eventId}/branding`,
      { accent: '#0b5cad', messages: { en: 'Hi' } },
      { token: otherOrganizer.token, headers: { 'idempotency-key': randomUUID() } },
    );
    expect(branding.status).toBe(403);
    const unknown = await upload(randomUUID(), 'image', bytes);
    expect(unknown.status).toBe(404);
    const { media } = await stored(sale.eventId);
    expect(media.map((m) => m.slot)).toEqual(['image']);
    expect((await env.infra.database.db.execute(sql`select 1 from event_branding`)).length).toBe(0);
  });
});

describe('queue-page branding', () => {
  const put = (body: unknown) =>
    env.api.put(`/v1/events/${sale.eventId}/branding`, body, {
      token: sale.organizer.token,
      headers: { 'idempotency-key': randomUUID() },
    });

  it('refuses an accent colour under 4.5:1, naming the ratio; keeps messages as plain text per language', async () => {
    const light = await put({ accent: '#7fb2e5', messages: {} });
    expect(light.status).toBe(422);
    expect(light.body.code).toBe('branding.low_contrast');
    expect(light.body.errors[0]).toMatchObject({ in: 'body', field: 'accent' });
    expect(light.body.ratio).toBeGreaterThan(2);
    expect(light.body.ratio).toBeLessThan(4.5);
    expect(light.body.detail).toContain(`${light.body.ratio.toFixed(2)}:1`);
    const malformed = await put({ accent: 'red', messages: {} });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors[0].field).toBe('accent');
    const long = await put({ accent: null, messages: { de: 'x'.repeat(501) } });
    expect(long.status).toBe(400);
    expect(long.body.errors[0].field).toBe('messages.de');
    expect((await env.infra.database.db.execute(sql`select 1 from event_branding`)).length).toBe(0);

    const script = '<script>alert("owned")</script> Doors at 7 & bring ID';
    const ok = await put({ accent: '#0B5CAD', messages: { en: script, de: 'Einlass ab 19 Uhr', es: '' } });
    expect(ok.status).toBe(200);
    expect(ok.body.accent).toBe('#0b5cad');
    const [row] = await env.infra.database.db.execute<{ accent: string; messages: Record<string, string> }>(
      sql`select accent, messages from event_branding where event_id = ${sale.eventId}`,
    );
    expect(row).toEqual({ accent: '#0b5cad', messages: { en: script, de: 'Einlass ab 19 Uhr' } });

    const de = await env.api.get(`/v1/events/${sale.eventId}/branding?lang=de`);
    expect(de.body.message).toEqual({ lang: 'de', text: 'Einlass ab 19 Uhr' });
    const es = await env.api.get(`/v1/events/${sale.eventId}/branding?lang=es`);
    expect(es.body.message).toEqual({ lang: 'en', text: script });
    expect(es.body.image.alt).toBe('The band on stage under red lights');

    const logo = await upload(sale.eventId, 'logo', await picture('png', 600, 200), {
      type: 'image/png',
      alt: 'Red Lights Tour',
    });
    expect(logo.status).toBe(200);
    const logoBody = await logo.json();
    expect(logoBody.sizes.logo).toMatchObject({ width: 240, height: 80 });
    const withLogo = await env.api.get(`/v1/events/${sale.eventId}/branding`);
    expect(withLogo.body.logo.alt).toBe('Red Lights Tour');
    expect(withLogo.body.image).not.toBeNull();
  });
});
