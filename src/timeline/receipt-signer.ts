import type { Db } from '../db/types.js';
import type { Logger } from '../logger.js';
import type { PlatformSigner } from '../shared/signing.js';
import { storeSignatures, toReceipt, unsignedReceipts } from './timeline.repository.js';

/** A receipt a purchase-path function wrote and chained: its row id and the canonical payload it hashed. */
export interface WrittenReceipt {
  id: number;
  payload: string;
}

/**
 * Signs the receipts the purchase path's SQL functions write, once their transaction has
 * committed, and stores the signatures in batches: one UPDATE for every receipt signed in the
 * last few milliseconds, whichever requests wrote them. The receipt itself (its payload, hash
 * and place in the chain) was written in the same transaction as the change it records; only
 * the signature comes a moment later. Nothing waits for it: a read that meets an unsigned entry
 * signs it on the spot (Ed25519 is deterministic, so with the same signature), and the worker's
 * sweep (`signUnsigned`) signs whatever a crash left between the commit and the batch.
 */
export class ReceiptSigner {
  private pending: { id: number; signature: string }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: { db: Db; signer: PlatformSigner; logger: Logger },
    /** How long a signature may wait for others to share its UPDATE, and the most one UPDATE carries. */
    private readonly batch = { delayMs: 10, max: 500 },
  ) {}

  /** Signs now (CPU only) and queues the signatures for the next batch. */
  add(receipts: readonly WrittenReceipt[]): void {
    for (const r of receipts) this.pending.push({ id: r.id, signature: this.deps.signer.signText(r.payload) });
    if (this.pending.length >= this.batch.max) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.batch.delayMs);
  }

  /** Stores every queued signature; resolves once they are written (or logged as failed: the sweep retries them). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return this.flushing;
    this.flushing = this.flushing.then(() =>
      storeSignatures(this.deps.db, this.deps.signer.keyId, batch).catch((err: unknown) => {
        this.deps.logger.warn(
          { err, receipts: batch.length },
          'receipt signatures not stored; the sweep will sign them',
        );
      }),
    );
    return this.flushing;
  }
}

/**
 * Signs receipts left unsigned for more than `olderThanMs` (their process died between the
 * commit and its batch), at most `limit` per call; returns how many it signed. Safe to run on
 * several workers at once: a signature is the same whoever computes it, and only a null one is set.
 */
export async function signUnsigned(
  db: Db,
  signer: PlatformSigner,
  options: { olderThanMs: number; limit: number },
): Promise<number> {
  const rows = await unsignedReceipts(db, options);
  if (rows.length === 0) return 0;
  await storeSignatures(
    db,
    signer.keyId,
    rows.map((row) => ({ id: row.id, signature: toReceipt(row, signer).signature })),
  );
  return rows.length;
}
