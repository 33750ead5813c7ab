import type { Keys } from '../../queue/keys.js';
import type { RedisConnection, ScriptCommands } from '../../queue/scripts.js';
import { tooManyRequests } from '../shared/errors.js';
import type { RateLimitRule } from './route.js';

/** Fixed-window limits counted in Redis, so every API node shares one count per subject. */
export class RateLimiter {
  constructor(
    private readonly redis: RedisConnection & ScriptCommands,
    private readonly keys: Keys,
  ) {}

  /** Counts one hit against each rule; throws a 429 problem with Retry-After on the first that is full. */
  async hit(rules: readonly RateLimitRule[]): Promise<void> {
    for (const rule of rules) {
      const [allowed, , retryAfterMs] = await this.redis.hitLimit(
        this.keys.rateLimit(rule.bucket, rule.subject),
        rule.limit,
        rule.windowSeconds * 1000,
      );
      if (allowed !== 1) {
        throw tooManyRequests(
          'rate_limited',
          `Too many requests (${rule.bucket}); try again in ${Math.ceil(retryAfterMs / 1000)} s.`,
          retryAfterMs / 1000,
        );
      }
    }
  }
}
