import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue, Worker } from 'bullmq';
import type { Cluster } from 'ioredis';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeys } from '../../queue/keys.js';
import { WaitingRoom } from '../../queue/waiting-room.js';
import { loadConfig, type Config } from '../../src/config.js';
import { RateLimiter } from '../../src/http/rate-limit.js';
import { connectRedis, type AppRedis } from '../../src/infra/redis.js';
import { bullConnection, bullPrefix } from '../../src/jobs/connection.js';
import { createLogger } from '../../src/logger.js';
import { createBroadcaster, type Broadcaster } from '../../src/realtime/broadcaster.js';
import type { ClientToServerEvents, ServerToClientEvents } from '../../src/realtime/events.js';
import { eventRoom, userRoom } from '../../src/realtime/events.js';
import { attachGateway, socketChannel, type Gateway } from '../../src/realtime/gateway.js';
import { startRedisCluster, type LocalRedisCluster } from '../support/redis-cluster.js';

/**
 * Everything that talks to Redis, against a real 3-master Redis Cluster started from the
 * `redis-server` binary: the waiting room (every script, for events on different shards), the
 * rate limiter, BullMQ, and socket.io through the sharded adapter. A script whose KEYS spanned
 * two slots would fail here with CROSSSLOT.
 */

let cluster: LocalRedisCluster;
let config: Config;
let redis: AppRedis;

beforeAll(async () => {
  cluster = await startRedisCluster(3);
  config = loadConfig({
    NODE_ENV: 'test',
    REDIS_CLUSTER_NODES: cluster.nodes.join(','),
    REDIS_PREFIX: `fdc:${randomBytes(4).toString('hex')}:`,
    LOG_LEVEL: 'silent',
  });
  redis = connectRedis({ kind: 'cluster', nodes: cluster.nodes });
}, 30_000);

afterAll(async () => {
  await redis?.quit().catch(() => undefined);
  await cluster?.stop();
});

const asCluster = () => redis as Cluster;
const keyslot = async (key: string) => Number(await asCluster().call('CLUSTER', 'KEYSLOT', key));

/** slot → `host:port` of the master that owns it, from CLUSTER SLOTS. */
async function slotOwners(): Promise<(slot: number) => string> {
  const ranges = (await asCluster().call('CLUSTER', 'SLOTS')) as [
    number,
    number,
    [string, number, ...unknown[]],
    ...unknown[],
  ][];
  return (slot) => {
    const range = ranges.find(([from, to]) => slot >= from && slot <= to);
    if (!range) throw new Error(`slot ${slot} is not served`);
    return `${range[2][0]}:${range[2][1]}`;
  };
}

/** Every key matching `pattern` on every master (SCAN is per node in a cluster). */
async function scanAll(pattern: string): Promise<string[]> {
  const found: string[] = [];
  for (const node of asCluster().nodes('master')) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0');
  }
  return found;
}

