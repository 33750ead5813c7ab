import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { event, gaTier, onsale, seatedTier, takeSeats, venue } from '../support/discovery.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';

/** GET /v1/organizer/events and /v1/organizer/venues: the console's lists. */

let env: TestEnv;
let organizer: { token: string; userId: string };
let other: { token: string; userId: string };
let fan: { token: string; userId: string };
let admin: { token: string; userId: string };
const ids: Record<string, string> = {};
const day = 86_400_000;
const inDays = (d: number) => new Date(Date.now() + d * day);
const as = (who: { token: string }) => ({ token: who.token });

beforeAll(async () => {
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '10000' });
  [organizer, other, fan, admin] = await Promise.all([
    signedIn(env, ['fan', 'organizer']),
    signedIn(env, ['organizer']),
    signedIn(env, ['fan']),
    signedIn(env, ['admin']),
  ]);
  const db = env.infra.database.db;
  const hall = await venue(db, organizer.userId, { name: 'Hall B', latitude: 52.5, longitude: 13.4 });
  const arena = await venue(db, organizer.userId, { name: 'Arena A', city: 'Hamburg', latitude: 53.5, longitude: 10 });
  const theirs = await venue(db, other.userId, { name: 'Their Club', latitude: 52.4, longitude: 13.3 });
  ids.hall = hall.id;
  ids.arena = arena.id;
  ids.theirs = theirs.id;

  const show = await event(db, organizer.userId, hall.id, {
    title: 'Busy Show',
    startsAt: inDays(10),
    status: 'on_sale',
  });
  const seated = await seatedTier(db, show.id, { price: 5000, rows: 2, perRow: 5 });
  await gaTier(db, show.id, { price: 3000, capacity: 100, held: 7, sold: 13 });
  await takeSeats(db, fan.userId, show.id, seated.tier.id, seated.seatIds.slice(0, 2), 'held');
  await takeSeats(db, fan.userId, show.id, seated.tier.id, seated.seatIds.slice(2, 5), 'sold');
  await onsale(db, show.id, {
    mode: 'queue',
    prequeueOpensAt: inDays(1),
    saleStartsAt: inDays(2),
    saleEndsAt: inDays(9),
    admitPerMinute: 300,
  });
  ids.show = show.id;
  ids.draft = (
    await event(db, organizer.userId, arena.id, { title: 'Draft Later', startsAt: inDays(20), status: 'draft' })
  ).id;
  ids.past = (
    await event(db, organizer.userId, hall.id, { title: 'Last Year', startsAt: inDays(-300), status: 'completed' })
  ).id;
  ids.soon = (
    await event(db, organizer.userId, hall.id, { title: 'Soon', startsAt: inDays(3), status: 'scheduled' })
  ).id;
  ids.theirEvent = (
    await event(db, other.userId, theirs.id, { title: 'Not Mine', startsAt: inDays(5), status: 'draft' })
  ).id;
});
afterAll(() => env?.close());

