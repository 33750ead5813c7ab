import { io as connect, type Socket } from 'socket.io-client';
import type { QueueClientToServer, QueueServerToClient } from '../../src/realtime/events.js';
import type { TestEnv } from './env.js';
import { createSale, type SaleOptions, type SaleSetup } from './sales.js';

export type QueueClient = Socket<QueueServerToClient, QueueClientToServer>;

/** A queue-mode sale whose pre-queue is open now and whose sale starts `startsInMs` from now. */
export async function queueSale(
  env: TestEnv,
  organizerId: string,
  options: SaleOptions & { startsInMs?: number; admitPerMinute?: number } = {},
): Promise<SaleSetup> {
  const now = Date.now();
  return createSale(env, organizerId, {
    ...options,
    onsale: {
      mode: 'queue',
      prequeueOpensAt: new Date(now - 60_000),
      saleStartsAt: new Date(now + (options.startsInMs ?? 60 * 60_000)),
      admitPerMinute: options.admitPerMinute ?? 600,
      ...options.onsale,
    },
  });
}

export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A `/queue` socket on a node, connected (or rejecting with the handshake's error). */
export function queueSocket(port: number, token: string, sockets: QueueClient[]): Promise<QueueClient> {
  const socket: QueueClient = connect(`http://127.0.0.1:${port}/queue`, {
    transports: ['websocket'],
    auth: { token },
    reconnection: false,
    forceNew: true,
  });
  sockets.push(socket);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}
