import type { Infra } from '../infra/types.js';
import type { JobModule } from '../jobs/runtime.js';
import type { Logger } from '../logger.js';
import { loadWalletCredentials } from './credentials.js';
import { GoogleWalletClient } from './google-wallet.js';
import { ApnsClient } from './wallet-push.js';
import {
  claimGoogleUpdates,
  markGoogleFailed,
  markGoogleSent,
  registrationsChangedSince,
  unregister,
} from './wallet.repository.js';
import { WalletService } from './wallet.service.js';

/** Eight tries over about a day (1 min × 4ⁿ, capped at 6 h), then `failed` for an operator to see. */
const MAX_ATTEMPTS = 8;
const backoffMs = (attempt: number) => Math.min(60_000 * 4 ** (attempt - 1), 6 * 3600_000);
/** Small batches: the claim's transaction stays open while the batch's requests go out. */
const BATCH = 20;

/**
 * Sends the Google Wallet updates that `fd_wallet_ticket_changed` queued when a ticket changed:
 * each object gets its state as the ticket is at sending time (a later change is covered by
 * the same request). Rows are claimed FOR UPDATE SKIP LOCKED, so workers share them; a crash
 * mid-batch rolls the claim back and the update is sent again (PATCH is idempotent).
 */
export async function sendGoogleUpdates(
  db: Infra['database']['db'],
  wallet: WalletService,
  client: GoogleWalletClient,
  logger: Logger,
): Promise<number> {
  return db.transaction(async (tx) => {
    const rows = await claimGoogleUpdates(tx, BATCH);
    for (const row of rows) {
      const update = await wallet.googleUpdate(row.passId);
      if (!update) {
        await markGoogleSent(tx, row, 'GONE');
        continue;
      }
      const outcome = await client.send(update.patch);
      if (outcome === 'sent' || outcome === 'not_saved') {
        await markGoogleSent(tx, row, outcome === 'sent' ? update.state : 'NOT_SAVED');
        continue;
      }
      const attempts = row.attempts + 1;
      const failed = 'failed' in outcome || attempts >= MAX_ATTEMPTS;
      const lastError = 'failed' in outcome ? outcome.failed : outcome.retry;
      logger.warn({ passId: row.passId, attempts, failed, lastError }, 'Google Wallet update not accepted');
      await markGoogleFailed(tx, row.id, {
        attempts,
        lastError,
        failed,
        availableAt: new Date(Date.now() + backoffMs(attempts)),
      });
    }
    return rows.length;
  });
}

/**
 * A change is stamped when its transaction runs and seen when it commits, so each look reaches
 * back this far (longer than any transaction lives) and skips what it already told; on start
 * the worker reaches back an hour, so a restart does not lose the pushes of changes just made.
 */
const PUSH_OVERLAP_MS = 60_000;
const PUSH_CATCH_UP_MS = 3600_000;

/**
 * Tells each Apple device registered for a pass that changed (APNs, wallet-push.ts); the
 * device then asks which passes changed and fetches them. A device may be told twice (after
 * a restart): it then finds nothing new, which costs it one request.
 */
export class ApplePusher {
  private readonly told = new Map<string, number>();
  private since: number;

  constructor(
    private readonly db: Infra['database']['db'],
    private readonly apns: ApnsClient,
    private readonly logger: Logger,
    nowMs = Date.now(),
  ) {
    this.since = nowMs - PUSH_CATCH_UP_MS;
  }

  async tick(nowMs = Date.now()): Promise<number> {
    const rows = await registrationsChangedSince(this.db, new Date(this.since));
    let pushed = 0;
    for (const row of rows) {
      const key = `${row.deviceId}\0${row.passId}\0${row.updatedAt.getTime()}`;
      if (this.told.has(key)) continue;
      const outcome = await this.apns.push(row.pushToken);
      if (outcome === 'gone') await unregister(this.db, row.deviceId, row.passId);
      else if (outcome !== 'sent') {
        // Not remembered: the next look tries again, while the change is inside its reach.
        this.logger.warn({ passId: row.passId, error: outcome.retry }, 'APNs did not take a pass update');
        continue;
      }
      this.told.set(key, row.updatedAt.getTime());
      pushed++;
    }
    this.since = Math.max(this.since, nowMs - PUSH_OVERLAP_MS);
    for (const [key, at] of this.told) if (at <= this.since) this.told.delete(key);
    return pushed;
  }
}

/** The wallet worker: sends Google Wallet updates and tells Apple devices of changed passes. */
export const walletModule: JobModule = {
  name: 'wallet',
  async start(infra) {
    const credentials = loadWalletCredentials(infra.config);
    if (!credentials.google && !credentials.apple) return { close: async () => {} };
    const wallet = new WalletService(
      infra.database.db,
      infra.signer,
      credentials,
      infra.config.PUBLIC_URL ?? 'http://localhost',
    );
    const google = credentials.google ? new GoogleWalletClient(credentials.google) : null;
    const apns = credentials.apple ? new ApnsClient(credentials.apple) : null;
    const pusher = apns ? new ApplePusher(infra.database.db, apns, infra.logger) : null;
    let running: Promise<void> | null = null;
    const tick = () => {
      running ??= (async () => {
        try {
          if (google) while ((await sendGoogleUpdates(infra.database.db, wallet, google, infra.logger)) === BATCH);
          await pusher?.tick();
        } catch (err) {
          infra.logger.error({ err }, 'wallet worker failed; retrying on the next tick');
        } finally {
          running = null;
        }
      })();
    };
    const timer = setInterval(tick, infra.config.WALLET_SYNC_POLL_MS);
    tick();
    return {
      close: async () => {
        clearInterval(timer);
        await running;
        apns?.close();
      },
    };
  },
};
