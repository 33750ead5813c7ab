import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSale, idem } from '../support/commerce.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn, signedInVerified, uniqueEmail } from '../support/fixtures.js';
import { transferToken } from '../support/mail.js';
import { buySeats, codeOf } from '../support/tickets-fixtures.js';

/**
 * Issue #16, last part: every route that acts on an event, a venue, a staff list or an order,
 * asked "whose is this now?". Each test drives the API as the attacker did and checks that
 * the refused request left the database as it was.
 */

let env: TestEnv;
let admin: { token: string; userId: string };
beforeAll(async () => {
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '100000' });
  admin = await signedIn(env, ['admin']);
});
afterAll(() => env?.close());

type Account = { token: string; userId: string };
const sql = () => env.infra.database.sql;
const as = (account: Account) => ({ token: account.token, headers: { 'idempotency-key': idem() } });
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

/** Everything an organizer's request could change about an event: its row, tiers, seats, on-sale, staff, changes. */
async function eventState(eventId: string) {
  const db = sql();
  return {
    event: await db`select title, status, starts_at, doors_at, venue_id, refundable_until, transfers_allowed, updated_at
      from events where id = ${eventId}`,
    tiers: await db`select id, name, price_cents, fee_cents from price_tiers where event_id = ${eventId} order by id`,
    seats: await db`select count(*)::int as n from seats where event_id = ${eventId}`,
    ga: await db`select tier_id, capacity from ga_inventory where event_id = ${eventId} order by tier_id`,
    onsale: await db`select mode, state, sale_starts_at, updated_at from onsale_settings where event_id = ${eventId}`,
    staff: await db`select user_id from event_staff where event_id = ${eventId} order by user_id`,
    changes: await db`select id from event_changes where event_id = ${eventId}`,
  };
}

const venueOf = async (eventId: string): Promise<string> =>
  (await sql()`select venue_id from events where id = ${eventId}`)[0]!.venue_id as string;

describe('an organizer who is demoted', () => {
  it('can no longer change their event, its tiers, seats or on-sale, nor run its doors', async () => {
    const sale = await createSale(env, { seats: 2 });
    const fan = await signedIn(env);
    const { ticketIds } = await buySeats(env, sale, fan, 1);
    const code = await codeOf(env, fan.token, ticketIds[0]!);
    const demoted = await env.api.put(`/v1/users/${sale.organizer.userId}/roles`, { roles: ['fan'] }, as(admin));
    expect(demoted.status).toBe(200);
    const before = await eventState(sale.eventId);
    const org = sale.organizer;

    const refusals = [
      await env.api.patch(`/v1/events/${sale.eventId}`, { title: 'Still mine' }, as(org)),
      await env.api.patch(`/v1/events/${sale.eventId}`, { status: 'sold_out' }, as(org)),
      await env.api.post(
        `/v1/events/${sale.eventId}/tiers`,
        { name: 'Backdoor', kind: 'ga', priceCents: 1, currency: 'EUR', capacity: 500 },
        as(org),
      ),
      await env.api.patch(`/v1/events/${sale.eventId}/tiers/${sale.seatedTierId}`, { priceCents: 1 }, as(org)),
      await env.api.patch(`/v1/events/${sale.eventId}/tiers/${sale.gaTierId}`, { capacity: 5000 }, as(org)),
      await env.api.post(
        `/v1/events/${sale.eventId}/seats`,
        { blocks: [{ tierId: sale.seatedTierId, layout: 'section Z rows 1 seats 1-5' }] },
        as(org),
      ),
      await env.api.put(`/v1/events/${sale.eventId}/onsale`, { mode: 'open', saleStartsAt: inDays(1) }, as(org)),
      await env.api.post(`/v1/events/${sale.eventId}/onsale/pause`, undefined, as(org)),
    ];
    for (const res of refusals) {
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('catalog.not_organizer');
    }
    const bundle = await env.api.get(`/v1/events/${sale.eventId}/checkin/bundle`, as(org));
    expect(bundle.status).toBe(403);
    expect(bundle.body.code).toBe('checkin.not_staff');
    const scan = await env.api.post(
      '/v1/checkin',
      { code, gate: 'Office', nonce: randomUUID(), eventId: sale.eventId },
      as(org),
    );
    expect(scan.body.code).toBe('checkin.not_staff');
    expect(await eventState(sale.eventId)).toEqual(before);
    expect(await sql()`select id from checkins where event_id = ${sale.eventId}`).toEqual([]);

    // An admin still manages the event; promoted again, so does its organizer.
    expect((await env.api.patch(`/v1/events/${sale.eventId}`, { title: 'Under review' }, as(admin))).status).toBe(200);
    await env.api.put(`/v1/users/${org.userId}/roles`, { roles: ['organizer'] }, as(admin));
    expect((await env.api.patch(`/v1/events/${sale.eventId}`, { title: 'Back' }, as(org))).status).toBe(200);
  });
});

