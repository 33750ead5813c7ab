import type { Config } from '../config.js';
import type { Db } from '../db/types.js';
import type { Role } from '../shared/vocabulary.js';
import { hashSecret, newSecret } from '../shared/tokens.js';
import { insertSessionBatch, insertUserBatch } from './auth.repository.js';
import type { Principal } from './principal.js';
import type { SessionCache } from './session-cache.js';

/**
 * Many accounts, each with an open session, written straight to Postgres: for crowds (the drop
 * simulator beyond `--register`, the tests' races, the queue bench) where registering through
 * the API, a scrypt hash and three writes per account, would take longer than what they
 * measure. The rows are those AuthService.register and openSession write, without the e-mail
 * verification: a `users` row with its address trimmed and lower-cased, the given roles and no
 * verified address (or, with `verified`, the address confirmed now, as the verification link
 * leaves it: queue-mode waiting rooms admit only such accounts by default); a `sessions` row expiring SESSION_TTL_HOURS from now, with no IP or user
 * agent. One password hash, made once by the caller at the deployment's scrypt cost, serves
 * every account, so each can also sign in; each bearer token resolves like any other.
 */

export interface BulkAccountSpec {
  email: string;
  displayName: string;
}

export interface BulkAccount {
  userId: string;
  sessionId: string;
  /** As stored: trimmed and lower-cased, as the register route stores it. */
  email: string;
  displayName: string;
  /** The bearer token; only its SHA-256 is stored. */
  token: string;
  expiresAt: Date;
}

export interface BulkAccountsInput {
  accounts: readonly BulkAccountSpec[];
  /** One hash for every account (hashPassword once): hashing each would cost what this avoids. */
  passwordHash: string;
  /** Default: the column's own default (`fan`), as registration leaves it. */
  roles?: readonly Role[];
  /** Marks each address confirmed (`email_verified_at` now), as the mailed link would; default false, as registration leaves it. */
  verified?: boolean;
  /**
   * Given: each session is also put in the session cache, as a sign-in does ('open'), so the
   * first request of each token does not go to Postgres (the queue bench measures joins, not
   * cache fills). Without it, the first request fills the cache from Postgres.
   */
  sessionCache?: SessionCache;
}

/** Accounts per INSERT: 2,000 users are 8,000 parameters and their sessions 6,000, well under Postgres' 65,535. */
export const BULK_ACCOUNTS_BATCH = 2_000;

/** The accounts in the order given; an address already taken fails its whole batch (unique violation). */
export async function insertBulkAccounts(
  db: Db,
  config: Pick<Config, 'SESSION_TTL_HOURS'>,
  input: BulkAccountsInput,
): Promise<BulkAccount[]> {
  const out: BulkAccount[] = [];
  for (let from = 0; from < input.accounts.length; from += BULK_ACCOUNTS_BATCH) {
    out.push(...(await insertBatch(db, config, input, input.accounts.slice(from, from + BULK_ACCOUNTS_BATCH))));
  }
  return out;
}

async function insertBatch(
  db: Db,
  config: Pick<Config, 'SESSION_TTL_HOURS'>,
  input: BulkAccountsInput,
  batch: readonly BulkAccountSpec[],
): Promise<BulkAccount[]> {
  if (batch.length === 0) return [];
  const roles = input.roles ? { roles: [...input.roles] } : {};
  const verifiedAt = input.verified ? { emailVerifiedAt: new Date() } : {};
  const created = await insertUserBatch(
    db,
    batch.map((a) => ({
      email: a.email.trim().toLowerCase(),
      passwordHash: input.passwordHash,
      displayName: a.displayName.trim(),
      ...roles,
      ...verifiedAt,
    })),
  );
  // Matched by address, not by position: RETURNING promises no order.
  const byEmail = new Map(created.map((u) => [u.email, u]));
  const rows = batch.map((a) => byEmail.get(a.email.trim().toLowerCase())!);
  const tokens = rows.map(() => newSecret('fds'));
  const expiresAt = new Date(Date.now() + config.SESSION_TTL_HOURS * 3600_000);
  const opened = await insertSessionBatch(
    db,
    rows.map((u, i) => ({ userId: u.id, tokenHash: hashSecret(tokens[i]!), expiresAt })),
  );
  const sessionOf = new Map(opened.map((s) => [s.userId, s.id]));
  const accounts = rows.map((u, i) => ({
    userId: u.id,
    sessionId: sessionOf.get(u.id)!,
    email: u.email,
    displayName: u.displayName,
    token: tokens[i]!,
    expiresAt,
  }));
  const cache = input.sessionCache;
  if (cache) {
    await Promise.all(
      accounts.map((a, i) => {
        const principal: Principal = {
          userId: a.userId,
          sessionId: a.sessionId,
          email: a.email,
          displayName: a.displayName,
          roles: rows[i]!.roles as Role[],
          emailVerified: input.verified === true,
        };
        return cache.put(hashSecret(a.token), principal, expiresAt, 'open');
      }),
    );
  }
  return accounts;
}
