import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientToServerEvents, ServerToClientEvents } from '../../src/realtime/events.js';
import { eventRoom, userRoom } from '../../src/realtime/events.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

let env: TestEnv;
let nodes: RunningServer[];
const clients: Client[] = [];

beforeAll(async () => {
  env = await createTestEnv();
  // Three API nodes sharing one Redis (and database), each on its own port.
  nodes = [env.server, await startServer(env.infra), await startServer(env.infra)];
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await Promise.all(nodes.slice(1).map((n) => n.close()));
  await env?.close();
});

function client(
  node: RunningServer,
  token?: string,
  transport: 'websocket' | 'polling' = 'websocket',
): Promise<Client> {
  const socket: Client = connect(`http://127.0.0.1:${node.port}`, {
    transports: [transport],
    auth: token ? { token } : {},
    reconnection: false,
  });
  clients.push(socket);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

const next = <E extends keyof ServerToClientEvents>(socket: Client, event: E) =>
  new Promise<Parameters<ServerToClientEvents[E]>[0]>((resolve) =>
    socket.once(event, ((payload: never) => resolve(payload)) as never),
  );

describe('realtime gateway across nodes', () => {
  it("delivers a worker's broadcast to a fan's sockets on every node", async () => {
    const fan = await signedIn(env);
    const onB = await client(nodes[1]!, fan.token);
    const onC = await client(nodes[2]!, fan.token);
    const stranger = await client(nodes[1]!, (await signedIn(env)).token);
    let strangerGot = false;
    stranger.on('notification', () => (strangerGot = true));

    const push = {
      id: 1,
      kind: 'test',
      title: 'Hello',
      body: 'across nodes',
      createdAt: new Date().toISOString(),
      data: {},
    };
    const received = Promise.all([next(onB, 'notification'), next(onC, 'notification')]);
    // Give the adapters a moment to register the room subscriptions before publishing.
    await new Promise((r) => setTimeout(r, 100));
    env.infra.broadcaster.toUser(fan.userId, 'notification', push);
    expect(await received).toEqual([push, push]);
    await new Promise((r) => setTimeout(r, 100));
    expect(strangerGot).toBe(false);
  });

  it('lets any socket follow an event room, and a broadcast from node A reaches a socket on node C', async () => {
    const eventId = crypto.randomUUID();
    const anonymous = await client(nodes[2]!);
    const ack = await anonymous.emitWithAck('subscribe', { eventId });
    expect(ack).toEqual({ ok: true });
    const got = next(anonymous, 'availability');
    nodes[0]!.gateway.io.to(eventRoom(eventId)).emit('availability', { eventId, remaining: 7, status: 'on_sale' });
    expect(await got).toEqual({ eventId, remaining: 7, status: 'on_sale' });
    expect(userRoom('x')).toBe('user:x');
  });

  it('delivers room broadcasts whole and in order to websocket and long-polling clients alike (one pre-built frame per websocket)', async () => {
    const eventId = crypto.randomUUID();
    const ws = await client(nodes[1]!);
    const polling = await client(nodes[1]!, undefined, 'polling');
    for (const socket of [ws, polling])
      expect(await socket.emitWithAck('subscribe', { eventId })).toEqual({ ok: true });
    // Multi-byte text and a payload past 125 bytes: the frame header must count bytes, in its longer form.
    const pushes = [
      { eventId, remaining: 3, status: 'presque épuisé ✓' },
      { eventId, remaining: 2, status: 'x'.repeat(200) },
      { eventId, remaining: 1, status: 'on_sale' },
    ];
    const collect = (socket: Client) =>
      new Promise<unknown[]>((resolve) => {
        const got: unknown[] = [];
        socket.on('availability', (push) => got.push(push) === pushes.length && resolve(got));
      });
    const received = Promise.all([collect(ws), collect(polling)]);
    await new Promise((r) => setTimeout(r, 100));
    for (const push of pushes) env.infra.broadcaster.toEvent(eventId, 'availability', push);
    expect(await received).toEqual([pushes, pushes]);
  });

  it("keeps a socket's own messages and room broadcasts in the order the server sent them (a broadcast's frame may skip engine.io)", async () => {
    const eventId = crypto.randomUUID();
    const node = nodes[2]!;
    const ws = await client(node);
    expect(await ws.emitWithAck('subscribe', { eventId })).toEqual({ ok: true });
    const mine = node.gateway.io.sockets.sockets.get(ws.id!)!;
    const push = (remaining: number) => ({ eventId, remaining, status: 'on_sale' });
    const got = new Promise<number[]>((resolve) => {
      const seen: number[] = [];
      ws.on('availability', (p) => seen.push(p.remaining) === 6 && resolve(seen));
    });
    // Interleaved in one tick: the socket's own emits go through engine.io, which is busy after the first.
    mine.emit('availability', push(1));
    node.gateway.io.to(eventRoom(eventId)).emit('availability', push(2));
    mine.emit('availability', push(3));
    node.gateway.io.to(eventRoom(eventId)).emit('availability', push(4));
    await new Promise((r) => setTimeout(r, 20));
    // Idle again: the broadcast is written first-hand, the emit after it.
    node.gateway.io.to(eventRoom(eventId)).emit('availability', push(5));
    mine.emit('availability', push(6));
    expect(await got).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('validates client payloads and refuses a bad session at the handshake', async () => {
    const socket = await client(nodes[0]!);
    expect(await socket.emitWithAck('subscribe', { eventId: 'nope' })).toMatchObject({
      ok: false,
      code: 'request.invalid',
    });
    await expect(client(nodes[0]!, 'fds_not-a-real-session')).rejects.toMatchObject({
      data: { code: 'auth.session_invalid' },
    });
  });
});
