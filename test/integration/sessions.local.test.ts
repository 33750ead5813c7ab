import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeys } from '../../queue/keys.js';
import { sessions } from '../../src/auth/auth.table.js';
import type { Infra } from '../../src/infra/types.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { hashSecret } from '../../src/shared/tokens.js';
import { ApiClient } from '../support/api.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn } from '../support/fixtures.js';

/**
 * Sessions kept in each API node's memory (src/auth/local-sessions.ts): two nodes share the
 * database and Redis. A node answers a session it has seen without asking Redis or Postgres,
 * and forgets it as soon as any node ends it or changes its account.
 */

let env: TestEnv;
let nodeB: RunningServer;
let apiB: ApiClient;

beforeAll(async () => {
  env = await createTestEnv();
  const infra: Infra = { ...env.infra, config: { ...env.infra.config, NODE_ID: 'node-b' } };
  nodeB = await startServer(infra);
  apiB = new ApiClient(`http://127.0.0.1:${nodeB.port}`);
});
afterAll(async () => {
  await nodeB?.close();
  await env?.close();
});

const keys = () => createKeys(env.infra.config.REDIS_PREFIX);
const me = (api: ApiClient, token: string) => api.get('/v1/me', { token }).then((r) => r.status);

/** Removes a session from Redis and Postgres behind the API's back (no announcement), as a lost message would leave it. */
async function eraseQuietly(token: string): Promise<void> {
  const tokenHash = hashSecret(token);
  await env.infra.redis.del(keys().session(tokenHash));
  await env.infra.database.db.delete(sessions).where(eq(sessions.tokenHash, tokenHash));
}

describe('sessions in node memory', () => {
  it('a node answers a session it has seen without Redis or Postgres', async () => {
    const fan = await signedIn(env);
    expect(await me(apiB, fan.token)).toBe(200);
    await eraseQuietly(fan.token);
    // Only the copy in B's memory can say who this is now (/v1/me reads the account, not the session).
    expect(await me(apiB, fan.token)).toBe(200);
    // A opened the session but never read it back, so it holds no copy.
    expect(await me(env.api, fan.token)).toBe(401);
  });

  it('a logout on node A ends the copy on node B at once', async () => {
    const fan = await signedIn(env);
    expect(await me(apiB, fan.token)).toBe(200);
    expect(await me(apiB, fan.token)).toBe(200);
    expect((await env.api.post('/v1/auth/logout', undefined, { token: fan.token })).status).toBe(204);
    expect(await me(apiB, fan.token)).toBe(401);
  });

  it('a role change anywhere is seen by every node at once', async () => {
    const fan = await signedIn(env);
    expect((await apiB.get('/v1/organizer/events', { token: fan.token })).status).toBe(403);
    await signedInAs(fan.userId);
    expect((await apiB.get('/v1/organizer/events', { token: fan.token })).status).toBe(200);
  });

  it('a node whose subscription drops forgets its copies', async () => {
    const fan = await signedIn(env);
    expect(await me(apiB, fan.token)).toBe(200);
    const clients = (await env.infra.redis.call('CLIENT', 'LIST')) as string;
    const ids = clients
      .split('\n')
      .filter((line) => line.includes('name=fairdrop-sessions-sub'))
      .map((line) => /id=(\d+)/.exec(line)![1]!);
    expect(ids.length).toBeGreaterThanOrEqual(2);
    for (const id of ids) await env.infra.redis.call('CLIENT', 'KILL', 'ID', id);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await eraseQuietly(fan.token);
    expect(await me(apiB, fan.token)).toBe(401);
  });
});

/** Makes the account an organizer as an admin would (through the service, which announces the change). */
async function signedInAs(userId: string): Promise<void> {
  await env.server.app.services.auth.setRoles(userId, ['fan', 'organizer']);
}