describe('what fans of a published event bought under', () => {
  it('"completed" waits for the show: before it starts, refunds, cancellation and transfers stay open', async () => {
    const sale = await createSale(env, { seats: 2 });
    const fan = await signedIn(env);
    const bought = await buySeats(env, sale, fan, 1);
    const before = await eventState(sale.eventId);

    const early = await env.api.patch(`/v1/events/${sale.eventId}`, { status: 'completed' }, as(sale.organizer));
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('catalog.status_change_refused');
    expect(early.body.errors).toEqual([expect.objectContaining({ field: 'status', code: 'not_started' })]);
    expect(await eventState(sale.eventId)).toEqual(before);
    const refund = await env.api.patch(`/v1/orders/${bought.orderId}`, { cancel: {} }, as(fan));
    expect(refund.status).toBe(200);

    // Once the show has started, it may be marked completed.
    await sql()`update events set starts_at = now() - interval '3 hours' where id = ${sale.eventId}`;
    const done = await env.api.patch(`/v1/events/${sale.eventId}`, { status: 'completed' }, as(sale.organizer));
    expect(done.status).toBe(200);
  });

  it('its refund deadline can be extended, never shortened or removed; a draft’s can', async () => {
    const sale = await createSale(env, { seats: 2 });
    const fan = await signedIn(env);
    const bought = await buySeats(env, sale, fan, 1);
    const deadline = (await sql()`select refundable_until from events where id = ${sale.eventId}`)[0]!.refundable_until;
    const before = await eventState(sale.eventId);

    for (const refundableUntil of [null, inDays(1), new Date(Date.now() - 60_000).toISOString()]) {
      const res = await env.api.patch(
        `/v1/events/${sale.eventId}`,
        { policies: { refundableUntil } },
        as(sale.organizer),
      );
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('catalog.refund_deadline_shortened');
      expect(res.body.errors[0]).toMatchObject({ field: 'policies.refundableUntil' });
    }
    expect(await eventState(sale.eventId)).toEqual(before);

    // The same deadline sent back (an edit form saving other fields) and a later one are fine.
    const same = await env.api.patch(
      `/v1/events/${sale.eventId}`,
      { title: 'Renamed', policies: { refundableUntil: new Date(deadline as string).toISOString() } },
      as(sale.organizer),
    );
    expect(same.status).toBe(200);
    const later = await env.api.patch(
      `/v1/events/${sale.eventId}`,
      { policies: { refundableUntil: inDays(25) } },
      as(sale.organizer),
    );
    expect(later.status).toBe(200);
    expect((await env.api.patch(`/v1/orders/${bought.orderId}`, { cancel: {} }, as(fan))).status).toBe(200);

    // Before anyone could buy, the organizer sets the deadline as they like.
    const draft = await createSale(env, { seats: 1 });
    await sql()`update events set status = 'draft' where id = ${draft.eventId}`;
    const set = await env.api.patch(
      `/v1/events/${draft.eventId}`,
      { policies: { refundableUntil: null } },
      as(draft.organizer),
    );
    expect(set.status).toBe(200);
  });

  it('its start, doors and venue move only through …/changes or …/postpone, which tell its holders', async () => {
    const sale = await createSale(env, { seats: 2 });
    const fan = await signedIn(env);
    await buySeats(env, sale, fan, 1);
    const startsAt = (await sql()`select starts_at from events where id = ${sale.eventId}`)[0]!.starts_at;
    const otherVenue = await env.api.post(
      '/v1/venues',
      {
        name: 'Annex',
        address: '2 Side St',
        city: 'Paris',
        country: 'FR',
        latitude: 48.86,
        longitude: 2.34,
        timeZone: 'Europe/Paris',
      },
      as(sale.organizer),
    );
    expect(otherVenue.status).toBe(201);
    const told = () => sql()`select kind from notifications where user_id = ${fan.userId} order by id`;
    const toldBefore = await told();
    const before = await eventState(sale.eventId);

    const moved = await env.api.patch(
      `/v1/events/${sale.eventId}`,
      { startsAt: inDays(200), venueId: otherVenue.body.id },
      as(sale.organizer),
    );
    expect(moved.status).toBe(409);
    expect(moved.body.code).toBe('catalog.change_needs_announcement');
    expect(moved.body.errors.map((e: { field: string }) => e.field)).toEqual(['startsAt', 'venueId']);
    const doors = await env.api.patch(`/v1/events/${sale.eventId}`, { doorsAt: inDays(29) }, as(sale.organizer));
    expect(doors.body.code).toBe('catalog.change_needs_announcement');
    expect(await eventState(sale.eventId)).toEqual(before);
    expect(await told()).toEqual(toldBefore);

    // The unchanged start sent back is not a move; the announced route moves it and tells the fan.
    const same = await env.api.patch(
      `/v1/events/${sale.eventId}`,
      { title: 'Same night', startsAt: new Date(startsAt as string).toISOString() },
      as(sale.organizer),
    );
    expect(same.status).toBe(200);
    const announced = await env.api.post(
      `/v1/events/${sale.eventId}/changes`,
      { startsAt: inDays(31), venueId: otherVenue.body.id },
      as(sale.organizer),
    );
    expect(announced.status).toBe(200);
    expect(await told()).toEqual([...toldBefore, { kind: 'event.changed' }]);
  });
});

