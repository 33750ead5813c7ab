import type postgres from 'postgres';
import { hashPassword } from '../auth/password.js';
import { hashSecret, newSecret } from '../shared/tokens.js';
import type { Account } from './types.js';

/**
 * The crowd's accounts. Fans normally register through POST /v1/auth/register (the fan
 * processes do it, and the report has its latency). A 100,000-fan crowd registers for far
 * longer than the drop lasts on a small machine (a scrypt hash and three writes each, ~7 ms of
 * CPU), and registration is not what the drop measures, so a self-started deployment can
 * create the accounts beyond `--register` here instead: rows in `users` and `sessions` as the
 * register route writes them (no verification e-mail), in batches, with one password hash for
 * all of them (the same scrypt cost, one salt), and a bearer token per account that the API
 * resolves like any other. The report says how many accounts came which way.
 */

export const FAN_PASSWORD = 'drop simulator passphrase';

export const fanEmail = (i: number, runId: string) => `fan${i}.${runId}@drop.example.com`;
export const fanName = (i: number) => `Drop fan ${i}`;

/** Rows per INSERT: a few MB of parameters, well under Postgres' 65,535-parameter bound. */
const BATCH = 2_000;
/** As the API's default SESSION_TTL_HOURS (30 days): longer than any drop. */
const SESSION_TTL_MS = 30 * 86_400_000;

export async function seedFanAccounts(sql: postgres.Sql, indexes: number[], runId: string, scryptLogN: number): Promise<[number, Account][]> {
  const passwordHash = await hashPassword(FAN_PASSWORD, scryptLogN);
  const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
  const out: [number, Account][] = [];
  for (let from = 0; from < indexes.length; from += BATCH) {
    const batch = indexes.slice(from, from + BATCH);
    const emails = batch.map((i) => fanEmail(i, runId));
    const users = await sql<{ id: string; email: string }[]>`
      insert into users (email, password_hash, display_name)
      select e, ${passwordHash}, n from unnest(${sql.array(emails)}::text[], ${sql.array(batch.map(fanName))}::text[]) as t(e, n)
      returning id, email`;
    const byEmail = new Map(users.map((u) => [u.email, u.id]));
    const userIds: string[] = [];
    const tokenHashes: string[] = [];
    for (const i of batch) {
      const token = newSecret('fds');
      const userId = byEmail.get(fanEmail(i, runId))!;
      out.push([i, { token, userId }]);
      userIds.push(userId);
      tokenHashes.push(hashSecret(token));
    }
    await sql`
      insert into sessions (user_id, token_hash, expires_at)
      select u, h, ${expiresAt.toISOString()}::timestamptz from unnest(${sql.array(userIds)}::uuid[], ${sql.array(tokenHashes)}::text[]) as t(u, h)`;
  }
  return out;
}
