import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { events } from '../../src/catalog/catalog.table.js';
import { CARDS, createSale, holdDirect, order, type SaleFixture } from '../support/commerce.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { buySeats, codeOf, doorStaff } from '../support/tickets-fixtures.js';

let env: TestEnv;
let sale: SaleFixture;
let staff: { token: string; userId: string };
let stranger: { token: string; userId: string };
let otherOrganizer: { token: string; userId: string };
const bought: { name: string; orderId: string; ticketId: string }[] = [];

const scan = (code: string, gate: string) =>
  env.api.post('/v1/checkin', { code, gate, nonce: randomUUID(), eventId: sale.eventId }, { token: staff.token });
const attendees = (token: string, query = '') =>
  env.api.get(`/v1/organizer/events/${sale.eventId}/attendees${query}`, { token });

beforeAll(async () => {
  env = await createTestEnv({ AUTH_LIMIT_PER_IP: '100000' });
  sale = await createSale(env, { seats: 10, gaCapacity: 3000 });
  staff = await doorStaff(env, sale);
  stranger = await signedIn(env);
  otherOrganizer = await signedIn(env, ['organizer']);
  // Three fans; the order names its attendees, one of them a name a spreadsheet would run as a formula.
  const guests = [
    { name: 'Zoë Ångström', email: 'zoe@guests.example' },
    { name: 'adam Baker', email: 'adam.baker@guests.example' },
    { name: '=HYPERLINK("http://x")', email: 'formula@guests.example' },
  ];
  for (const guest of guests) {
    const fan = await signedIn(env);
    const { orderId, ticketIds } = await buySeats(env, sale, fan, 1, [guest]);
    bought.push({ name: guest.name, orderId, ticketId: ticketIds[0]! });
  }
});
afterAll(() => env?.close());