describe("another organizer's venue", () => {
  it('cannot host an event: not when it is created, moved in a draft, or moved by …/changes', async () => {
    const a = await createSale(env, { seats: 1 });
    const b = await createSale(env, { seats: 1 });
    const venueOfA = await venueOf(a.eventId);
    const events = async () => (await sql()`select id, venue_id from events order by id`).map((r) => ({ ...r }));
    const before = { events: await events(), b: await eventState(b.eventId) };

    const created = await env.api.post(
      '/v1/events',
      { venueId: venueOfA, title: 'At their hall', startsAt: inDays(40) },
      as(b.organizer),
    );
    expect(created.status).toBe(403);
    expect(created.body.code).toBe('catalog.not_venue_owner');
    expect(created.body.errors).toEqual([expect.objectContaining({ field: 'venueId' })]);
    const draft = await env.api.post(
      '/v1/events',
      { venueId: await venueOf(b.eventId), title: 'Draft of B', startsAt: inDays(40) },
      as(b.organizer),
    );
    expect(draft.status).toBe(201);
    const afterDraft = await events();
    const movedDraft = await env.api.patch(`/v1/events/${draft.body.id}`, { venueId: venueOfA }, as(b.organizer));
    expect(movedDraft.body.code).toBe('catalog.not_venue_owner');
    const changed = await env.api.post(`/v1/events/${b.eventId}/changes`, { venueId: venueOfA }, as(b.organizer));
    expect(changed.status).toBe(403);
    expect(changed.body.code).toBe('catalog.not_venue_owner');
    expect(await events()).toEqual(afterDraft);
    expect(afterDraft.filter((e) => e.id !== draft.body.id)).toEqual(before.events);
    expect(await eventState(b.eventId)).toEqual(before.b);

    // An admin may place an event anywhere.
    const byAdmin = await env.api.post(
      '/v1/events',
      { venueId: venueOfA, title: 'Gala', startsAt: inDays(50) },
      as(admin),
    );
    expect(byAdmin.status).toBe(201);
  });
});

