import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { Broadcaster } from '../realtime/broadcaster.js';
import type { PlatformSigner } from '../shared/signing.js';
import type { AppRedis } from './redis.js';

/**
 * What a process connects to: built once at start-up (src/boot.ts, or a test) and handed to the
 * composition root (src/app.ts), the job modules and the services that need it. A type of its
 * own, so the modules that take it do not import the composition root that imports them.
 */
export interface Infra {
  config: Config;
  logger: Logger;
  database: Database;
  redis: AppRedis;
  /** The platform key that signs receipts. */
  signer: PlatformSigner;
  /** socket.io events to users and event rooms, from any process. */
  broadcaster: Broadcaster;
}
