import { randomBytes } from 'node:crypto';
import { connectRedis } from '../../src/infra/redis.js';
import type { AppRedis } from '../../src/infra/redis.js';
import { createKeys, type Keys } from '../../queue/keys.js';
import { WaitingRoom } from '../../queue/waiting-room.js';
import type { Joined } from '../../queue/types.js';
import { dropRedisPrefix, TEST_REDIS } from '../support/env.js';

/** A waiting room over the real Redis, under a key prefix of its own; close() deletes every key. */

/** Short, so tests see a claimed token stop counting as outstanding without waiting 15 s. */
export const CLAIM_WINDOW_MS = 100;
export interface RoomEnv {
  redis: AppRedis;
  keys: Keys;
  room: WaitingRoom;
  prefix: string;
  /** Another connection and engine over the same keys, as a second API node or scheduler would have. */
  second(options?: { claimWindowMs?: number }): WaitingRoom;
  close(): Promise<void>;
}

export function createRoomEnv(): RoomEnv {
  const prefix = `fdt:queue:${randomBytes(6).toString('hex')}:`;
  const keys = createKeys(prefix);
  const tokenSecret = randomBytes(32);
  const redis = connectRedis(TEST_REDIS);
  const extra: AppRedis[] = [];
  return {
    redis,
    keys,
    prefix,
    room: new WaitingRoom(redis, keys, { tokenSecret, claimWindowMs: CLAIM_WINDOW_MS }),
    second: (options) => {
      const other = connectRedis(TEST_REDIS);
      extra.push(other);
      return new WaitingRoom(other, keys, { tokenSecret, claimWindowMs: options?.claimWindowMs ?? CLAIM_WINDOW_MS });
    },
    close: async () => {
      await Promise.all([redis, ...extra].map((r) => r.quit()));
      await dropRedisPrefix(prefix);
    },
  };
}

let eventCounter = 0;
/** A fresh event id per test, so tests in one file never share a room. */
export function newEventId(): string {
  eventCounter++;
  return `ev${eventCounter}-${randomBytes(3).toString('hex')}`;
}

/**
 * Joins accounts in the given order. Calls are issued without waiting in between on one
 * connection, and Redis runs them in the order they arrive, so arrival order = array order.
 */
export async function joinAll(
  room: WaitingRoom,
  eventId: string,
  accountIds: readonly string[],
  batch = 5_000,
): Promise<Joined[]> {
  const out: Joined[] = [];
  for (let i = 0; i < accountIds.length; i += batch) {
    const part = await Promise.all(accountIds.slice(i, i + batch).map((id) => room.join(eventId, id)));
    out.push(...part);
  }
  return out;
}

export const accounts = (n: number, tag = 'a'): string[] => Array.from({ length: n }, (_, i) => `${tag}${i}`);

/** Ticket number of every entry of the draw, read back from Redis (the published order). */
export async function ticketsByEntry(room: WaitingRoom, eventId: string, size: number): Promise<Map<string, number>> {
  const tickets = new Map<string, number>();
  for (let from = 1; from <= size; from += 20_000) {
    const ids = await room.drawnEntries(eventId, from, Math.min(20_000, size - from + 1));
    ids.forEach((id, i) => tickets.set(id, from + i));
  }
  return tickets;
}
