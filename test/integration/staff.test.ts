import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../../src/auth/auth.table.js';
import { eventStaff } from '../../src/checkin/checkin.table.js';
import { notifications } from '../../src/notifications/notifications.table.js';
import { outbox } from '../../src/notifications/outbox.table.js';
import { createSale, type SaleFixture } from '../support/commerce.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn, signedInVerified } from '../support/fixtures.js';
import { emailOf } from '../support/tickets-fixtures.js';

/** Door staff of an event: GET, POST and DELETE /v1/events/:id/staff, as the console's staff screen uses them. */

let env: TestEnv;
let sale: SaleFixture;
beforeAll(async () => {
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '10000' });
  sale = await createSale(env, { seats: 2 });
});
afterAll(() => env?.close());

const as = (who: { token: string }, key?: string) => ({
  token: who.token,
  ...(key ? { headers: { 'idempotency-key': key } } : {}),
});
const staffPath = () => `/v1/events/${sale.eventId}/staff`;
const staffRows = (userId: string) =>
  env.infra.database.db
    .select()
    .from(eventStaff)
    .where(and(eq(eventStaff.eventId, sale.eventId), eq(eventStaff.userId, userId)));
const noticesOf = (userId: string) =>
  env.infra.database.db.select().from(notifications).where(eq(notifications.userId, userId));
const bundleAs = (who: { token: string }) =>
  env.api.get(`/v1/events/${sale.eventId}/checkin/bundle`, { token: who.token });

