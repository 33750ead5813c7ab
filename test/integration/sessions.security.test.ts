import { eq } from 'drizzle-orm';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeys } from '../../queue/keys.js';
import { sessions, users } from '../../src/auth/auth.table.js';
import type { Infra } from '../../src/infra/types.js';
import {
  userRoom,
  type ClientToServerEvents,
  type NotificationPush,
  type QueueAdmittedPush,
  type QueueServerToClient,
  type ServerToClientEvents,
} from '../../src/realtime/events.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { hashSecret } from '../../src/shared/tokens.js';
import { ApiClient } from '../support/api.js';
import { createTestEnv, type TestEnv } from '../support/env.js';
import { signedIn, uniqueEmail } from '../support/fixtures.js';
import { queueSocket, waitUntil, type QueueClient } from '../support/waitingroom.js';

/**
 * Issue #16, rows 6 and 9, as the review reproduced them over HTTP and socket.io:
 * - a session's sockets outlived it: after logout (HTTP 401) the `/queue` socket still answered
 *   `watch` with the purchase token and the default namespace still pushed `transfer.received`;
 * - anyone could lock an account out: wrong passwords for someone else's email, and the owner's
 *   correct login got 429 for the window.
 *
 * Two API nodes share the database and Redis; every account has sockets on both, in both
 * namespaces. The app trusts X-Forwarded-For from loopback here, so each request can come from
 * the client address the test names.
 */

type RootClient = Socket<ServerToClientEvents, ClientToServerEvents>;
type AnyClient = RootClient | QueueClient;

const PASSWORD = 'correct horse battery';
const BACKOFF_MAX_MS = 800;

let env: TestEnv;
let nodeB: RunningServer;
let apiB: ApiClient;
const sockets: AnyClient[] = [];

beforeAll(async () => {
  env = await createTestEnv({
    TRUST_PROXY: 'loopback',
    AUTH_LIMIT_PER_IP: '100000',
    LOGIN_BACKOFF_MAX_MS: String(BACKOFF_MAX_MS),
  });
  const infra: Infra = { ...env.infra, config: { ...env.infra.config, NODE_ID: 'node-b' } };
  nodeB = await startServer(infra);
  apiB = new ApiClient(`http://127.0.0.1:${nodeB.port}`);
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await nodeB?.close();
  await env?.close();
});

const nodeA = () => env.server;
const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });
const keys = () => createKeys(env.infra.config.REDIS_PREFIX);

