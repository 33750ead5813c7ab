import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';
import { queueSocket, type QueueClient } from '../support/waitingroom.js';

/**
 * A node stopping (SIGTERM, or a test closing one of several nodes) must not wait for its
 * sockets' clients to leave: they are told to reconnect elsewhere. Sockets of the `/queue`
 * namespace kept `http.close()` open for ever — upgraded connections are not HTTP connections
 * `closeAllConnections()` can end — which is what hung the three-node test in a full run.
 */
let env: TestEnv;
let node: RunningServer | undefined;
const sockets: QueueClient[] = [];

beforeAll(async () => {
  env = await createTestEnv({ SHUTDOWN_TIMEOUT_MS: '60000' });
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await node?.close();
  await env?.close();
});

describe('closing a node', () => {
  it('ends connected /queue sockets instead of waiting for their clients to leave', async () => {
    node = await startServer(env.infra);
    const fan = await signedIn(env);
    const onQueue = await queueSocket(node.port, fan.token, sockets);
    const disconnected = new Promise<string>((resolve) => onQueue.once('disconnect', resolve));

    // The shutdown timeout is a minute: a close that only ends by that force would not finish within the deadline below.
    const closed = node.close().then(() => 'closed' as const);
    const outcome = await Promise.race([
      closed,
      new Promise<'still open'>((r) => setTimeout(() => r('still open'), 15_000)),
    ]);
    expect(outcome, 'server.close() is still waiting for a connected /queue socket').toBe('closed');
    expect(await disconnected).toBe('io server disconnect');
  });
});
