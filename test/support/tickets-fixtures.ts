import { eq } from 'drizzle-orm';
import { io as connect, type Socket } from 'socket.io-client';
import { users } from '../../src/auth/auth.table.js';
import type { ClientToServerEvents, NotificationPush, ServerToClientEvents } from '../../src/realtime/events.js';
import { CARDS, holdDirect, order, type SaleFixture } from './commerce.js';
import type { TestEnv } from './env.js';
import { signedInVerified } from './fixtures.js';

/** Fixtures for tickets, transfers, check-in and cancellation tests: buy through the real order API. */

export interface Bought {
  orderId: string;
  ticketIds: string[];
}

/** The next free seat of each sale fixture. */
const seatCursor = new WeakMap<SaleFixture, number>();

/** Buys `n` reserved seats (the next free ones of the fixture) with a sandbox card. */
export async function buySeats(
  env: TestEnv,
  sale: SaleFixture,
  fan: { token: string; userId: string },
  n = 1,
  attendees?: { name: string; email: string }[],
): Promise<Bought> {
  const from = seatCursor.get(sale) ?? 0;
  seatCursor.set(sale, from + n);
  const seatIds = sale.seatIds.slice(from, from + n);
  if (seatIds.length !== n) throw new Error('the sale fixture ran out of seats');
  const holdId = await holdDirect(env, sale, fan.userId, { seatIds });
  const res = await order(env, fan.token, { holdId, payment: { card: CARDS.ok }, ...(attendees ? { attendees } : {}) });
  if (res.status !== 201) throw new Error(`order failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { orderId: res.body.id, ticketIds: res.body.tickets.map((t: { id: string }) => t.id) };
}

/** A staff account (its address confirmed) added to the event by its organizer (through the API). */
export async function doorStaff(env: TestEnv, sale: SaleFixture) {
  const staff = await signedInVerified(env, ['staff'], 'staff');
  const [row] = await env.infra.database.db
    .select({ email: users.email })
    .from(users)
    .where(eq(users.id, staff.userId));
  const res = await env.api.post(
    `/v1/events/${sale.eventId}/staff`,
    { email: row!.email },
    { token: sale.organizer.token },
  );
  if (res.status !== 200) throw new Error(`add staff failed: ${res.status} ${JSON.stringify(res.body)}`);
  return staff;
}

export async function codeOf(env: TestEnv, token: string, ticketId: string): Promise<string> {
  const res = await env.api.get(`/v1/tickets/${ticketId}/code`, { token });
  if (res.status !== 200) throw new Error(`code failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.code;
}

export async function emailOf(env: TestEnv, userId: string): Promise<string> {
  const [row] = await env.infra.database.db.select({ email: users.email }).from(users).where(eq(users.id, userId));
  return row!.email;
}

/** A socket.io client in the user's room, collecting `notification` pushes. */
export async function listenAs(env: TestEnv, token: string, sockets: Socket[]): Promise<NotificationPush[]> {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = connect(env.api.baseUrl, {
    transports: ['websocket'],
    auth: { token },
    reconnection: false,
  });
  sockets.push(socket);
  const got: NotificationPush[] = [];
  socket.on('notification', (push) => got.push(push));
  await new Promise((resolve, reject) => socket.once('connect', () => resolve(null)).once('connect_error', reject));
  await new Promise((r) => setTimeout(r, 50)); // let the adapter subscribe the room
  return got;
}

export const until = async (check: () => boolean | Promise<boolean>, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
};