function rootSocket(node: RunningServer, token: string): Promise<RootClient> {
  const socket: RootClient = connect(`http://127.0.0.1:${node.port}`, {
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

/** A socket of each namespace on each node, all with one token. */
async function socketsEverywhere(token: string): Promise<AnyClient[]> {
  return Promise.all([
    rootSocket(nodeA(), token),
    rootSocket(nodeB, token),
    queueSocket(nodeA().port, token, sockets),
    queueSocket(nodeB.port, token, sockets),
  ]);
}

/** The code of the handshake's refusal, or 'connected'. */
async function handshake(node: RunningServer, namespace: '/' | '/queue', token: string): Promise<string> {
  const connecting = namespace === '/' ? rootSocket(node, token) : queueSocket(node.port, token, sockets);
  return connecting.then(
    () => 'connected',
    (err: Error & { data?: { code?: string } }) => err.data?.code ?? err.message,
  );
}

const allDisconnected = (list: AnyClient[], what: string) =>
  waitUntil(() => list.every((s) => !s.connected), 5_000, what);

/** Another session of the same account, opened by signing in on node B. */
async function secondSession(email: string): Promise<{ token: string; sessionId: string }> {
  const res = await apiB.post('/v1/auth/login', { email, password: PASSWORD }, from('198.51.100.20'));
  expect(res.status).toBe(200);
  const [row] = await env.infra.database.db
    .select({ id: sessions.id })
    .from(sessions)
    .where(eq(sessions.tokenHash, hashSecret(res.body.token)));
  return { token: res.body.token, sessionId: row!.id };
}

async function account() {
  const email = uniqueEmail();
  const { token, userId } = await env.api.register(email, PASSWORD);
  const [row] = await env.infra.database.db
    .select({ id: sessions.id })
    .from(sessions)
    .where(eq(sessions.tokenHash, hashSecret(token)));
  return { email, token, userId, sessionId: row!.id };
}

const sessionIds = async (userId: string) =>
  (await env.infra.database.db.select({ id: sessions.id }).from(sessions).where(eq(sessions.userId, userId)))
    .map((r) => r.id)
    .sort();

/** Pushes what the review saw reach a dead socket: a transfer notice and a purchase token, through the broadcaster workers use. */
function pushSecrets(userId: string): { notice: NotificationPush; admitted: QueueAdmittedPush } {
  const notice = {
    id: 1,
    kind: 'transfer.received',
    title: 'A ticket for you',
    body: 'Accept it',
    createdAt: new Date().toISOString(),
    data: { token: 'fdt_secret' },
  };
  const admitted = {
    eventId: crypto.randomUUID(),
    entryId: crypto.randomUUID(),
    ticketNumber: 1,
    token: 'purchase-token-secret',
    expiresAt: Date.now() + 60_000,
    emittedAt: Date.now(),
  };
  env.infra.broadcaster.toUser(userId, 'notification', notice);
  env.infra.broadcaster.namespace<QueueServerToClient>('/queue').to(userRoom(userId)).emit('admitted', admitted);
  return { notice, admitted };
}

/** Records every notification and admission a socket receives. */
function recorder(list: AnyClient[]): unknown[] {
  const got: unknown[] = [];
  for (const s of list) {
    (s as RootClient).on('notification', (p) => got.push(p));
    (s as QueueClient).on('admitted', (p) => got.push(p));
  }
  return got;
}

describe("a session's sockets end with the session, on every node", () => {
  it('logout on node A disconnects that session in both namespaces on A and B; the other session stays', async () => {
    const fan = await account();
    const other = await secondSession(fan.email);
    const dead = await socketsEverywhere(fan.token);
    const alive = await socketsEverywhere(other.token);
    const deadGot = recorder(dead);
    const aliveGot = recorder(alive);

    expect((await env.api.post('/v1/auth/logout', undefined, { token: fan.token })).status).toBe(204);
    await allDisconnected(dead, 'the logged-out session to lose its sockets');

    // Pushes after the logout reach the other session only.
    const { notice, admitted } = pushSecrets(fan.userId);
    await waitUntil(() => aliveGot.length === 4, 5_000, 'the live session to get both pushes on both nodes');
    await new Promise((r) => setTimeout(r, 200));
    expect(aliveGot).toEqual(expect.arrayContaining([notice, admitted]));
    expect(deadGot).toEqual([]);
    expect(alive.every((s) => s.connected)).toBe(true);

    // The old token no longer opens a socket, on either node or namespace.
    for (const node of [nodeA(), nodeB])
      for (const nsp of ['/', '/queue'] as const)
        expect(await handshake(node, nsp, fan.token)).toBe('auth.session_invalid');
    expect(await sessionIds(fan.userId)).toEqual([other.sessionId]);
  });

  it('revoking one session from another device ends its requests and sockets; a stranger cannot revoke it', async () => {
    const fan = await account();
    const laptop = await secondSession(fan.email);
    const phoneSockets = await socketsEverywhere(fan.token);
    const laptopSockets = await socketsEverywhere(laptop.token);

    const listed = await env.api.get('/v1/me/sessions', { token: laptop.token });
    expect(listed.status).toBe(200);
    expect(listed.body.sessions).toHaveLength(2);
    const mine = listed.body.sessions.find((s: { id: string }) => s.id === laptop.sessionId);
    expect(mine).toMatchObject({ current: true, ip: '198.51.100.20' });
    expect(listed.body.sessions.find((s: { id: string }) => s.id === fan.sessionId).current).toBe(false);
    expect(JSON.stringify(listed.body)).not.toContain(fan.token);
    expect(JSON.stringify(listed.body)).not.toContain(hashSecret(fan.token));

    const stranger = await signedIn(env);
    const refused = await env.api.delete(`/v1/me/sessions/${fan.sessionId}`, { token: stranger.token });
    expect(refused.status).toBe(404);
    expect(refused.body.code).toBe('auth.session_not_found');
    expect(await sessionIds(fan.userId)).toEqual([fan.sessionId, laptop.sessionId].sort());
    expect(phoneSockets.every((s) => s.connected)).toBe(true);

    expect((await apiB.delete(`/v1/me/sessions/${fan.sessionId}`, { token: laptop.token })).status).toBe(204);
    await allDisconnected(phoneSockets, 'the revoked session to lose its sockets');
    const deadGot = recorder(phoneSockets);
    pushSecrets(fan.userId);
    await new Promise((r) => setTimeout(r, 300));
    expect(deadGot).toEqual([]);
    expect(laptopSockets.every((s) => s.connected)).toBe(true);

    const after = await env.api.get('/v1/me', { token: fan.token });
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('auth.session_invalid');
    expect(await env.infra.redis.get(keys().session(hashSecret(fan.token)))).toBe('revoked');
    expect(await sessionIds(fan.userId)).toEqual([laptop.sessionId]);
    expect(await handshake(nodeB, '/queue', fan.token)).toBe('auth.session_invalid');
  });

  it('"sign out everywhere" ends every other session (keep=current), then this one too', async () => {
    const fan = await account();
    const second = await secondSession(fan.email);
    const third = await secondSession(fan.email);
    const [firstSockets, secondSockets, thirdSockets] = await Promise.all(
      [fan.token, second.token, third.token].map(socketsEverywhere),
    );

    const others = await env.api.delete('/v1/me/sessions?keep=current', { token: third.token });
    expect(others.status).toBe(200);
    expect(others.body).toEqual({ ended: 2 });
    await allDisconnected([...firstSockets!, ...secondSockets!], 'the other sessions to lose their sockets');
    expect(thirdSockets!.every((s) => s.connected)).toBe(true);
    expect(await sessionIds(fan.userId)).toEqual([third.sessionId]);
    for (const token of [fan.token, second.token])
      expect((await apiB.get('/v1/me', { token })).body.code).toBe('auth.session_invalid');

    const all = await apiB.delete('/v1/me/sessions', { token: third.token });
    expect(all.body).toEqual({ ended: 1 });
    await allDisconnected(thirdSockets!, 'the last session to lose its sockets');
    expect(await sessionIds(fan.userId)).toEqual([]);
    expect((await env.api.get('/v1/me', { token: third.token })).body.code).toBe('auth.session_invalid');
  });

  it("a role change disconnects the account's sockets everywhere; they reconnect with the new roles", async () => {
    const fan = await account();
    const before = await socketsEverywhere(fan.token);
    const bystander = await socketsEverywhere((await signedIn(env)).token);
    const admin = await signedIn(env, ['admin']);

    const changed = await env.api.put(
      `/v1/users/${fan.userId}/roles`,
      { roles: ['fan', 'organizer'] },
      { token: admin.token },
    );
    expect(changed.status).toBe(200);
    await allDisconnected(before, "the account's sockets to be disconnected");
    expect(bystander.every((s) => s.connected)).toBe(true);

    // The same token reconnects; its handshake read the account again, with its new roles.
    expect(await handshake(nodeB, '/queue', fan.token)).toBe('connected');
    expect(await handshake(nodeA(), '/', fan.token)).toBe('connected');
    const cached = JSON.parse((await env.infra.redis.get(keys().session(hashSecret(fan.token))))!) as {
      roles: string[];
    };
    expect(cached.roles).toEqual(['fan', 'organizer']);
    expect(await sessionIds(fan.userId)).toEqual([fan.sessionId]);
  });

  it('disconnects a socket when its session expires', async () => {
    const fan = await account();
    await env.infra.database.db
      .update(sessions)
      .set({ expiresAt: new Date(Date.now() + 1_500) })
      .where(eq(sessions.id, fan.sessionId));
    // As a cache entry that never outlives its session would be: re-read from Postgres.
    await env.infra.redis.del(keys().session(hashSecret(fan.token)));
    const live = await Promise.all([rootSocket(nodeB, fan.token), queueSocket(nodeA().port, fan.token, sockets)]);
    expect(live.every((s) => s.connected)).toBe(true);
    await allDisconnected(live, 'the expired session to lose its sockets');
    expect(await handshake(nodeA(), '/queue', fan.token)).toBe('auth.session_expired');
  });
});

describe('login protection cannot be turned against the owner', () => {
  const attacker = '203.0.113.66';
  const owner = '198.51.100.7';

  async function victim() {
    const email = uniqueEmail('victim');
    const { userId } = await env.api.register(email, PASSWORD);
    return { email, userId };
  }

  it("12 wrong passwords from one address refuse that address only; the owner's login elsewhere succeeds", async () => {
    const { email, userId } = await victim();
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await env.api.post('/v1/auth/login', { email, password: `guess number ${i}` }, from(attacker));
      statuses.push(res.status);
      if (res.status === 429) {
        expect(res.body.code).toBe('rate_limited');
        const retryAfter = Number(res.headers.get('retry-after'));
        expect(retryAfter).toBeGreaterThanOrEqual(1);
        expect(retryAfter).toBeLessThanOrEqual(15 * 60); // the default window
      }
    }
    expect(statuses).toEqual([...Array<number>(10).fill(401), 429, 429]);

    const mine = await apiB.post('/v1/auth/login', { email, password: PASSWORD }, from(owner));
    expect(mine.status).toBe(200);
    expect((await env.api.get('/v1/me', { token: mine.body.token })).body.id).toBe(userId);

    // The attacker's address stays refused for this account, even with the right password...
    const guessedRight = await env.api.post('/v1/auth/login', { email, password: PASSWORD }, from(attacker));
    expect(guessedRight.status).toBe(429);
    // ...and only for it: another account from the same address is judged on its password.
    const someoneElse = await victim();
    const theirs = await env.api.post(
      '/v1/auth/login',
      { email: someoneElse.email, password: PASSWORD },
      from(attacker),
    );
    expect(theirs.status).toBe(200);
    // Two sessions: registration and the owner's sign-in; none for the attacker.
    expect(await sessionIds(userId)).toHaveLength(2);
  });

  it('guesses sent all at once from one address get no more tries than one after another', async () => {
    const { email, userId } = await victim();
    const answers = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        env.api.post('/v1/auth/login', { email, password: `parallel guess ${i}` }, from('203.0.113.99')),
      ),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([...Array<number>(10).fill(401), ...Array<number>(15).fill(429)]);
    expect(await sessionIds(userId)).toHaveLength(1);
  });

  it('many addresses guessing slow every attempt on the account, but the owner still gets in', async () => {
    const { email, userId } = await victim();
    const addresses = ['203.0.113.1', '203.0.113.2', '203.0.113.3'];
    await Promise.all(
      addresses.map(async (ip) => {
        for (let i = 0; i < 10; i++) {
          const res = await env.api.post('/v1/auth/login', { email, password: `guess ${i}` }, from(ip));
          expect(res.status).toBe(401);
        }
      }),
    );

    const started = Date.now();
    const mine = await env.api.post('/v1/auth/login', { email, password: PASSWORD }, from(owner));
    expect(mine.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(BACKOFF_MAX_MS - 50);
    // A typo of the owner's is slowed and answered, never refused.
    const typo = await env.api.post('/v1/auth/login', { email, password: 'correct horse batery' }, from(owner));
    expect(typo.status).toBe(401);
    expect(await sessionIds(userId)).toHaveLength(2);
    const [row] = await env.infra.database.db.select().from(users).where(eq(users.id, userId));
    expect(row!.email).toBe(email);
  });
});
