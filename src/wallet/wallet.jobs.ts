import type { Infra } from '../infra/types.js';
import type { JobModule } from '../jobs/runtime.js';
import type { Logger } from '../logger.js';
import { loadWalletCredentials } from './credentials.js';
import { GoogleWalletClient } from './google-wallet.js';
import { claimGoogleUpdates, markGoogleFailed, markGoogleSent } from './wallet.repository.js';
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

/** The wallet worker: on only when Google Wallet is configured (Apple devices pull their updates). */
export const walletModule: JobModule = {
  name: 'wallet',
  async start(infra) {
    const credentials = loadWalletCredentials(infra.config);
    if (!credentials.google) return { close: async () => {} };
    const wallet = new WalletService(
      infra.database.db,
      infra.signer,
      credentials,
      infra.config.PUBLIC_URL ?? 'http://localhost',
    );
    const client = new GoogleWalletClient(credentials.google);
    let running: Promise<void> | null = null;
    const tick = () => {
      running ??= (async () => {
        try {
          while ((await sendGoogleUpdates(infra.database.db, wallet, client, infra.logger)) === BATCH);
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
      },
    };
  },
};
