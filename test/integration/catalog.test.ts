import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { events, priceTiers, venues } from '../../src/catalog/catalog.table.js';
import { seats } from '../../src/sales/inventory.table.js';
import { onsaleAudit, onsaleSettings } from '../../src/sales/onsale.table.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';

let env: TestEnv;
let organizer: { token: string; userId: string };
let otherOrganizer: { token: string; userId: string };
let fan: { token: string; userId: string };
let admin: { token: string; userId: string };

beforeAll(async () => {
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '10000' });
  [organizer, otherOrganizer, fan, admin] = await Promise.all([
    signedIn(env, ['fan', 'organizer']),
    signedIn(env, ['organizer']),
    signedIn(env, ['fan']),
    signedIn(env, ['admin']),
  ]);
});
afterAll(() => env?.close());

const venueBody = {
  name: 'Salle Rameau',
  address: '29 Rue de la Martinière',
  city: 'Lyon',
  country: 'FR',
  latitude: 45.7685,
  longitude: 4.8299,
  timeZone: 'Europe/Paris',
  accessibility: ['wheelchair', 'hearing_loop'],
  transit: {
    stops: [{ name: 'Hôtel de Ville', lines: ['A', 'C'], walkingMinutes: 5 }],
    parking: 'Parking Terreaux, 300 m',
  },
};
const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();
const as = (who: { token: string }) => ({ token: who.token });

async function newEvent(status: 'draft' | 'scheduled' = 'scheduled') {
  const venue = await env.api.post('/v1/venues', venueBody, as(organizer));
  expect(venue.status).toBe(201);
  const event = await env.api.post(
    '/v1/events',
    {
      venueId: venue.body.id,
      title: 'Night Shift',
      categories: ['rock', 'indie'],
      performers: ['The Nights'],
      startsAt: inDays(30),
      doorsAt: inDays(29.9),
      endsAt: inDays(30.2),
      status,
      policies: { perAccountLimit: 6, transfersAllowed: true },
    },
    as(organizer),
  );
  expect(event.status).toBe(201);
  return { venueId: venue.body.id as string, eventId: event.body.id as string };
}

async function counts() {
  const { db } = env.infra.database;
  const [v, e, t, s, o, a] = await Promise.all(
    [venues, events, priceTiers, seats, onsaleSettings, onsaleAudit].map((table) => db.$count(table)),
  );
  return { venues: v, events: e, tiers: t, seats: s, onsales: o, audits: a };
}

