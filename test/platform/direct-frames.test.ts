import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server, type Socket as ServerSocket } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { withDirectFrames } from '../../src/platform/direct-frames.js';
import { dropRedisPrefix, TEST_REDIS } from '../support/env.js';
import { internal } from './internals.js';

/**
 * Canary for src/platform/direct-frames.ts: the private pieces of socket.io-adapter, socket.io,
 * engine.io and ws it reads or replaces still exist and behave as it expects, and a room
 * broadcast to an idle websocket still takes the direct path. An upgrade that changes any of them
 * fails here by name, instead of silently slowing broadcasts or breaking their order.
 */

const FILE = 'direct-frames.ts';

type AdapterFactory = (nsp: unknown) => object;

interface Running {
  io: Server;
  http: HttpServer;
  client: ClientSocket;
  server: ServerSocket;
}

const open: { io: Server; http: HttpServer; client: ClientSocket; redis: Redis[]; prefix: string }[] = [];

afterEach(async () => {
  for (const r of open.splice(0)) {
    r.client.disconnect();
    await r.io.close();
    r.http.close();
    for (const c of r.redis) c.disconnect();
    await dropRedisPrefix(r.prefix);
  }
});

const adapters: [string, (pub: Redis, sub: Redis, prefix: string) => AdapterFactory][] = [
  ['@socket.io/redis-adapter createAdapter', (pub, sub, prefix) => createAdapter(pub, sub, { key: prefix }) as never],
  [
    '@socket.io/redis-adapter createShardedAdapter',
    (pub, sub, prefix) => createShardedAdapter(pub, sub, { channelPrefix: prefix }) as never,
  ],
];

/** A socket.io server on the given adapter (as src/realtime/gateway.ts builds it) with one websocket client. */
async function start(adapter: AdapterFactory, prefix: string, redis: Redis[]): Promise<Running> {
  const http = createServer();
  const io = new Server(http, { adapter: adapter as never, perMessageDeflate: false });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const client = connect(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, {
    transports: ['websocket'],
    reconnection: false,
  });
  open.push({ io, http, client, redis, prefix });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', resolve);
    client.once('connect_error', reject);
  });
  const server = io.sockets.sockets.get(client.id!)!;
  // Let the adapter's Redis subscriptions settle, and the connection's handshake writes drain.
  await new Promise((r) => setTimeout(r, 100));
  return { io, http, client, server };
}

function redisPair(): Redis[] {
  return [new Redis(TEST_REDIS), new Redis(TEST_REDIS)];
}

const received = (client: ClientSocket, event: string) =>
  new Promise<unknown>((resolve) => client.once(event, (payload: unknown) => resolve(payload)));

