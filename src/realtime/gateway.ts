import type { Server as HttpServer } from 'node:http';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { Server, type Namespace } from 'socket.io';
import type { Principal } from '../auth/principal.js';
import type { Config } from '../config.js';
import { openRedis, redisTarget } from '../infra/redis.js';
import type { Logger } from '../logger.js';
import { AppError } from '../shared/errors.js';
import { withDirectFrames } from '../platform/direct-frames.js';
import {
  eventRoom,
  sessionRoom,
  subscribePayload,
  userRoom,
  type ClientToServerEvents,
  type ServerToClientEvents,
  type SocketData,
} from './events.js';

export type RealtimeServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export interface Gateway {
  io: RealtimeServer;
  /** Applies the session check to another namespace (e.g. `/queue`) and returns it. */
  namespace<C extends object, S extends object>(
    name: string,
    options: { requireUser: boolean },
  ): Namespace<C, S, Record<string, never>, SocketData>;
  /** Disconnects every local socket (clients reconnect to another node) and closes the adapter's Redis connections. */
  close(): Promise<void>;
}

/** What a handshake learns from a bearer token: the account, and when its session ends. */
export interface SocketSession {
  principal: Principal;
  expiresAt: Date;
}

/** setTimeout's longest delay (2^31 - 1 ms, about 24.8 days); a longer one would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A connected socket of any namespace, as far as its session's end concerns it. */
interface SessionSocket {
  handshake: { auth: Record<string, unknown> };
  data: Partial<SocketData>;
  disconnect(close: boolean): unknown;
  once(event: 'disconnect', listener: () => void): unknown;
}

/** The socket.io channel prefix in Redis; the broadcaster in workers must use the same. */
export const socketChannel = (config: Pick<Config, 'REDIS_PREFIX'>) => `${config.REDIS_PREFIX}sio`;

/**
 * socket.io on the API's HTTP server, with the Redis adapter so a broadcast from any node (or
 * any worker, through the broadcaster) reaches sockets on every node. Nodes keep no state of
 * their own beyond their sockets' room memberships.
 */
export function attachGateway(
  http: HttpServer,
  deps: { config: Config; logger: Logger; authenticate(token: string): Promise<SocketSession> },
): Gateway {
  const { config, logger } = deps;
  const target = redisTarget(config);
  const cluster = target.kind === 'cluster';
  // ioredis's default of 20 retries: a publish waits out a short Redis blip instead of failing at once.
  const pub = openRedis(target, { connectionName: 'fairdrop-sio-pub', maxRetriesPerRequest: 20 });
  const sub = openRedis(target, {
    connectionName: 'fairdrop-sio-sub',
    maxRetriesPerRequest: null,
    shardedSubscribers: cluster,
  });
  const io: RealtimeServer = new Server(http, {
    // On a Redis Cluster, classic PUBLISH is copied to every node of the cluster; sharded pub/sub
    // (Redis 7) sends each room's channel to one shard only, so the fan-out grows with the shards.
    adapter: cluster
      ? withDirectFrames(createShardedAdapter(pub, sub, { channelPrefix: socketChannel(config) }))
      : withDirectFrames(createAdapter(pub, sub, { key: socketChannel(config) })),
    // Compression costs ~300 KB per socket in zlib state; our messages are a few dozen bytes.
    perMessageDeflate: false,
    cors: config.CORS_ORIGINS.length > 0 ? { origin: config.CORS_ORIGINS } : undefined,
    // A queue page is idle for long stretches; 25 s pings keep proxies from cutting it.
    pingInterval: 25_000,
    pingTimeout: 20_000,
  });

  /**
   * The handshake resolves the session and puts the socket in its account's room (news for the
   * fan) and its session's room (so ending that sign-in, on any node, disconnects it).
   */
  const authenticateSocket =
    (requireUser: boolean) =>
    async (
      socket: { handshake: { auth: Record<string, unknown> }; data: Partial<SocketData>; join(rooms: string[]): void },
      next: (err?: Error) => void,
    ) => {
      const token = socket.handshake.auth.token;
      try {
        if (typeof token === 'string' && token) {
          const { principal, expiresAt } = await deps.authenticate(token);
          Object.assign(socket.data, {
            userId: principal.userId,
            sessionId: principal.sessionId,
            expiresAt: expiresAt.getTime(),
          } satisfies SocketData);
          socket.join([userRoom(principal.userId), sessionRoom(principal.sessionId)]);
        } else if (requireUser) {
          throw new AppError(401, 'auth.required', 'Sign in to connect.');
        } else {
          Object.assign(socket.data, { userId: null, sessionId: null, expiresAt: null } satisfies SocketData);
        }
        next();
      } catch (err) {
        const code = err instanceof AppError ? err.code : 'internal';
        // socket.io sends `message` and `data` of a middleware error to the client's connect_error.
        next(Object.assign(new Error(err instanceof Error ? err.message : 'refused'), { data: { code } }));
      }
    };

  /**
   * A signed-in socket lives no longer than its session: it is disconnected when the session
   * expires (or after setTimeout's longest delay, when the client reconnects and is checked
   * again). Once connected it also reads the session once more: a sign-out that ran during the
   * handshake sent its disconnect before this socket counted as connected, and so missed it;
   * the sign-out's tombstone, written before that disconnect, is what this read finds.
   */
  const bindToSession = (socket: SessionSocket) => {
    const { sessionId, expiresAt } = socket.data;
    if (!sessionId || expiresAt === null || expiresAt === undefined) return;
    const timer = setTimeout(
      () => socket.disconnect(true),
      Math.min(Math.max(0, expiresAt - Date.now()), MAX_TIMER_MS),
    );
    timer.unref();
    socket.once('disconnect', () => clearTimeout(timer));
    deps.authenticate(socket.handshake.auth.token as string).catch((err: unknown) => {
      if (err instanceof AppError) socket.disconnect(true);
      else logger.warn({ err }, 'socket session re-check failed');
    });
  };

  io.use(authenticateSocket(false));
  io.on('connection', (socket) => {
    bindToSession(socket);
    socket.on('subscribe', async (payload, ack) => {
      const parsed = subscribePayload.safeParse(payload);
      if (!parsed.success) return ack?.({ ok: false, code: 'request.invalid', detail: 'eventId must be a UUID' });
      await socket.join(eventRoom(parsed.data.eventId));
      ack?.({ ok: true });
    });
    socket.on('unsubscribe', async (payload, ack) => {
      const parsed = subscribePayload.safeParse(payload);
      if (!parsed.success) return ack?.({ ok: false, code: 'request.invalid', detail: 'eventId must be a UUID' });
      await socket.leave(eventRoom(parsed.data.eventId));
      ack?.({ ok: true });
    });
  });
  logger.debug('realtime gateway attached');

  return {
    io,
    namespace: (name, options) => {
      const nsp = io.of(name) as unknown as Namespace<never, never, Record<string, never>, SocketData>;
      nsp.use(authenticateSocket(options.requireUser));
      nsp.on('connection', bindToSession);
      return nsp as never;
    },
    close: async () => {
      for (const nsp of io._nsps.values()) nsp.local.disconnectSockets(true);
      await Promise.all([pub.quit().catch(() => undefined), sub.quit().catch(() => undefined)]);
    },
  };
}
