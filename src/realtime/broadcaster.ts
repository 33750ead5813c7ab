import { Emitter } from '@socket.io/redis-emitter';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { socketChannel } from './gateway.js';
import { eventRoom, userRoom, type ServerToClientEvents } from './events.js';

/**
 * Sends socket.io events from any process — API node or worker — through Redis, without a
 * socket server of its own. Services depend on this, never on socket.io itself.
 */
export interface Broadcaster {
  toUser<E extends keyof ServerToClientEvents>(userId: string, event: E, ...args: Parameters<ServerToClientEvents[E]>): void;
  toEvent<E extends keyof ServerToClientEvents>(eventId: string, event: E, ...args: Parameters<ServerToClientEvents[E]>): void;
  /** A typed emitter for another namespace (`/queue`). */
  namespace<S extends object>(name: string): Emitter<S>;
}

export function createBroadcaster(redis: Redis, config: Pick<Config, 'REDIS_PREFIX'>): Broadcaster {
  const emitter = new Emitter<ServerToClientEvents>(redis, { key: socketChannel(config) });
  return {
    toUser: (userId, event, ...args) => void emitter.to(userRoom(userId)).emit(event, ...args),
    toEvent: (eventId, event, ...args) => void emitter.to(eventRoom(eventId)).emit(event, ...args),
    namespace: <S extends object>(name: string) => emitter.of(name) as unknown as Emitter<S>,
  };
}