describe('catalog for selling', () => {
  it('lets an organizer build venue, event, tiers, a seat map from compact layouts and GA capacity', async () => {
    const { eventId } = await newEvent();
    const stalls = await env.api.post(
      `/v1/events/${eventId}/tiers`,
      { name: 'Stalls', kind: 'reserved', priceCents: 4500, feeCents: 500, currency: 'EUR' },
      as(organizer),
    );
    expect(stalls.status).toBe(201);
    expect(stalls.body).toMatchObject({ kind: 'reserved', totalCents: 5000, capacity: 0, available: 0 });
    const floor = await env.api.post(
      `/v1/events/${eventId}/tiers`,
      { name: 'Floor', kind: 'ga', priceCents: 3000, currency: 'EUR', capacity: 400 },
      as(organizer),
    );
    expect(floor.body).toMatchObject({ kind: 'ga', capacity: 400, available: 400, totalCents: 3000 });

    const layout = await env.api.post(
      `/v1/events/${eventId}/seats`,
      {
        blocks: [
          { tierId: stalls.body.id, section: 'A', rows: '1-20', seats: '1-30', accessible: ['1-2'] },
          { tierId: stalls.body.id, layout: 'section B rows A-C seats 1–4', accessible: ['row C seats 3-4'] },
        ],
      },
      as(organizer),
    );
    expect(layout.status).toBe(201);
    expect(layout.body.created).toBe(600 + 12);

    const map = await env.api.get(`/v1/events/${eventId}/seats?tierId=${stalls.body.id}`);
    expect(map.status).toBe(200);
    expect(map.body.seats).toHaveLength(612);
    const accessible = map.body.seats.filter((s: any) => s.accessible);
    expect(accessible).toHaveLength(20 * 2 + 2);
    expect(accessible.filter((s: any) => s.section === 'B').map((s: any) => `${s.row}${s.number}`)).toEqual([
      'C3',
      'C4',
    ]);

    const tiers = await env.api.get(`/v1/events/${eventId}/tiers`);
    expect(tiers.body.tiers.map((t: any) => [t.name, t.capacity, t.available])).toEqual([
      ['Stalls', 612, 612],
      ['Floor', 400, 400],
    ]);

    const patched = await env.api.patch(
      `/v1/events/${eventId}/tiers/${floor.body.id}`,
      { capacity: 350, feeCents: 250 },
      as(organizer),
    );
    expect(patched.body).toMatchObject({ capacity: 350, totalCents: 3250 });
  });

  it('answers 403 to a fan and to another organizer, lets an admin through, and changes nothing when refusing', async () => {
    const { eventId, venueId } = await newEvent();
    const before = await counts();
    const attempts = [
      () => env.api.patch(`/v1/events/${eventId}`, { title: 'Mine now' }, as(otherOrganizer)),
      () => env.api.patch(`/v1/events/${eventId}`, { title: 'Mine now' }, as(fan)),
      () =>
        env.api.post(
          `/v1/events/${eventId}/tiers`,
          { name: 'VIP', kind: 'ga', priceCents: 1, currency: 'EUR', capacity: 1 },
          as(otherOrganizer),
        ),
      () =>
        env.api.post(
          `/v1/events/${eventId}/tiers`,
          { name: 'VIP', kind: 'ga', priceCents: 1, currency: 'EUR', capacity: 1 },
          as(fan),
        ),
      () =>
        env.api.post(
          `/v1/events/${eventId}/seats`,
          { blocks: [{ tierId: eventId, layout: 'section Z rows 1 seats 1' }] },
          as(otherOrganizer),
        ),
      () => env.api.put(`/v1/events/${eventId}/onsale`, { mode: 'open', saleStartsAt: inDays(1) }, as(otherOrganizer)),
      () => env.api.put(`/v1/events/${eventId}/onsale`, { mode: 'open', saleStartsAt: inDays(1) }, as(fan)),
    ];
    for (const attempt of attempts) {
      const res = await attempt();
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('catalog.not_organizer');
    }
    for (const [path, body] of [
      ['/v1/venues', venueBody],
      ['/v1/events', { venueId, title: 'x', startsAt: inDays(3) }],
    ] as const) {
      const res = await env.api.post(path, body, as(fan));
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('auth.forbidden');
    }
    const venuePatch = await env.api.patch(`/v1/venues/${venueId}`, { name: 'Taken' }, as(otherOrganizer));
    expect(venuePatch.body.code).toBe('catalog.not_venue_owner');
    expect(await counts()).toEqual(before);
    const [row] = await env.infra.database.db.select().from(events).where(eq(events.id, eventId));
    expect(row!.title).toBe('Night Shift');

    const byAdmin = await env.api.patch(`/v1/events/${eventId}`, { title: 'Renamed by admin' }, as(admin));
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.body.title).toBe('Renamed by admin');
  });

  it('hides drafts from everyone but their organizer', async () => {
    const { eventId } = await newEvent('draft');
    expect((await env.api.get(`/v1/events/${eventId}/tiers`)).body.code).toBe('catalog.event_not_found');
    expect((await env.api.get(`/v1/events/${eventId}/tiers`, as(fan))).status).toBe(404);
    expect((await env.api.get(`/v1/events/${eventId}/tiers`, as(organizer))).status).toBe(200);
  });

  it('refuses bad input with the exact code and field, and leaves the database unchanged', async () => {
    const { eventId, venueId } = await newEvent();
    const ga = await env.api.post(
      `/v1/events/${eventId}/tiers`,
      { name: 'GA', kind: 'ga', priceCents: 1000, currency: 'EUR', capacity: 10 },
      as(organizer),
    );
    const reserved = await env.api.post(
      `/v1/events/${eventId}/tiers`,
      { name: 'Seats', kind: 'reserved', priceCents: 1000, currency: 'EUR' },
      as(organizer),
    );
    await env.api.post(
      `/v1/events/${eventId}/seats`,
      { blocks: [{ tierId: reserved.body.id, layout: 'section A rows 1 seats 1-5' }] },
      as(organizer),
    );
    const cases: { name: string; call: () => Promise<any>; status: number; code: string; field?: string }[] = [
      {
        name: 'malformed JSON',
        call: () => env.api.post('/v1/venues', undefined, { ...as(organizer), raw: '{"name":' }),
        status: 400,
        code: 'request.malformed_json',
      },
      {
        name: 'venue latitude out of range',
        call: () => env.api.post('/v1/venues', { ...venueBody, latitude: 123 }, as(organizer)),
        status: 400,
        code: 'request.invalid',
        field: 'latitude',
      },
      {
        name: 'venue time zone unknown',
        call: () => env.api.post('/v1/venues', { ...venueBody, timeZone: 'Mars/Olympus' }, as(organizer)),
        status: 400,
        code: 'request.invalid',
        field: 'timeZone',
      },
      {
        name: 'venue unknown accessibility word',
        call: () => env.api.post('/v1/venues', { ...venueBody, accessibility: ['jetpack'] }, as(organizer)),
        status: 400,
        code: 'request.invalid',
        field: 'accessibility.0',
      },
      {
        name: 'event doors after start',
        call: () =>
          env.api.post('/v1/events', { venueId, title: 'x', startsAt: inDays(3), doorsAt: inDays(4) }, as(organizer)),
        status: 400,
        code: 'request.invalid',
        field: 'doorsAt',
      },
      {
        name: 'event unknown venue',
        call: () => env.api.post('/v1/events', { venueId: eventId, title: 'x', startsAt: inDays(3) }, as(organizer)),
        status: 400,
        code: 'request.invalid',
        field: 'venueId',
      },
      {
        name: 'event wrong types',
        call: () => env.api.post('/v1/events', { venueId, title: 42, startsAt: 'tomorrow' }, as(organizer)),
        status: 400,
        code: 'request.invalid',
        field: 'title',
      },
      {
        name: 'event patch end before existing start',
        call: () => env.api.patch(`/v1/events/${eventId}`, { endsAt: inDays(1) }, as(organizer)),
        status: 400,
        code: 'request.invalid',
        field: 'endsAt',
      },
      {
        name: 'event status jump back to draft',
        call: () => env.api.patch(`/v1/events/${eventId}`, { status: 'draft' }, as(organizer)),
        status: 409,
        code: 'catalog.status_change_refused',
        field: 'status',
      },
      {
        name: 'event negative limit',
        call: () => env.api.patch(`/v1/events/${eventId}`, { policies: { perAccountLimit: -1 } }, as(organizer)),
        status: 400,
        code: 'request.invalid',
        field: 'policies.perAccountLimit',
      },
      {
        name: 'tier negative price',
        call: () =>
          env.api.post(
            `/v1/events/${eventId}/tiers`,
            { name: 'Neg', kind: 'ga', priceCents: -5, currency: 'EUR', capacity: 1 },
            as(organizer),
          ),
        status: 400,
        code: 'request.invalid',
        field: 'priceCents',
      },
      {
        name: 'tier huge capacity',
        call: () =>
          env.api.post(
            `/v1/events/${eventId}/tiers`,
            { name: 'Huge', kind: 'ga', priceCents: 5, currency: 'EUR', capacity: 1e12 },
            as(organizer),
          ),
        status: 400,
        code: 'request.invalid',
        field: 'capacity',
      },
      {
        name: 'tier GA without capacity',
        call: () =>
          env.api.post(
            `/v1/events/${eventId}/tiers`,
            { name: 'NoCap', kind: 'ga', priceCents: 5, currency: 'EUR' },
            as(organizer),
          ),
        status: 400,
        code: 'request.invalid',
        field: 'capacity',
      },
      {
        name: 'tier other currency',
        call: () =>
          env.api.post(
            `/v1/events/${eventId}/tiers`,
            { name: 'Dollars', kind: 'ga', priceCents: 5, currency: 'USD', capacity: 1 },
            as(organizer),
          ),
        status: 400,
        code: 'catalog.currency_mismatch',
        field: 'currency',
      },
      {
        name: 'tier lower-case currency',
        call: () =>
          env.api.post(
            `/v1/events/${eventId}/tiers`,
            { name: 'Low', kind: 'ga', priceCents: 5, currency: 'eur', capacity: 1 },
            as(organizer),
          ),
        status: 400,
        code: 'request.invalid',
        field: 'currency',
      },
      {
        name: 'tier name taken',
        call: () =>
          env.api.post(
            `/v1/events/${eventId}/tiers`,
            { name: 'GA', kind: 'ga', priceCents: 5, currency: 'EUR', capacity: 1 },
            as(organizer),
          ),
        status: 409,
        code: 'catalog.tier_name_taken',
      },
      {
        name: 'capacity on a reserved tier',
        call: () => env.api.patch(`/v1/events/${eventId}/tiers/${reserved.body.id}`, { capacity: 5 }, as(organizer)),
        status: 400,
        code: 'catalog.wrong_tier_kind',
        field: 'capacity',
      },
      {
        name: 'tier of another event',
        call: () => env.api.patch(`/v1/events/${eventId}/tiers/${eventId}`, { name: 'x' }, as(organizer)),
        status: 404,
        code: 'catalog.tier_not_found',
      },
      {
        name: 'layout string garbled',
        call: () =>
          env.api.post(
            `/v1/events/${eventId}/seats`,
            { blocks: [{ tierId: reserved.body.id, layout: 'rows everywhere' }] },
            as(organizer),
          ),
        status: 400,
        code: 'request.invalid',
        field: 'blocks.0.layout',
      },
      {
        name: 'layout range backwards',
        call: () =>
          env.api.post(
            `/v1/events/${eventId}/seats`,
            { blocks: [{ tierId: reserved.body.id, section: 'C', rows: '5-1', seats: '1-2' }] },
            as(organizer),
          ),
        status: 400,
        code: 'request.invalid',
        field: 'blocks.0.rows',
      },
      {
        name: 'layout letter seat numbers',
        call: () =>
          env.api.post(
            `/v1/events/${eventId}/seats`,
            { blocks: [{ tierId: reserved.body.id, section: 'C', rows: '1', seats: 'A-C' }] },
            as(organizer),
          ),
        status: 400,
        code: 'request.invalid',
        field: 'blocks.0.seats',
      },
      {
        name: 'layout too many seats',
        call: () =>
          env.api.post(
            `/v1/events/${eventId}/seats`,
            { blocks: [{ tierId: reserved.body.id, section: 'C', rows: '1-500', seats: '1-500' }] },
            as(organizer),
          ),
        status: 400,
        code: 'request.invalid',
        field: 'blocks.0',
      },
      {
        name: 'layout on a GA tier',
        call: () =>
          env.api.post(
            `/v1/events/${eventId}/seats`,
            { blocks: [{ tierId: ga.body.id, layout: 'section C rows 1 seats 1-2' }] },
            as(organizer),
          ),
        status: 400,
        code: 'catalog.wrong_tier_kind',
        field: 'blocks.0.tierId',
      },
      {
        name: 'layout seats that exist',
        call: () =>
          env.api.post(
            `/v1/events/${eventId}/seats`,
            { blocks: [{ tierId: reserved.body.id, layout: 'section A rows 1 seats 5-6' }] },
            as(organizer),
          ),
        status: 409,
        code: 'catalog.seat_exists',
      },
      {
        name: 'layout unknown tier',
        call: () =>
          env.api.post(
            `/v1/events/${eventId}/seats`,
            { blocks: [{ tierId: venueId, layout: 'section C rows 1 seats 1' }] },
            as(organizer),
          ),
        status: 400,
        code: 'request.invalid',
        field: 'blocks.0.tierId',
      },
    ];
    const before = await counts();
    for (const c of cases) {
      const res = await c.call();
      expect({ name: c.name, status: res.status, code: res.body?.code }).toEqual({
        name: c.name,
        status: c.status,
        code: c.code,
      });
      if (c.field)
        expect(
          res.body.errors.map((e: any) => e.field),
          c.name,
        ).toContain(c.field);
    }
    expect(await counts()).toEqual(before);
  });
});