describe('door staff of an event', () => {
  it('invites an account by email, tells them once, lists them; removing them closes the door', async () => {
    const door = await signedInVerified(env, ['staff']);
    const email = await emailOf(env, door.userId);
    expect((await bundleAs(door)).status).toBe(403);
    expect((await env.api.get(staffPath(), as(sale.organizer))).body).toEqual({ staff: [] });

    const key = randomUUID();
    const added = await env.api.post(staffPath(), { email }, as(sale.organizer, key));
    expect(added.status).toBe(200);
    expect(added.body.staff).toEqual([
      { userId: door.userId, email, displayName: 'Test Fan', since: expect.stringMatching(/Z$/), confirmed: true },
    ]);
    expect(await staffRows(door.userId)).toEqual([expect.objectContaining({ addedBy: sale.organizer.userId })]);
    expect((await bundleAs(door)).status).toBe(200);
    // Their scanner offers the event.
    const doorEvents = await env.api.get('/v1/checkin/events', { token: door.token });
    expect(doorEvents.body.events).toEqual([
      {
        id: sale.eventId,
        title: expect.any(String),
        startsAt: { utc: expect.stringMatching(/Z$/), timeZone: 'Europe/Paris' },
        venue: { name: 'Hall' },
      },
    ]);

    // They are told in the app and by mail, with the scanner's address for this event.
    const notices = await noticesOf(door.userId);
    expect(notices).toEqual([
      expect.objectContaining({ kind: 'checkin.staff_added', data: { eventId: sale.eventId } }),
    ]);
    expect(notices[0]!.body).toContain(`/scanner.html?event=${sale.eventId}`);
    const mails = await env.infra.database.db
      .select()
      .from(outbox)
      .where(and(eq(outbox.userId, door.userId), eq(outbox.kind, 'checkin.staff_added')));
    expect(mails.map((m) => [m.channel, m.recipient])).toEqual([
      ['push', door.userId],
      ['email', email],
    ]);

    // A retry with the key replays the answer; a second invitation changes nothing and tells no one again.
    const replay = await env.api.post(staffPath(), { email }, as(sale.organizer, key));
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(added.body);
    const again = await env.api.post(staffPath(), { email }, as(sale.organizer, randomUUID()));
    expect(again.body.staff).toHaveLength(1);
    expect(await noticesOf(door.userId)).toHaveLength(1);
    const reused = await env.api.post(staffPath(), { email: 'other@example.test' }, as(sale.organizer, key));
    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe('idempotency.key_reused');

    const removeKey = randomUUID();
    const removed = await env.api.delete(`${staffPath()}/${door.userId}`, as(sale.organizer, removeKey));
    expect(removed.status).toBe(204);
    expect(await staffRows(door.userId)).toEqual([]);
    const refused = await bundleAs(door);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('checkin.not_staff');
    expect((await env.api.get('/v1/checkin/events', { token: door.token })).body.events).toEqual([]);
    // The retried removal gets its first answer; a new removal is told there is nobody to remove.
    expect((await env.api.delete(`${staffPath()}/${door.userId}`, as(sale.organizer, removeKey))).status).toBe(204);
    const gone = await env.api.delete(`${staffPath()}/${door.userId}`, as(sale.organizer, randomUUID()));
    expect(gone.status).toBe(404);
    expect(gone.contentType).toContain('application/problem+json');
    expect(gone.body.code).toBe('checkin.staff_not_found');
    expect((await env.api.get(staffPath(), as(sale.organizer))).body).toEqual({ staff: [] });
  });

  it('refuses bad input and strangers with a problem naming the field, and changes nothing', async () => {
    const problem = async (
      res: Promise<{ status: number; contentType: string | null; body: any }>,
      status: number,
      code: string,
      fields?: string[],
    ) => {
      const answer = await res;
      expect(answer.status).toBe(status);
      expect(answer.contentType).toContain('application/problem+json');
      expect(answer.body.code).toBe(code);
      if (fields) expect(answer.body.errors.map((e: { field: string }) => e.field)).toEqual(fields);
    };
    await problem(
      env.api.post(staffPath(), { email: 'nobody-here@example.test' }, as(sale.organizer)),
      422,
      'checkin.unknown_account',
      ['email'],
    );
    await problem(env.api.post(staffPath(), { email: 'not an address' }, as(sale.organizer)), 400, 'request.invalid', [
      'email',
    ]);
    await problem(env.api.post(staffPath(), {}, as(sale.organizer)), 400, 'request.invalid', ['email']);
    await problem(
      env.api.post(staffPath(), { email: 'a@example.test', role: 'admin' }, as(sale.organizer)),
      400,
      'request.invalid',
      ['role'],
    );
    await problem(env.api.delete(`${staffPath()}/not-a-uuid`, as(sale.organizer)), 400, 'request.invalid', ['userId']);
    await problem(
      env.api.post(`/v1/events/${randomUUID()}/staff`, { email: 'a@example.test' }, as(sale.organizer)),
      404,
      'catalog.event_not_found',
    );

    const other = await signedIn(env, ['organizer']);
    const fan = await signedIn(env);
    await problem(env.api.get(staffPath(), as(other)), 403, 'catalog.not_organizer');
    await problem(env.api.post(staffPath(), { email: 'a@example.test' }, as(other)), 403, 'catalog.not_organizer');
    await problem(env.api.delete(`${staffPath()}/${fan.userId}`, as(other)), 403, 'catalog.not_organizer');
    await problem(env.api.get(staffPath(), as(fan)), 403, 'auth.forbidden');
    await problem(env.api.get(staffPath()), 401, 'auth.required');
    expect(await env.infra.database.db.select().from(eventStaff).where(eq(eventStaff.eventId, sale.eventId))).toEqual(
      [],
    );
  });

  it('lists staff whose account no longer holds its address confirmed as unconfirmed: they cannot scan', async () => {
    const door = await signedInVerified(env, ['staff']);
    await env.api.post(staffPath(), { email: await emailOf(env, door.userId) }, as(sale.organizer));
    await env.infra.database.db.update(users).set({ emailVerifiedAt: null }).where(eq(users.id, door.userId));
    const list = await env.api.get(staffPath(), as(sale.organizer));
    expect(list.body.staff).toEqual([expect.objectContaining({ userId: door.userId, confirmed: false })]);
    expect((await bundleAs(door)).status).toBe(403);
    await env.api.delete(`${staffPath()}/${door.userId}`, as(sale.organizer));
  });
});
