import { setTimeout as sleep } from 'node:timers/promises';
import type { Keys } from '../../queue/keys.js';
import type { Config } from '../config.js';
import type { AppRedis } from '../infra/redis.js';
import { tooManyRequests } from '../shared/errors.js';
import { hashSecret } from '../shared/tokens.js';

export type LoginLimits = Pick<
  Config,
  | 'LOGIN_FAILURES_PER_ACCOUNT_IP'
  | 'LOGIN_FAILURE_WINDOW_SECONDS'
  | 'LOGIN_BACKOFF_AFTER_FAILURES'
  | 'LOGIN_BACKOFF_MAX_MS'
>;

/** The first back-off wait is this fraction of the longest: four failures more and it is reached. */
const FIRST_BACKOFF_SHARE = 1 / 16;

/**
 * Password guessing, limited in ways that cannot be turned against the account's owner.
 *
 * - Per (account, address) pair: an address that failed LOGIN_FAILURES_PER_ACCOUNT_IP times for
 *   one account within the window is refused (429) for that account until the window ends; the
 *   owner signing in from any other address is not. An attempt is counted before its password
 *   is checked, so parallel guesses cannot all slip under the limit, and a success clears the
 *   pair's count, so what stays counted is failures.
 * - Per account, from every address: past LOGIN_BACKOFF_AFTER_FAILURES failures in the window,
 *   each attempt waits before its password is checked, the wait doubling with every further
 *   failure up to LOGIN_BACKOFF_MAX_MS. It slows a guesser spread over many addresses and
 *   refuses no one.
 * - Per address, whatever the account: the route's own limit (AUTH_LIMIT_PER_IP).
 *
 * Counted by the address typed, whether or not it has an account, so a 429 says nothing about
 * who is registered. The keys hold hashes, not email or IP addresses.
 */
export class LoginAttempts {
  constructor(private readonly deps: { redis: AppRedis; keys: Keys; limits: LoginLimits }) {}

  /** Before the password check: a 429 problem for a pair over its limit, else the account's back-off wait. */
  async admit(email: string, ip: string): Promise<void> {
    const { redis, limits } = this.deps;
    const [[allowed, , retryAfterMs], failures] = await Promise.all([
      redis.hitLimit(this.pairKey(email, ip), limits.LOGIN_FAILURES_PER_ACCOUNT_IP, this.windowMs()),
      redis.get(this.accountKey(email)),
    ]);
    if (allowed !== 1) {
      throw tooManyRequests(
        'rate_limited',
        `Too many failed sign-ins to this account from your address; try again in ${Math.ceil(retryAfterMs / 1000)} s.`,
        retryAfterMs / 1000,
      );
    }
    const wait = this.backoffMs(Number(failures ?? 0));
    if (wait > 0) await sleep(wait);
  }

  /** The password was wrong (or the account unknown); answers whether this failure starts the account's back-off. */
  async failed(email: string): Promise<boolean> {
    // Counted, never refused: admit() reads the count to pace the next attempts.
    const [, count] = await this.deps.redis.hitLimit(this.accountKey(email), Number.MAX_SAFE_INTEGER, this.windowMs());
    return count === this.deps.limits.LOGIN_BACKOFF_AFTER_FAILURES;
  }

  /** The right password: this address's failures for the account are forgiven. */
  async succeeded(email: string, ip: string): Promise<void> {
    await this.deps.redis.del(this.pairKey(email, ip));
  }

  /** The password was just reset from the mailbox: the account's back-off and this address's count start again. */
  async forgive(email: string, ip: string): Promise<void> {
    // Two commands: the keys' hash tags differ, so one DEL would span slots on a Redis Cluster.
    await Promise.all([this.deps.redis.del(this.pairKey(email, ip)), this.deps.redis.del(this.accountKey(email))]);
  }

  /** The wait before the next attempt on an account that failed `failures` times in the window. */
  backoffMs(failures: number): number {
    const { LOGIN_BACKOFF_AFTER_FAILURES: after, LOGIN_BACKOFF_MAX_MS: max } = this.deps.limits;
    if (failures < after) return 0;
    return Math.min(max, Math.round(max * FIRST_BACKOFF_SHARE * 2 ** (failures - after)));
  }

  private windowMs(): number {
    return this.deps.limits.LOGIN_FAILURE_WINDOW_SECONDS * 1000;
  }

  private pairKey(email: string, ip: string): string {
    return this.deps.keys.rateLimit('login-failed', hashSecret(`${email}\n${ip}`));
  }

  private accountKey(email: string): string {
    return this.deps.keys.rateLimit('login-failed-account', hashSecret(email));
  }
}
