/** Redis connections and what a process connects to, for tools and benchmarks. */
export { connectRedis, deleteKeysUnder, type AppRedis } from './redis.js';
export type { Infra } from './types.js';