describe('attendees and check-ins per gate', () => {
  it('lists valid tickets with name, address, tier, seat and order, in name order, paged and searchable', async () => {
    const first = await attendees(sale.organizer.token, '?pageSize=2');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ eventId: sale.eventId, total: 3, page: 1, pageSize: 2 });
    // Case-insensitive name order: "=HYPERLINK…", "adam Baker", then "Zoë Ångström" on page 2.
    expect(first.body.attendees.map((a: { name: string }) => a.name)).toEqual(['=HYPERLINK("http://x")', 'adam Baker']);
    const second = await attendees(sale.organizer.token, '?pageSize=2&page=2');
    expect(second.body.attendees).toHaveLength(1);
    const zoe = second.body.attendees[0];
    expect(zoe).toMatchObject({
      name: 'Zoë Ångström',
      email: 'zoe@guests.example',
      orderId: bought[0]!.orderId,
      ticketId: bought[0]!.ticketId,
      checkedInAt: null,
      gate: null,
    });
    expect(zoe.seat).toMatch(/^Section .+, row .+, seat \d+$/);
    expect(typeof zoe.tier).toBe('string');

    const byName = await attendees(sale.organizer.token, `?q=${encodeURIComponent('ångst')}`);
    expect(byName.body.attendees.map((a: { ticketId: string }) => a.ticketId)).toEqual([bought[0]!.ticketId]);
    const byEmail = await attendees(sale.organizer.token, '?q=ADAM.BAKER@');
    expect(byEmail.body.total).toBe(1);
    const byOrder = await attendees(sale.organizer.token, `?q=${bought[2]!.orderId.slice(0, 8)}`);
    expect(byOrder.body.attendees.map((a: { orderId: string }) => a.orderId)).toEqual([bought[2]!.orderId]);
    // A wildcard typed by the organizer is a character, not a pattern.
    expect((await attendees(sale.organizer.token, '?q=%25')).body.total).toBe(0);
    const bad = await attendees(sale.organizer.token, '?pageSize=0');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]).toMatchObject({ in: 'query', field: 'pageSize' });
  });

  it('counts admissions and refusals per gate and per 5 minutes; the list shows who came in where', async () => {
    const holderOf = async (ticketId: string) => {
      const [row] = await env.infra.database.sql<
        { holder_id: string }[]
      >`select holder_id from tickets where id = ${ticketId}`;
      return row!.holder_id;
    };
    // The holder's own rotating code, fetched as the holder: sign in as them through a fresh session.
    const codes: string[] = [];
    for (const b of bought.slice(0, 2)) {
      const holder = await holderOf(b.ticketId);
      const [session] = await env.infra.database.sql<{ email: string }[]>`select email from users where id = ${holder}`;
      const login = await env.api.post('/v1/auth/login', { email: session!.email, password: 'correct horse battery' });
      expect(login.status).toBe(200);
      codes.push(await codeOf(env, login.body.token, b.ticketId));
    }
    expect((await scan(codes[0]!, 'North')).body.result).toBe('admitted');
    expect((await scan(codes[1]!, 'South')).body.result).toBe('admitted');
    expect((await scan(codes[0]!, 'South')).body.result).toBe('already_used');

    const stats = await env.api.get(`/v1/organizer/events/${sale.eventId}/checkins/stats`, {
      token: sale.organizer.token,
    });
    expect(stats.status).toBe(200);
    expect(stats.body).toMatchObject({ eventId: sale.eventId, tickets: 3, checkedIn: 2 });
    expect(
      stats.body.gates.map((g: { gate: string; admitted: number; refused: number }) => [g.gate, g.admitted, g.refused]),
    ).toEqual([
      ['North', 1, 0],
      ['South', 1, 1],
    ]);
    const slots = stats.body.perFiveMinutes as { at: string; gate: string; admitted: number; refused: number }[];
    expect(slots.reduce((n, s) => n + s.admitted, 0)).toBe(2);
    expect(slots.reduce((n, s) => n + s.refused, 0)).toBe(1);
    for (const s of slots) expect(new Date(s.at).getTime() % 300_000).toBe(0);
    // What the database holds, said the same way.
    const [db] = await env.infra.database.sql<{ n: number }[]>`
      select count(*)::int as n from checkins where event_id = ${sale.eventId} and result = 'admitted'`;
    expect(db!.n).toBe(2);

    const list = (await attendees(sale.organizer.token, `?q=${bought[0]!.ticketId.slice(0, 13)}`)).body.attendees;
    expect(list[0]).toMatchObject({ ticketId: bought[0]!.ticketId, gate: 'North' });
    expect(Date.parse(list[0].checkedInAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('exports every attendee as CSV, streamed in pages, formulas defused, the search applied', async () => {
    // A large event: 2,500 general-admission tickets beside the three seats (copies of one order's ticket).
    const fan = await signedIn(env);
    const holdId = await holdDirect(env, sale, fan.userId, { quantity: 1 });
    const ga = await order(env, fan.token, { holdId, payment: { card: CARDS.ok } });
    expect(ga.status).toBe(201);
    await env.infra.database.sql`
      insert into tickets (order_id, order_item_id, event_id, tier_id, holder_id)
      select order_id, order_item_id, event_id, tier_id, holder_id from tickets, generate_series(1, 2499)
      where order_id = ${ga.body.id}`;
    const res = await env.api.get(`/v1/organizer/events/${sale.eventId}/attendees.csv`, { token: staff.token });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toContain(`attendees-${sale.eventId}.csv`);
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    const lines = (res.body as string).trimEnd().split('\r\n');
    expect(lines[0]).toBe('ticket_id,order_id,name,email,tier,seat,checked_in_at,gate');
    const ids = lines.slice(1).map((l) => l.split(',')[0]);
    expect(ids).toHaveLength(2503);
    expect(new Set(ids).size).toBe(2503);
    const [count] = await env.infra.database.sql<{ n: number }[]>`
      select count(*)::int as n from tickets where event_id = ${sale.eventId} and status = 'valid'`;
    expect(count!.n).toBe(2503);
    expect(lines.find((l) => l.startsWith(bought[2]!.ticketId))).toContain(`"'=HYPERLINK(""http://x"")"`);
    expect(lines.find((l) => l.startsWith(bought[0]!.ticketId))).toMatch(/,North$/);

    const searched = await env.api.get(`/v1/organizer/events/${sale.eventId}/attendees.csv?q=baker`, {
      token: sale.organizer.token,
    });
    expect((searched.body as string).trimEnd().split('\r\n')).toHaveLength(2);
  });

  it('shows attendees and gates to the organizer and the event’s door staff only; the report to the organizer only', async () => {
    const paths = [
      `/v1/organizer/events/${sale.eventId}/attendees`,
      `/v1/organizer/events/${sale.eventId}/attendees.csv`,
      `/v1/organizer/events/${sale.eventId}/checkins/stats`,
    ];
    for (const path of paths) {
      expect((await env.api.get(path, { token: staff.token })).status).toBe(200);
      for (const outsider of [stranger, otherOrganizer]) {
        const res = await env.api.get(path, { token: outsider.token });
        expect(res.status).toBe(403);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        expect(res.body.code).toBe('reports.not_event_staff');
      }
      expect((await env.api.get(path)).status).toBe(401);
      const unknown = await env.api.get(path.replace(sale.eventId, randomUUID()), { token: sale.organizer.token });
      expect(unknown.status).toBe(404);
      expect(unknown.body.code).toBe('catalog.event_not_found');
    }
    for (const path of [
      `/v1/organizer/events/${sale.eventId}/report`,
      `/v1/organizer/events/${sale.eventId}/report.csv`,
    ]) {
      expect((await env.api.get(path, { token: sale.organizer.token })).status).toBe(200);
      for (const outsider of [staff, stranger, otherOrganizer]) {
        const res = await env.api.get(path, { token: outsider.token });
        expect(res.status).toBe(403);
        expect(res.body.code).toBe('catalog.not_organizer');
      }
    }
    // A draft is nobody's but its organizer's: to anyone else it does not exist.
    await env.infra.database.db.update(events).set({ status: 'draft' }).where(eq(events.id, sale.eventId));
    try {
      const res = await env.api.get(paths[0]!, { token: stranger.token });
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('catalog.event_not_found');
      expect((await env.api.get(paths[0]!, { token: sale.organizer.token })).status).toBe(200);
    } finally {
      await env.infra.database.db.update(events).set({ status: 'scheduled' }).where(eq(events.id, sale.eventId));
    }
  });
});
