import { Redis } from 'ioredis';
import type { Config } from '../config.js';

/**
 * BullMQ needs its own connections (workers block on them) with unlimited retries.
 * All its keys share one hash tag so a Redis Cluster keeps each queue's keys on one slot.
 */
export function bullConnection(config: Pick<Config, 'REDIS_URL'>): Redis {
  if (!config.REDIS_URL) throw new Error('REDIS_URL must be resolved before BullMQ connects');
  return new Redis(config.REDIS_URL, { maxRetriesPerRequest: null, connectionName: 'fairdrop-bullmq' });
}

export function bullPrefix(config: Pick<Config, 'REDIS_PREFIX'>): string {
  return `{${config.REDIS_PREFIX}bull}`;
}
