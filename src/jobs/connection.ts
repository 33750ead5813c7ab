import type { Cluster, Redis } from 'ioredis';
import type { Config } from '../config.js';
import { openRedis, redisTarget } from '../infra/redis.js';

/**
 * BullMQ needs its own connections (workers block on them) with unlimited retries.
 * All its keys share one hash tag so a Redis Cluster keeps each queue's keys on one slot;
 * with REDIS_CLUSTER_NODES the connection is a Cluster client (BullMQ supports both).
 */
export function bullConnection(config: Pick<Config, 'REDIS_URL' | 'REDIS_CLUSTER_NODES'>): Redis | Cluster {
  return openRedis(redisTarget(config), { connectionName: 'fairdrop-bullmq', maxRetriesPerRequest: null });
}

export function bullPrefix(config: Pick<Config, 'REDIS_PREFIX'>): string {
  return `{${config.REDIS_PREFIX}bull}`;
}
