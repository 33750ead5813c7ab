import { createShardedAdapter } from '@socket.io/redis-adapter';
import { Emitter } from '@socket.io/redis-emitter';
import type { Cluster, Redis } from 'ioredis';
import { Server } from 'socket.io';
import type { Config } from '../config.js';
import { openRedis, redisTarget, type RedisTarget } from '../infra/redis.js';
import type { RedisConnection } from '../../queue/scripts.js';
import { socketChannel } from './gateway.js';
import { eventRoom, sessionNamespaces, sessionRoom, userRoom, type ServerToClientEvents } from './events.js';

/** Where a broadcast that could not be published is reported (a pino Logger is one). */
export interface BroadcastLog {
  warn(details: object, message: string): void;
}

type Args<S, E extends keyof S> = S[E] extends (...args: infer A) => unknown ? A : never;

/** Emits one namespace's events, typed by its server-to-client event map. */
export interface NamespaceEmitter<S extends object> {
  emit<E extends keyof S & string>(event: E, ...args: Args<S, E>): void;
  to(room: string): { emit<E extends keyof S & string>(event: E, ...args: Args<S, E>): void };
}

/**
 * Sends socket.io events from any process — API node or worker — through Redis, without a
 * socket server of its own. Services depend on this, never on socket.io itself.
 */
export interface Broadcaster {
  toUser<E extends keyof ServerToClientEvents>(
    userId: string,
    event: E,
    ...args: Parameters<ServerToClientEvents[E]>
  ): void;
  toEvent<E extends keyof ServerToClientEvents>(
    eventId: string,
    event: E,
    ...args: Parameters<ServerToClientEvents[E]>
  ): void;
  /** A typed emitter for another namespace (`/queue`). */
  namespace<S extends object>(name: string): NamespaceEmitter<S>;
  /** Disconnects, on every node and in every namespace, the sockets opened with this sign-in (it ended). */
  disconnectSession(sessionId: string): void;
  /**
   * Disconnects, on every node and in every namespace, every socket of this account (its roles or
   * facts changed): a client that reconnects is authenticated again with what is true now.
   */
  disconnectUser(userId: string): void;
  /** Closes the connections the broadcaster opened itself (only in Redis Cluster mode); the shared one stays open. */
  close(): Promise<void>;
}

/** Where a broadcast goes: a namespace, optionally one room, an event and its arguments. */
type Send = (nsp: string, room: string | null, event: string, args: unknown[]) => void;
/**
 * Disconnects a room's sockets of one namespace on every node. `close`: the whole connection
 * goes, as a sign-out should (a client multiplexing namespaces on it loses them all, each of
 * which belongs to the same session), and the client sees "io server disconnect".
 */
type Disconnect = (nsp: string, room: string) => void;

interface Sender {
  send: Send;
  disconnect: Disconnect;
  close(): Promise<void>;
}

/**
 * One Redis: @socket.io/redis-emitter PUBLISHes in the format of the classic adapter the gateway
 * uses. Redis Cluster: the gateway uses the sharded adapter (SSUBSCRIBE per room, so a message
 * travels only to the shard that owns its channel instead of every node of the cluster), whose
 * wire format the emitter cannot speak — it only PUBLISHes. There the broadcaster is a socket.io
 * Server with no HTTP server and the same sharded adapter: `io.to(room).emit()` becomes the exact
 * SPUBLISH the API nodes' adapters listen to, with socket.io's own encoding rather than a copy.
 */
export function createBroadcaster(
  redis: RedisConnection,
  config: Pick<Config, 'REDIS_PREFIX'> & Partial<Pick<Config, 'REDIS_URL' | 'REDIS_CLUSTER_NODES'>>,
  logger: BroadcastLog,
): Broadcaster {
  const cluster = Boolean(config.REDIS_CLUSTER_NODES?.length);
  const { send, disconnect, close } = cluster
    ? shardedSender(
        redis as Cluster,
        redisTarget({ REDIS_URL: config.REDIS_URL, REDIS_CLUSTER_NODES: config.REDIS_CLUSTER_NODES }),
        socketChannel(config),
      )
    : emitterSender(redis as Redis, socketChannel(config), logger);
  const namespace = <S extends object>(name: string): NamespaceEmitter<S> => {
    const nsp = name.startsWith('/') ? name : `/${name}`;
    return {
      emit: (event, ...args) => send(nsp, null, event, args),
      to: (room) => ({ emit: (event, ...args) => send(nsp, room, event, args) }),
    };
  };
  return {
    toUser: (userId, event, ...args) => send('/', userRoom(userId), event, args),
    toEvent: (eventId, event, ...args) => send('/', eventRoom(eventId), event, args),
    namespace,
    disconnectSession: (sessionId) => sessionNamespaces.forEach((nsp) => disconnect(nsp, sessionRoom(sessionId))),
    disconnectUser: (userId) => sessionNamespaces.forEach((nsp) => disconnect(nsp, userRoom(userId))),
    close,
  };
}

function emitterSender(redis: Redis, key: string, logger: BroadcastLog): Sender {
  // The emitter drops PUBLISH's promise. When Redis is unreachable past the connection's retries,
  // that promise rejects, and an unhandled rejection ends the process. A broadcast is a hint that
  // clients re-read after (the page's poll is the fallback), so a lost one is logged, not fatal.
  const publisher = {
    publish: (channel: string, message: Buffer | string) =>
      redis.publish(channel, message).catch((err: unknown) => {
        logger.warn({ err, channel }, 'socket broadcast not published');
        return 0;
      }),
  };
  const root = new Emitter(publisher, { key });
  const byNamespace = new Map<string, Emitter>([['/', root]]);
  const of = (nsp: string) => {
    let emitter = byNamespace.get(nsp);
    if (!emitter) byNamespace.set(nsp, (emitter = root.of(nsp)));
    return emitter;
  };
  return {
    send: (nsp, room, event, args) => {
      const emitter = of(nsp);
      (room === null ? emitter : emitter.to(room)).emit(event, ...args);
    },
    // A request every node's classic adapter answers by disconnecting its own sockets in the room.
    disconnect: (nsp, room) => of(nsp).in(room).disconnectSockets(true),
    close: async () => {},
  };
}

function shardedSender(pub: Cluster, target: RedisTarget, channelPrefix: string): Sender {
  // The adapter subscribes to its namespace's channels even when, as here, it has no sockets;
  // ioredis routes each SSUBSCRIBE to the shard owning the channel only with shardedSubscribers.
  const sub = openRedis(target, {
    connectionName: 'fairdrop-broadcast-sub',
    maxRetriesPerRequest: null,
    shardedSubscribers: true,
  });
  const io = new Server({ adapter: createShardedAdapter(pub, sub, { channelPrefix }), serveClient: false });
  return {
    send: (nsp, room, event, args) => {
      const namespace = io.of(nsp);
      const target: { emit(event: string, ...args: unknown[]): boolean } =
        room === null ? namespace : namespace.to(room);
      target.emit(event, ...args);
    },
    // The sharded adapter publishes the disconnect to every node (this server has no sockets of its own).
    disconnect: (nsp, room) => io.of(nsp).in(room).disconnectSockets(true),
    close: async () => {
      await Promise.allSettled([...io._nsps.values()].map((nsp) => nsp.adapter.close()));
      await sub.quit().catch(() => undefined);
    },
  };
}