describe.each(adapters)('platform canary: direct frames on %s', (_name, make) => {
  it('socket.io-adapter: broadcast() calls _encode, then apply at once, and _encode leaves a two-part wsPreEncodedFrame', async () => {
    const prefix = `fdt:canary:${crypto.randomUUID()}:`;
    const [pub, sub] = redisPair();
    const { io, client } = await start(make(pub!, sub!, prefix), prefix, [pub!, sub!]);
    const adapter = io.of('/').adapter as unknown as Record<string, unknown>;
    expect(typeof adapter._encode, internal('socket.io-adapter', 'Adapter#_encode is gone', FILE)).toBe('function');
    expect(typeof adapter.apply, internal('socket.io-adapter', 'Adapter#apply is gone', FILE)).toBe('function');

    const calls: string[] = [];
    let frame: unknown;
    const encode = (adapter._encode as (p: unknown, o: { wsPreEncodedFrame?: unknown }) => unknown).bind(adapter);
    const apply = (adapter.apply as (opts: unknown, cb: unknown) => void).bind(adapter);
    adapter._encode = (packet: unknown, options: { wsPreEncodedFrame?: unknown }) => {
      const encoded = encode(packet, options);
      calls.push('_encode');
      // Marks the end of the synchronous run: apply must come before it (the frame is dropped then).
      queueMicrotask(() => calls.push('microtask'));
      frame = options.wsPreEncodedFrame;
      return encoded;
    };
    adapter.apply = (opts: unknown, callback: unknown) => {
      calls.push('apply');
      return apply(opts, callback);
    };
    // The Redis adapters publish first and deliver locally after, through Adapter#broadcast.
    const got = received(client, 'ping');
    io.emit('ping', 1);
    expect(await got).toBe(1);

    expect(
      calls,
      internal('socket.io-adapter', 'Adapter#broadcast no longer calls _encode, then apply in the same run', FILE),
    ).toEqual(['_encode', 'apply', 'microtask']);
    expect(
      Array.isArray(frame) && frame.length === 2 && frame.every((b) => Buffer.isBuffer(b)),
      internal(
        'socket.io-adapter',
        '_encode no longer sets options.wsPreEncodedFrame to [header, payload] Buffers',
        FILE,
      ),
    ).toBe(true);
  });

  it('engine.io, ws and socket.io: an idle websocket connection shows every field the idle check reads', async () => {
    const prefix = `fdt:canary:${crypto.randomUUID()}:`;
    const [pub, sub] = redisPair();
    const { server } = await start(make(pub!, sub!, prefix), prefix, [pub!, sub!]);
    const conn = (server as unknown as { client: { conn: Record<string, unknown> } }).client.conn;
    const transport = conn.transport as Record<string, unknown>;
    const ws = transport.socket as { readyState?: unknown; _sender?: { sendFrame?: unknown } } | undefined;

    expect(conn.readyState, internal('engine.io', "Socket#readyState is not 'open' on a live connection", FILE)).toBe(
      'open',
    );
    expect(
      Array.isArray(conn.writeBuffer) && (conn.writeBuffer as unknown[]).length,
      internal('engine.io', 'Socket#writeBuffer is not an empty array on an idle connection', FILE),
    ).toBe(0);
    expect(transport.name, internal('engine.io', "the websocket transport's name is not 'websocket'", FILE)).toBe(
      'websocket',
    );
    expect(transport.writable, internal('engine.io', 'WebSocket transport#writable is not true when idle', FILE)).toBe(
      true,
    );
    expect(
      transport.perMessageDeflate,
      internal('engine.io', 'WebSocket transport#perMessageDeflate is set with perMessageDeflate: false', FILE),
    ).toBeFalsy();
    expect(ws?.readyState, internal('engine.io', 'WebSocket transport#socket is not the open ws WebSocket', FILE)).toBe(
      1,
    );
    expect(typeof ws?._sender?.sendFrame, internal('ws', 'WebSocket#_sender.sendFrame is gone', FILE)).toBe('function');
    expect(
      typeof (server as unknown as { notifyOutgoingListeners?: unknown }).notifyOutgoingListeners,
      internal('socket.io', 'Socket#notifyOutgoingListeners is gone', FILE),
    ).toBe('function');
  });

  it('a room broadcast reaches an idle websocket through its ws sender, without an engine.io packet, intact', async () => {
    const prefix = `fdt:canary:${crypto.randomUUID()}:`;
    const [pub, sub] = redisPair();
    const { io, client, server } = await start(withDirectFrames(make(pub!, sub!, prefix)), prefix, [pub!, sub!]);
    server.join('room');
    const conn = (server as unknown as { client: { conn: NodeJS.EventEmitter & { transport: { socket: unknown } } } })
      .client.conn;
    const sender = (conn.transport.socket as { _sender: { sendFrame(frame: Buffer[], cb?: unknown): void } })._sender;
    const frames: Buffer[][] = [];
    const sendFrame = sender.sendFrame.bind(sender);
    sender.sendFrame = (frame, cb) => {
      frames.push(frame);
      return sendFrame(frame, cb);
    };
    let packets = 0;
    conn.on('packetCreate', () => packets++);

    const payload = { text: 'é ☃ '.repeat(40), n: 1 };
    const got = received(client, 'push');
    io.to('room').emit('push', payload);
    expect(await got).toEqual(payload);

    expect(
      packets,
      internal('engine.io', 'a direct broadcast still made an engine.io packet (the idle check refused it)', FILE),
    ).toBe(0);
    expect(
      frames.map((f) => f.length),
      internal('ws', 'the broadcast was not handed to WebSocket#_sender.sendFrame as one joined frame', FILE),
    ).toEqual([1]);
  });
});