describe('door staff', () => {
  it('is added only with a confirmed address: whoever registered the address unconfirmed gets no door rights', async () => {
    const sale = await createSale(env, { seats: 1 });
    const address = uniqueEmail('doorperson');
    const squatter = await env.api.register(address);
    const before = await eventState(sale.eventId);

    const added = await env.api.post(`/v1/events/${sale.eventId}/staff`, { email: address }, as(sale.organizer));
    expect(added.status).toBe(422);
    expect(added.body.code).toBe('checkin.staff_unverified');
    expect(added.body.errors).toEqual([expect.objectContaining({ field: 'email', code: 'unverified' })]);
    expect(await eventState(sale.eventId)).toEqual(before);
    expect((await env.api.get(`/v1/events/${sale.eventId}/checkin/bundle`, as(squatter))).status).toBe(403);

    // A row added before the rule (or whose account no longer holds its address confirmed) opens no door.
    await sql()`insert into event_staff (event_id, user_id, added_by) values (${sale.eventId}, ${squatter.userId}, ${sale.organizer.userId})`;
    const legacy = await env.api.get(`/v1/events/${sale.eventId}/checkin/bundle`, as(squatter));
    expect(legacy.status).toBe(403);
    expect(legacy.body.code).toBe('checkin.not_staff');

    const confirmed = await signedInVerified(env, ['staff'], 'staff');
    const email = (await sql()`select email from users where id = ${confirmed.userId}`)[0]!.email as string;
    expect((await env.api.post(`/v1/events/${sale.eventId}/staff`, { email }, as(sale.organizer))).status).toBe(200);
    expect((await env.api.get(`/v1/events/${sale.eventId}/checkin/bundle`, as(confirmed))).status).toBe(200);
  });
});

describe('sending an order’s tickets to its attendees', () => {
  it("answers a stranger's order exactly as a missing one, and sends nothing", async () => {
    const sale = await createSale(env, { seats: 2 });
    const buyer = await signedIn(env);
    const stranger = await signedIn(env);
    const bought = await buySeats(env, sale, buyer, 2, [
      { name: 'Buyer', email: 'buyer@example.test' },
      { name: 'Friend', email: 'friend@example.test' },
    ]);
    const theirs = await env.api.post(`/v1/orders/${bought.orderId}/transfers`, {}, as(stranger));
    const missing = await env.api.post(`/v1/orders/${randomUUID()}/transfers`, {}, as(stranger));
    for (const res of [theirs, missing]) {
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('orders.not_found');
    }
    expect(theirs.body.detail).toBe(missing.body.detail);
    expect(await sql()`select id from ticket_transfers`).toEqual([]);
  });
});

describe('claiming a ticket with a new account', () => {
  it('refuses an offer that can no longer be taken before creating the account', async () => {
    const sale = await createSale(env, { seats: 2 });
    const sender = await signedIn(env);
    const { ticketIds } = await buySeats(env, sale, sender, 1);
    const address = uniqueEmail('newcomer');
    const offered = await env.api.post(`/v1/tickets/${ticketIds[0]}/transfers`, { toEmail: address }, as(sender));
    expect(offered.status).toBe(201);
    const token = await transferToken(env, offered.body.id);
    await env.api.patch(`/v1/events/${sale.eventId}`, { policies: { transfersAllowed: false } }, as(sale.organizer));
    const accounts = () => sql()`select id from users where email = ${address}`;

    const claim = () =>
      env.api.post(`/v1/transfers/${offered.body.id}/claim`, {
        token,
        password: 'a long enough passphrase',
        displayName: 'Newcomer',
      });
    const refused = await claim();
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('transfers.not_allowed');
    expect(await accounts()).toEqual([]);
    expect((await sql()`select holder_id from tickets where id = ${ticketIds[0]!}`)[0]!.holder_id).toBe(sender.userId);

    // Allowed again, the same invitation creates the account and takes the ticket.
    await env.api.patch(`/v1/events/${sale.eventId}`, { policies: { transfersAllowed: true } }, as(sale.organizer));
    const claimed = await claim();
    expect(claimed.status).toBe(201);
    expect(await accounts()).toEqual([{ id: claimed.body.userId }]);
  });
});
