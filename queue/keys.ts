/**
 * Every Redis key name is built here. Keys of one event share the hash tag `{ev:<id>}` so a
 * Redis Cluster keeps an event on one shard (its scripts touch several keys at once) while
 * different events spread across shards.
 */
export interface Keys {
  readonly prefix: string;
  rateLimit(bucket: string, subject: string): string;
}

export function createKeys(prefix: string): Keys {
  if (prefix.includes('{') || prefix.includes('}')) {
    throw new Error('the Redis key prefix must not contain braces: they would override the hash tags');
  }
  return {
    prefix,
    rateLimit: (bucket, subject) => `${prefix}rl:${bucket}:{${subject}}`,
  };
}
