import { Redis } from 'ioredis';
import { registerScripts, type RedisConnection, type ScriptCommands } from '../../queue/scripts.js';

export type AppRedis = RedisConnection & ScriptCommands;

/** A connection for request paths: a few quick retries, then the request fails with a 5xx rather than hanging. */
export function connectRedis(url: string): AppRedis {
  const redis = new Redis(url, { maxRetriesPerRequest: 2, connectionName: 'fairdrop' });
  return registerScripts(redis);
}
