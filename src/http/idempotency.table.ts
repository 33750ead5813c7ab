import { index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Answers kept for retries under their Idempotency-Key (src/http/idempotency.ts). Nothing here
 * is readable without the raw key, which is never stored: a copy of the table replays nothing.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    /** `user:<id>` for signed-in callers, `anon` otherwise: one account's keys never collide with another's. */
    scope: text('scope').notNull(),
    /** Derived from the raw Idempotency-Key (HKDF), not the key itself. */
    key: text('key').notNull(),
    /** HMAC, keyed by the raw key, of the SHA-256 of method, path and canonical body: the same key with another request is refused. */
    requestHash: text('request_hash').notNull(),
    state: text('state', { enum: ['pending', 'done'] })
      .notNull()
      .default('pending'),
    responseStatus: integer('response_status'),
    /** The answer's JSON text, sealed (`v1.<iv>.<ciphertext>`, src/shared/sealed.ts) with a key derived from the raw key. */
    responseBody: jsonb('response_body').$type<string>(),
    responseHeaders: jsonb('response_headers').$type<Record<string, string>>(),
    lockedAt: timestamp('locked_at', { withTimezone: true }).notNull().defaultNow(),
    /** When the key was claimed; after IDEMPOTENCY_TTL_HOURS the answer is forgotten. */
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.scope, t.key] }),
    // Serves the retention sweep's "claimed before the TTL" range (src/jobs/retention.jobs.ts).
    index('idempotency_keys_created_idx').on(t.createdAt),
  ],
);