describe('Redis Cluster', () => {
  it('starts with three masters and every slot served', async () => {
    expect(asCluster().nodes('master')).toHaveLength(3);
    expect(String(await asCluster().call('CLUSTER', 'INFO'))).toContain('cluster_slots_assigned:16384');
  });

  it('runs the waiting room for events on different shards, all keys of each event in one slot', async () => {
    const keys = createKeys(config.REDIS_PREFIX);
    const room = new WaitingRoom(redis, keys, { tokenSecret: randomBytes(32) });
    const owner = await slotOwners();
    // Pick event ids until each master owns one, so the test proves the spread rather than assuming it.
    const byShard = new Map<string, string>();
    while (byShard.size < 3) {
      const id = randomUUID();
      const shard = owner(await keyslot(keys.queue(id).meta));
      if (!byShard.has(shard)) byShard.set(shard, id);
    }
    const events = [...byShard.values()];
    expect(
      new Set(await Promise.all(events.map(async (id) => owner(await keyslot(keys.queue(id).meta))))),
    ).toHaveProperty('size', 3);

    for (const eventId of events) {
      const slots = await Promise.all(Object.values(keys.queue(eventId)).map(keyslot));
      expect(new Set(slots), `keys of ${eventId}`).toEqual(new Set([await keyslot(`{ev:${eventId}}`)]));
    }

    await Promise.all(
      events.map(async (eventId) => {
        expect((await room.open(eventId, { tokenTtlMs: 60_000 })).created).toBe(true);
        const fans = Array.from({ length: 20 }, (_, i) => `fan-${i}`);
        const joined = await Promise.all(fans.map((a) => room.join(eventId, a)));
        expect(new Set(joined.map((j) => j.entryId)).size).toBe(20);
        expect((await room.join(eventId, 'fan-0')).created).toBe(false);

        const draw = await room.draw(eventId);
        expect(draw).toMatchObject({ size: 20, outcome: 'started' });
        expect((await room.reveal(eventId)).orderDigest).toBe(draw.orderDigest);
        expect(await room.drawnEntries(eventId, 1, 20)).toHaveLength(20);

        const late = await room.join(eventId, 'late-fan');
        expect(late.ticketNumber).toBe(21);

        const { status, admitted } = await room.admit(eventId, 5, { maxOutstanding: 10 });
        expect(status).toBe('admitting');
        expect(admitted.map((a) => a.ticketNumber)).toEqual([1, 2, 3, 4, 5]);

        const [first, second] = admitted;
        await expect(room.claim(eventId, first!.token, first!.accountId)).resolves.toMatchObject({
          entryId: first!.entryId,
        });
        await expect(room.claim(eventId, first!.token, first!.accountId)).rejects.toMatchObject({
          code: 'queue.token_used',
        });
        await expect(room.claim(eventId, second!.token, first!.accountId)).rejects.toMatchObject({
          code: 'queue.token_wrong_account',
        });
        await expect(room.release(eventId, first!.token, first!.accountId)).resolves.toMatchObject({
          entryId: first!.entryId,
        });
        expect(await room.fanState(eventId, second!.accountId)).toMatchObject({
          status: 'admitted',
          token: second!.token,
        });

        expect((await room.pause(eventId)).phase).toBeDefined();
        await room.resume(eventId);
        expect((await room.setSoldOut(eventId, true)).soldOut).toBe(true);
        expect(await room.stats(eventId)).toMatchObject({ entrants: 21, drawSize: 20, late: 1, cursor: 5 });
        await room.destroy(eventId);
        expect(await redis.exists(keys.queue(eventId).meta)).toBe(0);
      }),
    );
  });

  it('counts rate limits per subject on the shard of its hash tag', async () => {
    const limiter = new RateLimiter(redis, createKeys(config.REDIS_PREFIX));
    const rule = (subject: string) => [{ bucket: 'cluster-test', subject, limit: 3, windowSeconds: 60 }];
    for (const subject of ['203.0.113.7', 'acct-1', 'acct-2']) {
      for (let i = 0; i < 3; i++) await limiter.hit(rule(subject));
      await expect(limiter.hit(rule(subject))).rejects.toMatchObject({ status: 429 });
    }
  });

  it('runs a BullMQ job round trip with every queue key in one slot', async () => {
    const prefix = bullPrefix(config);
    const queueConnection = bullConnection(config);
    const workerConnection = bullConnection(config);
    const queue = new Queue<{ n: number }, number>('cluster-check', { connection: queueConnection, prefix });
    const worker = new Worker<{ n: number }, number>('cluster-check', async (job) => job.data.n * 2, {
      connection: workerConnection,
      prefix,
    });
    try {
      const done = new Promise<number>((resolve, reject) => {
        worker.on('completed', (_job, result) => resolve(result));
        worker.on('failed', (_job, err) => reject(err));
      });
      await queue.add('double', { n: 21 });
      expect(await done).toBe(42);
      const bullKeys = await scanAll(`${prefix}*`);
      expect(bullKeys.length).toBeGreaterThan(0);
      expect(new Set(await Promise.all(bullKeys.map(keyslot))).size).toBe(1);
    } finally {
      await worker.close();
      await queue.close();
      await Promise.all([queueConnection.quit(), workerConnection.quit()]);
    }
  });

  describe('socket.io with the sharded adapter', () => {
    type Client = Socket<ServerToClientEvents, ClientToServerEvents>;
    const servers: HttpServer[] = [];
    const gateways: Gateway[] = [];
    const clients: Client[] = [];
    let broadcaster: Broadcaster;

    beforeAll(async () => {
      for (let i = 0; i < 2; i++) {
        const http = createServer();
        gateways.push(
          attachGateway(http, {
            config,
            logger: createLogger(config),
            // The token is the user id (and names the session): authentication is not what this test is about.
            authenticate: async (token) => ({
              principal: {
                userId: token,
                sessionId: `s-${token}`,
                email: `${token}@example.test`,
                displayName: token,
                roles: [],
                emailVerified: true,
              },
              expiresAt: new Date(Date.now() + 3_600_000),
            }),
          }),
        );
        await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
        servers.push(http);
      }
      broadcaster = createBroadcaster(redis, config, createLogger(config));
    });

    afterAll(async () => {
      for (const c of clients) c.disconnect();
      await broadcaster?.close();
      await Promise.all(gateways.map((g) => g.close()));
      await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    });

    function client(node: number, token?: string): Promise<Client> {
      const port = (servers[node]!.address() as AddressInfo).port;
      const socket: Client = connect(`http://127.0.0.1:${port}`, {
        transports: ['websocket'],
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

    /** Waits until `count` adapters subscribe to a room's sharded channel (SSUBSCRIBE is asynchronous). */
    async function subscribed(room: string, count: number): Promise<void> {
      const channel = `${socketChannel(config)}#/#${room}#`;
      for (let waited = 0; waited < 5_000; waited += 20) {
        let total = 0;
        for (const node of asCluster().nodes('master')) {
          const [, n] = (await node.call('PUBSUB', 'SHARDNUMSUB', channel)) as [string, number];
          total += Number(n);
        }
        if (total >= count) return;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`${room}: fewer than ${count} sharded subscribers`);
    }

    it('carries a broadcast from one gateway to a socket on the other', async () => {
      const eventId = randomUUID();
      const follower = await client(0);
      expect(await follower.emitWithAck('subscribe', { eventId })).toEqual({ ok: true });
      await subscribed(eventRoom(eventId), 1);
      const push = { eventId, remaining: 7, status: 'on_sale' };
      const received = next(follower, 'availability');
      gateways[1]!.io.to(eventRoom(eventId)).emit('availability', push);
      expect(await received).toEqual(push);
    });

    it("delivers a worker's broadcast (no HTTP server) to a fan's sockets on both gateways", async () => {
      const userId = `u-${randomBytes(4).toString('hex')}`;
      const [onA, onB] = await Promise.all([client(0, userId), client(1, userId)]);
      const stranger = await client(1, 'someone-else');
      let strangerGot = false;
      stranger.on('notification', () => (strangerGot = true));
      await subscribed(userRoom(userId), 2);
      const push = {
        id: 1,
        kind: 'test',
        title: 'Hello',
        body: 'across shards',
        createdAt: new Date().toISOString(),
        data: {},
      };
      const received = Promise.all([next(onA, 'notification'), next(onB, 'notification')]);
      broadcaster.toUser(userId, 'notification', push);
      expect(await received).toEqual([push, push]);
      await new Promise((r) => setTimeout(r, 100));
      expect(strangerGot).toBe(false);
    });

    it("disconnects a session's and an account's sockets on both gateways from a worker's broadcaster", async () => {
      const userId = `u-${randomBytes(4).toString('hex')}`;
      const [onA, onB] = await Promise.all([client(0, userId), client(1, userId)]);
      const stranger = await client(1, 'someone-else');
      const gone = (socket: Client) => new Promise<string>((resolve) => socket.once('disconnect', resolve));
      const ended = Promise.all([gone(onA), gone(onB)]);
      broadcaster.disconnectSession(`s-${userId}`);
      expect(await ended).toEqual(['io server disconnect', 'io server disconnect']);

      const [againA, againB] = await Promise.all([client(0, userId), client(1, userId)]);
      const changed = Promise.all([gone(againA), gone(againB)]);
      broadcaster.disconnectUser(userId);
      await changed;
      await new Promise((r) => setTimeout(r, 100));
      expect(stranger.connected).toBe(true);
    });
  });
});
