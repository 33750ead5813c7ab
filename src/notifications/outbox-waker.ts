import type { Db } from '../db/types.js';
import type { Logger } from '../logger.js';
import { Batcher } from '../shared/batcher.js';
import { wakeDispatchers } from './outbox.repository.js';

/**
 * Wakes the outbox dispatchers after a statement that wrote to the outbox has committed, for
 * writers that do not NOTIFY inside their own transaction: the purchase path's order commit
 * (`fd_notify`). A NOTIFY inside a transaction takes one lock for the whole database at commit,
 * so every order that notified would commit one at a time behind it; here the wake-ups that
 * concurrent orders ask for become one NOTIFY of its own. A lost wake-up only delays delivery
 * to the dispatcher's next poll (OUTBOX_POLL_MS).
 */
export class OutboxWaker {
  private readonly wakes: Batcher<null, null>;

  constructor(
    db: Db,
    private readonly logger: Logger,
  ) {
    this.wakes = new Batcher(async (batch) => {
      await wakeDispatchers(db);
      return batch.map(() => null);
    });
  }

  wake(): void {
    this.wakes.run(null).catch((err: unknown) => {
      this.logger.warn({ err }, 'outbox dispatchers not woken; they will poll');
    });
  }
}