describe('on-sale settings', () => {
  const queue = (over: Record<string, unknown> = {}) => ({
    mode: 'queue',
    prequeueOpensAt: inDays(1),
    saleStartsAt: inDays(2),
    admitPerMinute: 600,
    ...over,
  });

  it('stores defaults (8-minute holds, 10-minute tokens) and validates with field-named 400s', async () => {
    const { eventId } = await newEvent();
    const ok = await env.api.put(`/v1/events/${eventId}/onsale`, queue(), as(organizer));
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      mode: 'queue',
      holdTtlSeconds: 480,
      purchaseTokenTtlSeconds: 600,
      powDifficulty: 0,
      state: 'scheduled',
    });
    const before = await counts();
    const cases: [string, Record<string, unknown>, string][] = [
      ['prequeue after start', queue({ prequeueOpensAt: inDays(3) }), 'prequeueOpensAt'],
      ['end before start', queue({ saleEndsAt: inDays(1) }), 'saleEndsAt'],
      ['queue without a rate', queue({ admitPerMinute: undefined }), 'admitPerMinute'],
      ['rate and batch together', queue({ batchSize: 10, tickSeconds: 5 }), 'admitPerMinute'],
      ['batch without tick', queue({ admitPerMinute: undefined, batchSize: 10 }), 'tickSeconds'],
      ['rate too high', queue({ admitPerMinute: 10_000_000 }), 'admitPerMinute'],
      ['tick too long', queue({ admitPerMinute: undefined, batchSize: 10, tickSeconds: 600 }), 'tickSeconds'],
      ['hold TTL too short', queue({ holdTtlSeconds: 5 }), 'holdTtlSeconds'],
      ['negative limit', queue({ perAccountLimit: -2 }), 'perAccountLimit'],
      ['pow too hard', queue({ powDifficulty: 40 }), 'powDifficulty'],
      ['open mode with batch', { mode: 'open', saleStartsAt: inDays(2), batchSize: 10 }, 'batchSize'],
      ['queue without prequeue', queue({ prequeueOpensAt: undefined }), 'prequeueOpensAt'],
      ['sale after the event', { mode: 'open', saleStartsAt: inDays(40) }, 'saleStartsAt'],
      ['unknown state', queue({ state: 'running' }), 'state'],
    ];
    for (const [name, body, field] of cases) {
      const res = await env.api.put(`/v1/events/${eventId}/onsale`, body, as(organizer));
      expect({ name, status: res.status, code: res.body.code }).toEqual({ name, status: 400, code: 'request.invalid' });
      expect(
        res.body.errors.map((e: any) => e.field),
        name,
      ).toContain(field);
    }
    expect(await counts()).toEqual(before);
  });

  it('writes an audit row for every change once the pre-queue has opened, none before', async () => {
    const { eventId } = await newEvent();
    await env.api.put(`/v1/events/${eventId}/onsale`, queue(), as(organizer));
    await env.api.put(`/v1/events/${eventId}/onsale`, queue({ admitPerMinute: 900 }), as(organizer));
    const { db } = env.infra.database;
    expect(await db.select().from(onsaleAudit).where(eq(onsaleAudit.eventId, eventId))).toHaveLength(0);

    // The pre-queue is open now.
    await env.api.put(
      `/v1/events/${eventId}/onsale`,
      queue({ prequeueOpensAt: inDays(-0.1), admitPerMinute: 900 }),
      as(organizer),
    );
    await env.api.put(
      `/v1/events/${eventId}/onsale`,
      queue({ prequeueOpensAt: inDays(-0.1), admitPerMinute: 1200 }),
      as(admin),
    );
    const audit = await db.select().from(onsaleAudit).where(eq(onsaleAudit.eventId, eventId)).orderBy(onsaleAudit.id);
    expect(audit).toHaveLength(2);
    expect(audit[1]).toMatchObject({ actorId: admin.userId, action: 'settings.updated' });
    expect(audit[1]!.before).toMatchObject({ admitPerMinute: 900 });
    expect(audit[1]!.after).toMatchObject({ admitPerMinute: 1200 });
    const read = await env.api.get(`/v1/events/${eventId}/onsale`);
    expect(read.body.admitPerMinute).toBe(1200);
  });
});
