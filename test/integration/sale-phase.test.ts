import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admissionModule } from '../../src/waitingroom/scheduler.jobs.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn, signedInVerified } from '../support/fixtures.js';
import { createSale, idemKey } from '../support/sales.js';
import { queueSale, waitUntil } from '../support/waitingroom.js';

/**
 * The sale's phase (src/sales/phase.ts) through the APIs that carry it: the event (fans' pages)
 * and the console's list say the same thing at every step of a real drop, driven by the real
 * scheduler: pre-queue, the draw, admission, a pause, a cancellation.
 */

let env: TestEnv;
let organizer: { userId: string; token: string };
let scheduler: { close(): Promise<void> } | undefined;
beforeAll(async () => {
  env = await createTestEnv({ QUEUE_TICK_MS: '200', AUTH_LIMIT_PER_IP: '10000', QUEUE_JOIN_LIMIT_PER_IP: '10000' });
  organizer = await signedIn(env, ['organizer']);
  scheduler = await admissionModule().start(env.infra);
});
afterAll(async () => {
  await scheduler?.close();
  await env?.close();
});

const event = async (id: string) => (await env.api.get(`/v1/events/${id}`)).body;
const consolePhase = async (id: string) =>
  (await env.api.get('/v1/organizer/events', { token: organizer.token })).body.events.find((e: any) => e.id === id)
    ?.phase;
/** The fan's view and the organizer's, side by side. */
const phases = async (id: string) => ({ fans: (await event(id)).phase, console: await consolePhase(id) });
const mutate = (path: string, body?: unknown) =>
  env.api.post(path, body, { token: organizer.token, headers: { 'idempotency-key': idemKey() } });

describe('the sale phase over HTTP', () => {
  it('one answer for fans and console through a live drop: prequeue, admitting after the draw, paused, cancelled', async () => {
    const early = await Promise.all([signedInVerified(env), signedInVerified(env)]);
    const sale = await queueSale(env, organizer.userId, { startsInMs: 6_000, admitPerMinute: 600 });
    expect(await phases(sale.eventId)).toEqual({ fans: 'prequeue', console: 'prequeue' });
    expect((await event(sale.eventId)).sale).toMatchObject({ phase: 'prequeue', mode: 'queue', drawnAt: null });
    for (const fan of early)
      expect((await env.api.post(`/v1/events/${sale.eventId}/queue`, undefined, { token: fan.token })).status).toBe(
        201,
      );

    // The scheduler draws at the start: the event says so, with the draw's size, and the card follows.
    await waitUntil(async () => (await event(sale.eventId)).phase === 'admitting', 20_000, 'the draw');
    const after = await event(sale.eventId);
    expect(after.sale).toMatchObject({ phase: 'admitting', drawSize: 2, drawnAt: expect.stringMatching(/Z$/) });
    expect(after.availability.state).toBe('on_sale');
    expect(await consolePhase(sale.eventId)).toBe('admitting');

    // A fan who joins now comes after everyone in the draw: their number is past the draw's size.
    const late = await signedInVerified(env);
    await env.api.post(`/v1/events/${sale.eventId}/queue`, undefined, { token: late.token });
    const place = (await env.api.get(`/v1/events/${sale.eventId}/queue/me`, { token: late.token })).body;
    expect(place.ticketNumber).toBe(3);

    expect((await mutate(`/v1/events/${sale.eventId}/onsale/pause`)).status).toBe(200);
    expect(await phases(sale.eventId)).toEqual({ fans: 'paused', console: 'paused' });
    expect((await event(sale.eventId)).availability.state).toBe('paused');
    expect((await mutate(`/v1/events/${sale.eventId}/onsale/resume`)).status).toBe(200);
    expect(await phases(sale.eventId)).toEqual({ fans: 'admitting', console: 'admitting' });

    expect((await mutate(`/v1/events/${sale.eventId}/cancel`, { reason: 'The stage collapsed' })).status).toBe(202);
    expect(await phases(sale.eventId)).toEqual({ fans: 'cancelled', console: 'cancelled' });
    const cancelled = await event(sale.eventId);
    expect(cancelled.cancellation).toMatchObject({
      reason: 'The stage collapsed',
      cancelledAt: expect.stringMatching(/Z$/),
    });
    // Nobody joins the waiting room of a cancelled event.
    const refused = await env.api.post(`/v1/events/${sale.eventId}/queue`, undefined, {
      token: (await signedInVerified(env)).token,
    });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('queue.closed');
  });

  it('a queue sale that began an hour ago reads the same to fans and in the console', async () => {
    const hour = 3_600_000;
    const sale = await queueSale(env, organizer.userId, {
      onsale: { prequeueOpensAt: new Date(Date.now() - 2 * hour), saleStartsAt: new Date(Date.now() - hour) },
    });
    await waitUntil(async () => (await event(sale.eventId)).phase === 'admitting', 20_000, 'the room drawn');
    expect(await phases(sale.eventId)).toEqual({ fans: 'admitting', console: 'admitting' });
    const listed = (await env.api.get(`/v1/events?venueId=${sale.venueId}`)).body.events[0];
    expect(listed).toMatchObject({ phase: 'admitting', availability: { state: 'on_sale' } });
  });

  it('an open sale is on sale at once; a draft is a draft to its organizer', async () => {
    const open = await createSale(env, organizer.userId);
    expect(await phases(open.eventId)).toEqual({ fans: 'on_sale', console: 'on_sale' });
    const draft = await createSale(env, organizer.userId, { status: 'draft' });
    expect((await env.api.get(`/v1/events/${draft.eventId}`, { token: organizer.token })).body.phase).toBe('draft');
    expect(await consolePhase(draft.eventId)).toBe('draft');
  });
});
