import { createHash, createHmac, hkdfSync } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../db/types.js';
import { canonicalJson } from '../shared/canonical-json.js';
import { AppError } from '../shared/errors.js';
import { open, seal } from '../shared/sealed.js';
import * as repo from './idempotency.repository.js';
import { JsonText } from './route.js';

/**
 * `Idempotency-Key` for every mutating request. The first request with a key claims a row;
 * a retry with the same key and request gets the stored answer; the same key with another
 * request is refused (422); a retry that arrives while the first is still running waits for
 * it, then answers 409 with Retry-After. A claim whose process died is taken over after
 * `staleAfterMs`; an answer older than `ttlMs` is forgotten, and its key is a new request.
 * Domain operations keep their own natural idempotency as well (a hold per key, an order per
 * hold), so even a takeover never holds or charges twice.
 *
 * The raw key is never stored. An answer can carry a secret (register, login and a transfer
 * claim answer with a session token), so the row holds only what the key derives (HKDF-SHA256,
 * salted with the scope): its id, the answer sealed with a key only the raw key gives
 * (src/shared/sealed.ts), and the request's hash under a MAC keyed the same way. Only the
 * client that holds the key can have the answer replayed; a copy of the table yields no
 * answer, and no fast hash of a request body (a login's holds the password) to guess against.
 * Derived from the key rather than from a platform secret: nothing to leak beside the dump,
 * and the key is the client's own UUID (IDEMPOTENCY_KEY asks for 8 printable characters;
 * the docs ask for a fresh UUID per attempt).
 */

/** A replay's body is the stored JSON text, written back as it is. */
export type Claim =
  { kind: 'proceed' } | { kind: 'replay'; status: number; body: JsonText | null; headers: Record<string, string> };

export const IDEMPOTENCY_KEY = /^[\x21-\x7e]{8,255}$/;

export function requestHash(method: string, url: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${url}\n${canonicalJson(body)}`)
    .digest('base64url');
}

interface Derived {
  /** The row's `key` column. */
  id: string;
  /** Seals the stored answer. */
  answerKey: Buffer;
  /** Keys the MAC stored for the request's hash. */
  requestKey: Buffer;
}

function derive(scope: string, key: string): Derived {
  const bytes = Buffer.from(hkdfSync('sha256', key, scope, 'fairdrop idempotency v1', 96));
  return {
    id: bytes.subarray(0, 32).toString('base64url'),
    answerKey: bytes.subarray(32, 64),
    requestKey: bytes.subarray(64, 96),
  };
}

const requestMac = (derived: Derived, hash: string) =>
  createHmac('sha256', derived.requestKey).update(hash).digest('base64url');

/** A claim as the first request makes it: for tests that stand in for a request still running. */
export function claimValues(scope: string, key: string, hash: string) {
  const derived = derive(scope, key);
  return { scope, key: derived.id, requestHash: requestMac(derived, hash) };
}

/**
 * Deletes answers older than `before`, `batch` rows per statement (each a short lock on few
 * rows, so claims are never held up behind a long delete); returns how many went. The outer
 * condition is checked again on a row a claim took over meanwhile, which then stays.
 */
export async function deleteExpiredIdempotencyKeys(db: Db, before: Date, batch = 1_000): Promise<number> {
  const cutoff = before.toISOString();
  let deleted = 0;
  for (;;) {
    const count = await repo.deleteExpiredBatch(db, cutoff, batch);
    deleted += count;
    if (count < batch) return deleted;
  }
}

export class IdempotencyStore {
  constructor(
    private readonly db: Db,
    private readonly options: { waitMs: number; staleAfterMs: number; ttlMs: number },
  ) {}

  async claim(scope: string, key: string, hash: string): Promise<Claim> {
    const derived = derive(scope, key);
    const id = derived.id;
    const mac = requestMac(derived, hash);
    const deadline = Date.now() + this.options.waitMs;
    for (let pause = 10; ; pause = Math.min(pause * 2, 200)) {
      // One statement claims a new key or one whose answer has expired (not yet swept).
      const expiredBefore = new Date(Date.now() - this.options.ttlMs);
      if (await repo.claimKey(this.db, { scope, key: id, requestHash: mac }, expiredBefore)) return { kind: 'proceed' };

      const row = await repo.findKey(this.db, scope, id);
      if (!row) continue; // the first request failed and let go of the key: try again to claim it
      if (row.requestHash !== mac) {
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
          body: row.responseBody === null ? null : new JsonText(open(derived.answerKey, row.responseBody, id)),
          headers: row.responseHeaders ?? {},
        };
      }
      if (row.lockedAt.getTime() < Date.now() - this.options.staleAfterMs) {
        const staleBefore = new Date(Date.now() - this.options.staleAfterMs);
        if (await repo.takeOverStale(this.db, scope, id, staleBefore)) return { kind: 'proceed' };
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
    const derived = derive(scope, key);
    await repo.completeKey(this.db, scope, derived.id, {
      status,
      sealedBody: seal(
        derived.answerKey,
        body instanceof JsonText ? body.text : JSON.stringify(body ?? null),
        derived.id,
      ),
      // Location, Retry-After, ETag: never a secret, so kept as they are.
      headers,
    });
  }

  /** The request failed on our side: free the key so the client's retry runs it again. */
  async release(scope: string, key: string): Promise<void> {
    const { id } = derive(scope, key);
    await repo.releaseKey(this.db, scope, id);
  }
}