describe('GET /v1/organizer/events', () => {
  it('lists only my events, drafts included, upcoming first then past, with stock and on-sale', async () => {
    const res = await env.api.get('/v1/organizer/events', as(organizer));
    expect(res.status).toBe(200);
    expect(res.body.events.map((e: any) => e.title)).toEqual(['Soon', 'Busy Show', 'Draft Later', 'Last Year']);
    const show = res.body.events.find((e: any) => e.id === ids.show);
    expect(show).toEqual({
      id: ids.show,
      organizerId: organizer.userId,
      title: 'Busy Show',
      status: 'on_sale',
      // Its waiting room opens tomorrow: the status says on sale, the phase what fans can do.
      phase: 'scheduled',
      startsAt: expect.stringMatching(/Z$/),
      venue: { id: ids.hall, name: 'Hall B', city: 'Berlin', timeZone: 'Europe/Berlin' },
      tiers: 2,
      capacity: 10 + 100,
      held: 2 + 7,
      sold: 3 + 13,
      remaining: 110 - 9 - 16,
      onsale: {
        mode: 'queue',
        state: 'scheduled',
        prequeueOpensAt: expect.any(String),
        saleStartsAt: expect.any(String),
        saleEndsAt: expect.any(String),
        admitPerMinute: 300,
        purchaseTokenTtlSeconds: 600,
        holdTtlSeconds: 480,
        perAccountLimit: null,
        requireVerifiedEmail: true,
      },
    });
    expect(res.body).toMatchObject({ total: 4, page: 1, limit: 20 });
    const draft = res.body.events.find((e: any) => e.id === ids.draft);
    expect(draft).toMatchObject({
      status: 'draft',
      tiers: 0,
      capacity: 0,
      held: 0,
      sold: 0,
      remaining: 0,
      onsale: null,
    });
  });

  it('another organizer sees only theirs; a fan gets 403 and an anonymous caller 401', async () => {
    const theirs = await env.api.get('/v1/organizer/events', as(other));
    expect(theirs.body.events.map((e: any) => e.id)).toEqual([ids.theirEvent]);
    const refused = await env.api.get('/v1/organizer/events', as(fan));
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('auth.forbidden');
    expect((await env.api.get('/v1/organizer/events')).status).toBe(401);
  });

  it('an admin sees their own by default and everyone’s with scope=all; scope=all is refused to organizers, naming the field', async () => {
    expect((await env.api.get('/v1/organizer/events', as(admin))).body.events).toEqual([]);
    const all = await env.api.get('/v1/organizer/events?scope=all', as(admin));
    expect(all.body.events.map((e: any) => e.id).sort()).toEqual(
      [ids.show, ids.draft, ids.past, ids.soon, ids.theirEvent].sort(),
    );
    const refused = await env.api.get('/v1/organizer/events?scope=all', as(organizer));
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('catalog.admin_scope_only');
    expect(refused.body.errors.map((e: any) => e.field)).toEqual(['scope']);
    const bad = await env.api.get('/v1/organizer/events?limit=0', as(organizer));
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: any) => e.field)).toEqual(['limit']);
    expect((await env.api.get('/v1/organizer/events?limit=2', as(organizer))).body.events).toHaveLength(2);
  });
});

describe('GET /v1/organizer/events/:id', () => {
  it('answers one of my events with its whole on-sale window, or null before it is set: never a 404 for that', async () => {
    const show = await env.api.get(`/v1/organizer/events/${ids.show}`, as(organizer));
    expect(show.status).toBe(200);
    const listed = (await env.api.get('/v1/organizer/events', as(organizer))).body.events.find(
      (e: any) => e.id === ids.show,
    );
    expect(show.body).toEqual(listed);
    const draft = await env.api.get(`/v1/organizer/events/${ids.draft}`, as(organizer));
    expect(draft.status).toBe(200);
    expect(draft.body).toMatchObject({ id: ids.draft, status: 'draft', onsale: null });
  });

  it('is the organizer’s (or an admin’s): others are refused, another’s draft and an unknown id are not found', async () => {
    expect((await env.api.get(`/v1/organizer/events/${ids.theirEvent}`, as(admin))).status).toBe(200);
    const theirDraft = await env.api.get(`/v1/organizer/events/${ids.theirEvent}`, as(organizer));
    expect(theirDraft.status).toBe(404);
    expect(theirDraft.body.code).toBe('catalog.event_not_found');
    const notMine = await env.api.get(`/v1/organizer/events/${ids.show}`, as(other));
    expect(notMine.status).toBe(403);
    expect(notMine.body.code).toBe('catalog.not_organizer');
    expect((await env.api.get(`/v1/organizer/events/${ids.show}`, as(fan))).status).toBe(403);
    const unknown = await env.api.get('/v1/organizer/events/00000000-0000-4000-8000-000000000000', as(organizer));
    expect(unknown.status).toBe(404);
    expect(unknown.contentType).toContain('application/problem+json');
    const bad = await env.api.get('/v1/organizer/events/nope', as(organizer));
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: any) => e.field)).toEqual(['id']);
  });
});

describe('GET /v1/organizer/venues', () => {
  it('lists the venues I created by name; fans are refused; admins may ask for all', async () => {
    const mine = await env.api.get('/v1/organizer/venues', as(organizer));
    expect(mine.status).toBe(200);
    expect(mine.body.venues.map((v: any) => v.name)).toEqual(['Arena A', 'Hall B']);
    expect(mine.body.venues[0]).toMatchObject({
      id: ids.arena,
      ownerId: organizer.userId,
      timeZone: 'Europe/Berlin',
      transit: expect.any(Object),
    });
    expect((await env.api.get('/v1/organizer/venues', as(other))).body.venues.map((v: any) => v.id)).toEqual([
      ids.theirs,
    ]);
    expect((await env.api.get('/v1/organizer/venues', as(fan))).status).toBe(403);
    expect((await env.api.get('/v1/organizer/venues?scope=all', as(admin))).body.venues).toHaveLength(3);
  });
});
