import { Cluster, Redis, type ClusterNode, type RedisOptions } from 'ioredis';
import { registerScripts, type RedisConnection, type ScriptCommands } from '../../queue/scripts.js';
import type { Config } from '../config.js';

export type AppRedis = RedisConnection & ScriptCommands;

/** Where Redis is: one server (REDIS_URL), or the seed nodes of a Redis Cluster (REDIS_CLUSTER_NODES). */
export type RedisTarget = { kind: 'single'; url: string } | { kind: 'cluster'; nodes: readonly string[] };

/** The target a booted process uses; boot.ts has filled REDIS_URL in when it started a local Redis. */
export function redisTarget(config: Pick<Config, 'REDIS_URL' | 'REDIS_CLUSTER_NODES'>): RedisTarget {
  if (config.REDIS_CLUSTER_NODES?.length) return { kind: 'cluster', nodes: config.REDIS_CLUSTER_NODES };
  if (config.REDIS_URL) return { kind: 'single', url: config.REDIS_URL };
  throw new Error('REDIS_URL must be resolved (boot starts a local Redis) before connecting');
}

export interface OpenOptions {
  /** Shown in CLIENT LIST, so an operator can tell the connections apart. */
  connectionName: string;
  /** null: retry forever (BullMQ and subscribers must never give up); a number: fail a request after that many retries. */
  maxRetriesPerRequest: number | null;
  /** Subscriber connections of the sharded socket.io adapter: SSUBSCRIBE must reach the shard that owns each channel. */
  shardedSubscribers?: boolean;
}

/** A plain connection (no scripts): one Redis, or a Cluster client that routes each command by its key's slot. */
export function openRedis(target: RedisTarget | string, options: OpenOptions): Redis | Cluster {
  const resolved: RedisTarget = typeof target === 'string' ? { kind: 'single', url: target } : target;
  const redisOptions: RedisOptions = {
    connectionName: options.connectionName,
    maxRetriesPerRequest: options.maxRetriesPerRequest,
  };
  if (resolved.kind === 'single') return new Redis(resolved.url, redisOptions);
  const { nodes, auth } = parseClusterNodes(resolved.nodes);
  return new Cluster(nodes, {
    redisOptions: { ...redisOptions, ...auth },
    shardedSubscribers: options.shardedSubscribers ?? false,
    // Writes and reads go to masters: the waiting room's scripts read what they just wrote, and a replica may lag.
    scaleReads: 'master',
    // BullMQ and the adapter's subscribers queue commands until the slot map is known, as a single Redis client would.
    enableOfflineQueue: true,
  });
}

/** A connection for request paths: a few quick retries, then the request fails with a 5xx rather than hanging. */
export function connectRedis(target: RedisTarget | string): AppRedis {
  return registerScripts(openRedis(target, { connectionName: 'fairdrop', maxRetriesPerRequest: 2 }));
}

/**
 * REDIS_CLUSTER_NODES entries: `host:port`, or a redis:// / rediss:// URL whose credentials and
 * TLS apply to every node (a cluster's nodes share them; the client reaches nodes it discovers
 * with the same options).
 */
export function parseClusterNodes(entries: readonly string[]): {
  nodes: ClusterNode[];
  auth: Pick<RedisOptions, 'username' | 'password' | 'tls'>;
} {
  const auth: Pick<RedisOptions, 'username' | 'password' | 'tls'> = {};
  const nodes = entries.map((entry) => {
    if (!/^rediss?:\/\//.test(entry)) {
      const at = entry.lastIndexOf(':');
      return { host: entry.slice(0, at), port: Number(entry.slice(at + 1)) };
    }
    const url = new URL(entry);
    if (url.username) auth.username = decodeURIComponent(url.username);
    if (url.password) auth.password = decodeURIComponent(url.password);
    if (url.protocol === 'rediss:') auth.tls = {};
    return { host: url.hostname, port: Number(url.port || 6379) };
  });
  return { nodes, auth };
}

/**
 * Deletes every key of one deployment or test namespace on a single Redis server: the keys under
 * `prefix`, and BullMQ's, which sit under `{<prefix>bull}` (src/jobs/connection.ts). UNLINK, so
 * large lists and hashes are freed off Redis's main thread.
 */
export async function deleteKeysUnder(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    for (const pattern of [`${prefix}*`, `{${prefix}*`]) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        if (keys.length) await redis.unlink(...keys);
      } while (cursor !== '0');
    }
  } finally {
    await redis.quit();
  }
}
