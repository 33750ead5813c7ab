import type { Keys } from '../../queue/keys.js';
import { WaitingRoom } from '../../queue/waiting-room.js';
import type { Config } from '../config.js';
import type { AppRedis } from '../infra/redis.js';
import type { PlatformSigner } from '../shared/signing.js';
import { asProblem } from './refusals.js';

/**
 * HKDF labels of the secrets this module derives from the platform key. Derived rather than
 * configured, so every API node, scheduler and restart computes the same bytes and nothing
 * secret sits in Redis or Postgres (a copy of Redis alone redeems no token).
 */
export const PURCHASE_TOKEN_SECRET = 'fairdrop/queue/purchase-tokens/v1';
export const CHALLENGE_SECRET = 'fairdrop/queue/join-challenge/v1';

/** The one way this process builds the engine: same keys, same token secret, refusals as API problems. */
export function createWaitingRoom(
  redis: AppRedis,
  keys: Keys,
  signer: PlatformSigner,
  config: Pick<Config, 'QUEUE_CLAIM_WINDOW_MS'>,
): WaitingRoom {
  return new WaitingRoom(redis, keys, {
    tokenSecret: signer.derive(PURCHASE_TOKEN_SECRET),
    claimWindowMs: config.QUEUE_CLAIM_WINDOW_MS,
    refuse: asProblem,
  });
}
