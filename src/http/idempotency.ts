import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { and, eq, lt } from 'drizzle-orm';
import type { Db } from '../db/types.js';
import { canonicalJson } from '../shared/canonical-json.js';
import { AppError } from '../shared/errors.js';
import { idempotencyKeys } from './idempotency.table.js';

/**
 * `Idempotency-Key` for every mutating request. The first request with a key claims a row;
 * a retry with the same key and request gets the stored answer; the same key with another
 * request is refused (422); a retry that arrives while the first is still running waits for
 * it, then answers 409 with Retry-After. A claim whose process died is taken over after
 * `staleAfterMs`. Domain operations keep their own natural idempotency as well (a hold per
 * key, an order per hold), so even a takeover never holds or charges twice.
 */

export type Claim =
  { kind: 'proceed' } | { kind: 'replay'; status: number; body: unknown; headers: Record<string, string> };

export const IDEMPOTENCY_KEY = /^[\x21-\x7e]{8,255}$/;

export function requestHash(method: string, url: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${url}\n${canonicalJson(body)}`)
    .digest('base64url');
}

export class IdempotencyStore {
  constructor(
    private readonly db: Db,
    private readonly options: { waitMs: number; staleAfterMs: number },
  ) {}

  async claim(scope: string, key: string, hash: string): Promise<Claim> {
    const deadline = Date.now() + this.options.waitMs;
    for (let pause = 10; ; pause = Math.min(pause * 2, 200)) {
      const inserted = await this.db
        .insert(idempotencyKeys)
        .values({ scope, key, requestHash: hash })
        .onConflictDoNothing()
        .returning({ key: idempotencyKeys.key });
      if (inserted.length > 0) return { kind: 'proceed' };

      const [row] = await this.db
        .select()
        .from(idempotencyKeys)
        .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
      if (!row) continue; // the first request failed and let go of the key: try again to claim it
      if (row.requestHash !== hash) {
        throw new AppError(422, 'idempotency.key_reused', 'This Idempotency-Key was used for a different request.', {
          errors: [
            { in: 'header', field: 'Idempotency-Key', code: 'key_reused', message: 'already used for another request' },
          ],
        });
      }
      if (row.state === 'done') {
        return {
          kind: 'replay',
          status: row.responseStatus ?? 200,
          body: row.responseBody,
          headers: row.responseHeaders ?? {},
        };
      }
      if (row.lockedAt.getTime() < Date.now() - this.options.staleAfterMs) {
        const taken = await this.db
          .update(idempotencyKeys)
          .set({ lockedAt: new Date() })
          .where(
            and(
              eq(idempotencyKeys.scope, scope),
              eq(idempotencyKeys.key, key),
              eq(idempotencyKeys.state, 'pending'),
              lt(idempotencyKeys.lockedAt, new Date(Date.now() - this.options.staleAfterMs)),
            ),
          )
          .returning({ key: idempotencyKeys.key });
        if (taken.length > 0) return { kind: 'proceed' };
      }
      if (Date.now() >= deadline) {
        throw new AppError(
          409,
          'idempotency.in_progress',
          'A request with this Idempotency-Key is still being processed.',
          {
            headers: { 'Retry-After': '1' },
          },
        );
      }
      await sleep(pause);
    }
  }

  async complete(
    scope: string,
    key: string,
    status: number,
    body: unknown,
    headers: Record<string, string>,
  ): Promise<void> {
    await this.db
      .update(idempotencyKeys)
      .set({ state: 'done', responseStatus: status, responseBody: body ?? null, responseHeaders: headers })
      .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
  }

  /** The request failed on our side: free the key so the client's retry runs it again. */
  async release(scope: string, key: string): Promise<void> {
    await this.db
      .delete(idempotencyKeys)
      .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key), eq(idempotencyKeys.state, 'pending')));
  }
}
